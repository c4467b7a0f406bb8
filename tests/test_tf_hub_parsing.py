"""The tfhub.dev document parser: line 1, metadata comments, handles."""

from __future__ import annotations

from crawler.sources.tensorflow_hub import clean_handle, is_document, parse_document, split_version


def test_module_document() -> None:
    text = (
        "# Module google/&zwnj;imagenet/&zwnj;mobilenet_v2_100_128/&zwnj;classification/3\n"
        "Imagenet classification with MobileNet V2.\n\n"
        "<!-- asset-path: legacy -->\n"
        "<!-- module-type: image-classification -->\n"
        "<!-- module-type: image-others -->\n"
        "<!-- finetunable: true -->\n"
        "<!--   format :  hub   -->\n"
    )
    doc, problem = parse_document(text)
    assert problem is None and doc is not None
    assert doc.doc_type == "module"
    assert doc.handle == "google/imagenet/mobilenet_v2_100_128/classification/3"
    assert doc.title == "Imagenet classification with MobileNet V2."
    assert doc.metadata == {
        "asset-path": "legacy",
        "module-type": ["image-classification", "image-others"],
        "fine-tunable": "true",
        "format": "hub",
    }


def test_publisher_and_unknown_first_lines() -> None:
    doc, _ = parse_document("# Publisher deepmind\nDeepMind\n\n[![Icon URL]](https://x)\n")
    assert doc is not None and (doc.doc_type, doc.handle, doc.title) == ("publisher", "deepmind", "DeepMind")
    doc, problem = parse_document("Publisher test.\n")
    assert doc is None and problem is not None and "Publisher test." in problem
    doc, problem = parse_document("# Overview of things\n")
    assert doc is None and problem is not None


def test_handles_and_versions() -> None:
    assert clean_handle("google/\u200cbert/1/") == "google/bert/1"
    assert split_version("google/imagenet/resnet_v2_50/classification/5") == (
        "google/imagenet/resnet_v2_50/classification",
        "5",
    )
    assert split_version("google/yamnet") == ("google/yamnet", None)


def test_documents_are_markdown_under_assets() -> None:
    assert is_document("assets/docs/google/models/yamnet/1.md")
    assert is_document("assets/g3doc/google/google.md")
    assert not is_document("README.md")
    assert not is_document("assets/docs/README.md")
    assert not is_document("examples/docs/x.md")
    assert not is_document("assets/docs/tags/task.yaml")
