"""The PyTorch Hub page parsers: front matter, github ids, torch.hub.load calls, hubconf.py callables."""

from __future__ import annotations

import pytest

from crawler.sources.pytorch_hub import (
    clean_str,
    hub_load_calls,
    hubconf_entrypoints,
    is_entry,
    normalise_github_id,
    parse_front_matter,
)


def test_front_matter_with_crlf_and_a_second_dash_line_in_the_body() -> None:
    text = "---\r\ntitle: YOLOP\r\ntags: [vision]\r\ngithub-id: hustvl/YOLOP\r\n---\r\n## Body\r\n---\r\nmore\r\n"
    fields, problem = parse_front_matter(text)
    assert problem is None
    assert fields == {"title": "YOLOP", "tags": ["vision"], "github-id": "hustvl/YOLOP"}


def test_front_matter_that_yaml_rejects_is_read_line_by_line() -> None:
    fields, problem = parse_front_matter("---\ntitle: Ok\nsummary: [unclosed\ntags: [a, b]\n---\n")
    assert problem is not None and "not valid YAML" in problem
    assert fields["title"] == "Ok" and fields["tags"] == ["a", "b"]
    assert fields["summary"] == "[unclosed"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter here\n", "no front matter"),
        ("---\ntitle: x\n", "not closed"),
        ("---\n- a\n- b\n---\n", "not a mapping"),
    ],
)
def test_front_matter_problems_are_named(text: str, message: str) -> None:
    _, problem = parse_front_matter(text)
    assert problem is not None and message in problem


def test_curly_quotes_are_stripped() -> None:
    assert clean_str("\u201ccuda-optional\u201d") == "cuda-optional"
    assert clean_str("  'x' ") == "x"
    assert clean_str("  ") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("pytorch/vision", "pytorch/vision"),
        ("NVIDIA/DeepLearningExamples:torchhub", "NVIDIA/DeepLearningExamples"),
        ("https://github.com/huggingface/pytorch-pretrained-BERT.git", "huggingface/pytorch-pretrained-BERT"),
        ("https://github.com/pytorch/vision/blob/main/torchvision/models/resnet.py", "pytorch/vision"),
        ("\u201cintel-isl/MiDaS\u201d", "intel-isl/MiDaS"),
        ("http://www.github.com", None),
        (None, None),
    ],
)
def test_github_ids(value: str | None, expected: str | None) -> None:
    assert normalise_github_id(value) == expected


def test_hub_load_calls() -> None:
    text = (
        "model = torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)\n"
        'm = torch.hub.load(repo_or_dir="snakers4/silero-vad", model="silero_vad")\n'
        "model = torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)\n"
    )
    assert hub_load_calls(text) == [
        ("pytorch/vision:v0.10.0", "resnet18"),
        ("snakers4/silero-vad", "silero_vad"),
    ]


def test_entries_are_top_level_markdown_minus_repository_docs() -> None:
    assert is_entry("pytorch_vision_resnet.md")
    assert (
        not is_entry("README.md") and not is_entry("CONTRIBUTING.md") and not is_entry("CODE_OF_CONDUCT.md")
    )
    assert not is_entry("docs/template.md") and not is_entry("hubconf.py")


def test_hubconf_entrypoints_are_found_without_importing() -> None:
    source = (
        "import os\n"
        "os.system('exit 99')  # would run on import\n"
        "from functools import partial\n"
        "from .models import *\n"
        "def _private(): pass\n"
        "async def stream(): pass\n"
        "big = partial(stream, size=2)\n"
        "small = lambda: None\n"
        "if True:\n"
        "    def conditional(): pass\n"
        "CONSTANT = 3\n"
    )
    found = {e.name: e.kind for e in hubconf_entrypoints(source)}
    assert found == {
        "partial": "import",
        "stream": "function",
        "big": "alias",
        "small": "alias",
        "conditional": "function",
    }


def test_hubconf_syntax_error_raises() -> None:
    with pytest.raises(SyntaxError):
        hubconf_entrypoints("print 'python 2'\n")
