"""Real answers of the Hugging Face Hub replayed through zoo's parsing: what zoo makes of each model's
creation date.

The fixtures are copied from recorded real answers (each names the recording it comes from and the
request and date it records): ``GET /api/models/{repo_id}`` model-info bodies, which carry the same
fields, with the same spelling, as the items of a listing page asked with ``expand``. Only the fields
the listing asks for are kept (``siblings``, ``spaces``, ``config``, ``cardData``… left out); every
value kept is as recorded. They cover legacy repos at both placeholder seconds (``:04``: gpt2,
bert-base-uncased, t5-small, distilbert…; ``:05``: bart-base, vit-base-patch16-224, all-MiniLM-L6-v2…)
and repos created after the placeholder, in 2022 and later. Each goes through the listing's item
normaliser (both its paths) and, as one page, through the fast page reader; the period comes from the
statistics' own rule (the SQL macro ``creation_period``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import orjson
import pytest

from crawler.sources._hf_pages import PageReader
from crawler.sources.huggingface import (
    HUB,
    PLACEHOLDER_CREATED_AT,
    PLACEHOLDER_ID_PREFIXES,
    _normalise_checked,
    is_placeholder,
    normalise,
)
from crawler.store import sql_dir


@dataclass(frozen=True)
class Captured:
    period: str  # the creation period zoo must give (grain 'year')
    body: str  # the recorded JSON object, listing fields only


CAPTURED: list[Captured] = [
    Captured(
        "legacy",
        # GET https://huggingface.co/api/models/openai-community/gpt2, answered Fri, 21 Mar 2025 13:22:50 GMT
        # (hf_model_info_openai-community__gpt2_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@3056cae8e8c3:tests/cassettes/test_async_generate_stream_with_details.yaml)
        '{"_id": "621ffdc036468d709f17434d", "id": "openai-community/gpt2", "modelId": "openai-community/gpt2", "author": "openai-community", "createdAt": "2022-03-02T23:29:04.000Z", "lastModified": "2024-02-19T10:57:45.000Z", "library_name": "transformers", "pipeline_tag": "text-generation", "tags": ["transformers", "pytorch", "tf", "jax", "tflite", "rust", "onnx", "safetensors", "gpt2", "text-generation", "exbert", "en", "doi:10.57967/hf/0039", "license:mit", "autotrain_compatible", "text-generation-inference", "endpoints_compatible", "region:us"], "downloads": 17272637, "likes": 2630, "private": false, "gated": false, "sha": "607a30d783dfa663caf39e06633721c8d4cfcd7e"}',
    ),
    Captured(
        "legacy",
        # GET https://huggingface.co/api/models/google-bert/bert-base-uncased, answered Wed, 22 Jan 2025 18:24:45 GMT
        # (hf_model_info_google-bert__bert-base-uncased_2025-01-22.cassette.yaml; recorded in huggingface/huggingface_hub@906a25538c1f:tests/cassettes/InferenceApiTest.test_simple_inference.yaml)
        '{"_id": "621ffdc036468d709f174338", "id": "google-bert/bert-base-uncased", "modelId": "google-bert/bert-base-uncased", "author": "google-bert", "createdAt": "2022-03-02T23:29:04.000Z", "lastModified": "2024-02-19T11:06:12.000Z", "library_name": "transformers", "pipeline_tag": "fill-mask", "tags": ["transformers", "pytorch", "tf", "jax", "rust", "coreml", "onnx", "safetensors", "bert", "fill-mask", "exbert", "en", "dataset:bookcorpus", "dataset:wikipedia", "arxiv:1810.04805", "license:apache-2.0", "autotrain_compatible", "endpoints_compatible", "region:us"], "downloads": 72376843, "likes": 2065, "private": false, "gated": false, "sha": "86b5e0934494bd15c9632b12f734a8a67f723594"}',
    ),
    Captured(
        "legacy",
        # GET https://huggingface.co/api/models/google-t5/t5-small, answered Fri, 21 Mar 2025 14:03:55 GMT
        # (hf_model_info_google-t5__t5-small_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@3056cae8e8c3:tests/cassettes/TestInferenceClient.test_hf_inference_get_recommended_model_has_recommendation.yaml)
        '{"_id": "621ffdc036468d709f174358", "id": "google-t5/t5-small", "modelId": "google-t5/t5-small", "author": "google-t5", "createdAt": "2022-03-02T23:29:04.000Z", "lastModified": "2023-06-30T02:31:26.000Z", "library_name": "transformers", "pipeline_tag": "translation", "tags": ["transformers", "pytorch", "tf", "jax", "rust", "onnx", "safetensors", "t5", "text2text-generation", "summarization", "translation", "en", "fr", "ro", "de", "multilingual", "dataset:c4", "arxiv:1805.12471", "arxiv:1708.00055", "arxiv:1704.05426", "arxiv:1606.05250", "arxiv:1808.09121", "arxiv:1810.12885", "arxiv:1905.10044", "arxiv:1910.09700", "license:apache-2.0", "autotrain_compatible", "text-generation-inference", "endpoints_compatible", "region:us"], "downloads": 5747624, "likes": 433, "private": false, "gated": false, "sha": "df1b051c49625cf57a3d0d8d3863ed4d13564fe4"}',
    ),
    Captured(
        "legacy",
        # GET https://huggingface.co/api/models/distilbert/distilbert-base-uncased-finetuned-sst-2-english, answered Fri, 21 Mar 2025 11:42:41 GMT
        # (hf_model_info_distilbert__distilbert-base-uncased-finetuned-sst-2-english_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@d201d5c5a243:tests/cassettes/TestInferenceClient.test_text_classification[hf-inference,text-classification].yaml)
        '{"_id": "621ffdc036468d709f174346", "id": "distilbert/distilbert-base-uncased-finetuned-sst-2-english", "modelId": "distilbert/distilbert-base-uncased-finetuned-sst-2-english", "author": "distilbert", "createdAt": "2022-03-02T23:29:04.000Z", "lastModified": "2023-12-19T16:29:37.000Z", "library_name": "transformers", "pipeline_tag": "text-classification", "tags": ["transformers", "pytorch", "tf", "rust", "onnx", "safetensors", "distilbert", "text-classification", "en", "dataset:sst2", "dataset:glue", "arxiv:1910.01108", "doi:10.57967/hf/0181", "license:apache-2.0", "model-index", "autotrain_compatible", "endpoints_compatible", "region:us"], "downloads": 6766852, "likes": 715, "private": false, "gated": false, "sha": "714eb0fa89d2f80546fda750413ed43d93601a13"}',
    ),
    Captured(
        "legacy",
        # GET https://huggingface.co/api/models/facebook/bart-base, answered Fri, 21 Mar 2025 14:03:54 GMT
        # (hf_model_info_facebook__bart-base_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@3056cae8e8c3:tests/cassettes/TestInferenceClient.test_hf_inference_get_recommended_model_has_recommendation.yaml)
        '{"_id": "621ffdc136468d709f17adb5", "id": "facebook/bart-base", "modelId": "facebook/bart-base", "author": "facebook", "createdAt": "2022-03-02T23:29:05.000Z", "lastModified": "2022-11-16T23:23:10.000Z", "library_name": "transformers", "pipeline_tag": "feature-extraction", "tags": ["transformers", "pytorch", "tf", "jax", "safetensors", "bart", "feature-extraction", "en", "arxiv:1910.13461", "license:apache-2.0", "endpoints_compatible", "region:us"], "downloads": 2924294, "likes": 178, "private": false, "gated": false, "sha": "aadd2ab0ae0c8268c7c9693540e9904811f36177"}',
    ),
    Captured(
        "legacy",
        # GET https://huggingface.co/api/models/google/vit-base-patch16-224, answered Fri, 21 Mar 2025 11:19:45 GMT
        # (hf_model_info_google__vit-base-patch16-224_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@d201d5c5a243:tests/cassettes/TestInferenceClient.test_image_classification[hf-inference,image-classification].yaml)
        '{"_id": "621ffdc136468d709f17b7d7", "id": "google/vit-base-patch16-224", "modelId": "google/vit-base-patch16-224", "author": "google", "createdAt": "2022-03-02T23:29:05.000Z", "lastModified": "2023-09-05T15:27:12.000Z", "library_name": "transformers", "pipeline_tag": "image-classification", "tags": ["transformers", "pytorch", "tf", "jax", "safetensors", "vit", "image-classification", "vision", "dataset:imagenet-1k", "dataset:imagenet-21k", "arxiv:2010.11929", "arxiv:2006.03677", "license:apache-2.0", "autotrain_compatible", "endpoints_compatible", "region:us"], "downloads": 8458647, "likes": 757, "private": false, "gated": false, "sha": "3f49326eb077187dfe1c2a2bb15fbd74e6ab91e3"}',
    ),
    Captured(
        "legacy",
        # GET https://huggingface.co/api/models/sentence-transformers/all-MiniLM-L6-v2, answered Fri, 21 Mar 2025 13:22:56 GMT
        # (hf_model_info_sentence-transformers__all-MiniLM-L6-v2_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@3056cae8e8c3:tests/cassettes/test_async_sentence_similarity.yaml)
        '{"_id": "621ffdc136468d709f180294", "id": "sentence-transformers/all-MiniLM-L6-v2", "modelId": "sentence-transformers/all-MiniLM-L6-v2", "author": "sentence-transformers", "createdAt": "2022-03-02T23:29:05.000Z", "lastModified": "2025-03-06T13:37:44.000Z", "library_name": "sentence-transformers", "pipeline_tag": "sentence-similarity", "tags": ["sentence-transformers", "pytorch", "tf", "rust", "onnx", "safetensors", "openvino", "bert", "feature-extraction", "sentence-similarity", "transformers", "en", "dataset:s2orc", "dataset:flax-sentence-embeddings/stackexchange_xml", "dataset:ms_marco", "dataset:gooaq", "dataset:yahoo_answers_topics", "dataset:code_search_net", "dataset:search_qa", "dataset:eli5", "dataset:snli", "dataset:multi_nli", "dataset:wikihow", "dataset:natural_questions", "dataset:trivia_qa", "dataset:embedding-data/sentence-compression", "dataset:embedding-data/flickr30k-captions", "dataset:embedding-data/altlex", "dataset:embedding-data/simple-wiki", "dataset:embedding-data/QQP", "dataset:embedding-data/SPECTER", "dataset:embedding-data/PAQ_pairs", "dataset:embedding-data/WikiAnswers", "arxiv:1904.06472", "arxiv:2102.07033", "arxiv:2104.08727", "arxiv:1704.05179", "arxiv:1810.09305", "license:apache-2.0", "autotrain_compatible", "text-embeddings-inference", "endpoints_compatible", "region:us"], "downloads": 90148743, "likes": 3150, "private": false, "gated": false, "sha": "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"}',
    ),
    Captured(
        "legacy",
        # GET https://huggingface.co/api/models/deepset/roberta-base-squad2, answered Wed, 22 Jan 2025 18:24:32 GMT
        # (hf_model_info_deepset__roberta-base-squad2_2025-01-22.cassette.yaml; recorded in huggingface/huggingface_hub@906a25538c1f:tests/cassettes/InferenceApiTest.test_inference_missing_input.yaml)
        '{"_id": "621ffdc136468d709f17a5fd", "id": "deepset/roberta-base-squad2", "modelId": "deepset/roberta-base-squad2", "author": "deepset", "createdAt": "2022-03-02T23:29:05.000Z", "lastModified": "2024-09-24T15:48:47.000Z", "library_name": "transformers", "pipeline_tag": "question-answering", "tags": ["transformers", "pytorch", "tf", "jax", "rust", "safetensors", "roberta", "question-answering", "en", "dataset:squad_v2", "base_model:FacebookAI/roberta-base", "base_model:finetune:FacebookAI/roberta-base", "license:cc-by-4.0", "model-index", "endpoints_compatible", "region:us"], "downloads": 1801802, "likes": 842, "private": false, "gated": false, "sha": "adc3b06f79f797d1c575d5479d6f5efe54a9e3b4"}',
    ),
    Captured(
        "legacy",
        # GET https://huggingface.co/api/models/microsoft/DialoGPT-small, answered Fri, 21 Mar 2025 13:22:51 GMT
        # (hf_model_info_microsoft__DialoGPT-small_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@3056cae8e8c3:tests/cassettes/test_async_chat_completion_not_tgi_no_stream.yaml)
        '{"_id": "621ffdc136468d709f17dec4", "id": "microsoft/DialoGPT-small", "modelId": "microsoft/DialoGPT-small", "author": "microsoft", "createdAt": "2022-03-02T23:29:05.000Z", "lastModified": "2024-02-29T15:48:41.000Z", "library_name": "transformers", "pipeline_tag": "text-generation", "tags": ["transformers", "pytorch", "tf", "jax", "safetensors", "gpt2", "text-generation", "conversational", "arxiv:1911.00536", "license:mit", "autotrain_compatible", "text-generation-inference", "endpoints_compatible", "region:us"], "downloads": 197493, "likes": 121, "private": false, "gated": false, "sha": "49c537161a457d5256512f9d2d38a87d81ae0f0e"}',
    ),
    Captured(
        "legacy",
        # GET https://huggingface.co/api/models/openai/clip-vit-base-patch32, answered Fri, 21 Mar 2025 11:21:52 GMT
        # (hf_model_info_openai__clip-vit-base-patch32_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@d201d5c5a243:tests/cassettes/TestInferenceClient.test_zero_shot_image_classification[hf-inference,zero-shot-image-classification].yaml)
        '{"_id": "621ffdc136468d709f17ea62", "id": "openai/clip-vit-base-patch32", "modelId": "openai/clip-vit-base-patch32", "author": "openai", "createdAt": "2022-03-02T23:29:05.000Z", "lastModified": "2024-02-29T09:45:55.000Z", "library_name": "transformers", "pipeline_tag": "zero-shot-image-classification", "tags": ["transformers", "pytorch", "tf", "jax", "clip", "zero-shot-image-classification", "vision", "arxiv:2103.00020", "arxiv:1908.04913", "endpoints_compatible", "region:us"], "downloads": 14980810, "likes": 638, "private": false, "gated": false, "sha": "3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268"}',
    ),
    Captured(
        "2022",
        # GET https://huggingface.co/api/models/CompVis/stable-diffusion-v1-4, answered Fri, 21 Mar 2025 12:14:06 GMT
        # (hf_model_info_CompVis__stable-diffusion-v1-4_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@d201d5c5a243:tests/cassettes/TestInferenceClient.test_text_to_image_default[hf-inference,text-to-image].yaml)
        '{"_id": "6300e0f58a4db6e9052953a8", "id": "CompVis/stable-diffusion-v1-4", "modelId": "CompVis/stable-diffusion-v1-4", "author": "CompVis", "createdAt": "2022-08-20T13:26:13.000Z", "lastModified": "2023-08-23T21:15:42.000Z", "library_name": "diffusers", "pipeline_tag": "text-to-image", "tags": ["diffusers", "safetensors", "stable-diffusion", "stable-diffusion-diffusers", "text-to-image", "arxiv:2207.12598", "arxiv:2112.10752", "arxiv:2103.00020", "arxiv:2205.11487", "arxiv:1910.09700", "license:creativeml-openrail-m", "autotrain_compatible", "endpoints_compatible", "diffusers:StableDiffusionPipeline", "region:us"], "downloads": 1155072, "likes": 6729, "private": false, "gated": false, "sha": "133a221b8aa7292a167afc5127cb63fb5005638b"}',
    ),
    Captured(
        "2022",
        # GET https://huggingface.co/api/models/Salesforce/blip-image-captioning-base, answered Fri, 21 Mar 2025 11:42:33 GMT
        # (hf_model_info_Salesforce__blip-image-captioning-base_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@d201d5c5a243:tests/cassettes/TestInferenceClient.test_image_to_text[hf-inference,image-to-text].yaml)
        '{"_id": "63974666f74f697677e32689", "id": "Salesforce/blip-image-captioning-base", "modelId": "Salesforce/blip-image-captioning-base", "author": "Salesforce", "createdAt": "2022-12-12T15:19:02.000Z", "lastModified": "2025-02-03T06:45:16.000Z", "library_name": "transformers", "pipeline_tag": "image-to-text", "tags": ["transformers", "pytorch", "tf", "blip", "image-text-to-text", "image-captioning", "image-to-text", "arxiv:2201.12086", "license:bsd-3-clause", "endpoints_compatible", "region:us"], "downloads": 5600691, "likes": 654, "private": false, "gated": false, "sha": "82a37760796d32b1411fe092ab5d4e227313294b"}',
    ),
    Captured(
        "2023",
        # GET https://huggingface.co/api/models/HuggingFaceH4/zephyr-7b-beta, answered Fri, 21 Mar 2025 13:22:56 GMT
        # (hf_model_info_HuggingFaceH4__zephyr-7b-beta_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@3056cae8e8c3:tests/cassettes/test_async_chat_completion_with_stream.yaml)
        '{"_id": "653a4cbd66081db6fc588b21", "id": "HuggingFaceH4/zephyr-7b-beta", "modelId": "HuggingFaceH4/zephyr-7b-beta", "author": "HuggingFaceH4", "createdAt": "2023-10-26T11:25:49.000Z", "lastModified": "2024-10-16T11:48:13.000Z", "library_name": "transformers", "pipeline_tag": "text-generation", "tags": ["transformers", "pytorch", "safetensors", "mistral", "text-generation", "generated_from_trainer", "conversational", "en", "dataset:HuggingFaceH4/ultrachat_200k", "dataset:HuggingFaceH4/ultrafeedback_binarized", "arxiv:2305.18290", "arxiv:2310.16944", "arxiv:2305.14233", "arxiv:2310.01377", "base_model:mistralai/Mistral-7B-v0.1", "base_model:finetune:mistralai/Mistral-7B-v0.1", "license:mit", "model-index", "autotrain_compatible", "text-generation-inference", "endpoints_compatible", "region:us"], "downloads": 684157, "likes": 1667, "private": false, "gated": false, "sha": "892b3d7a7b1cf10c7a701c60881cd93df615734c"}',
    ),
    Captured(
        "2024",
        # GET https://huggingface.co/api/models/meta-llama/Llama-3.1-8B-Instruct, answered Fri, 21 Mar 2025 14:02:56 GMT
        # (hf_model_info_meta-llama__Llama-3.1-8B-Instruct_2025-03-21.cassette.yaml; recorded in huggingface/huggingface_hub@3056cae8e8c3:tests/cassettes/TestInferenceClient.test_chat_completion_with_stream[hf-inference,conversational].yaml)
        '{"_id": "6698d8a0653e4babe21e1e7d", "id": "meta-llama/Llama-3.1-8B-Instruct", "modelId": "meta-llama/Llama-3.1-8B-Instruct", "author": "meta-llama", "createdAt": "2024-07-18T08:56:00.000Z", "lastModified": "2024-09-25T17:00:57.000Z", "library_name": "transformers", "pipeline_tag": "text-generation", "tags": ["transformers", "safetensors", "llama", "text-generation", "facebook", "meta", "pytorch", "llama-3", "conversational", "en", "de", "fr", "it", "pt", "hi", "es", "th", "arxiv:2204.05149", "base_model:meta-llama/Llama-3.1-8B", "base_model:finetune:meta-llama/Llama-3.1-8B", "license:llama3.1", "autotrain_compatible", "text-generation-inference", "endpoints_compatible", "region:us"], "downloads": 5795728, "likes": 3763, "private": false, "gated": "manual", "sha": "0e9e39f249a16976918f6564b8830bc894c89659"}',
    ),
    Captured(
        "2024",
        # GET /api/models/meta-llama/Llama-3.1-8B?expand[]=author&expand[]…, status 200, recorded 2026-10-02 (trimmed by its source)
        # (hf_model_info_meta-llama__Llama-3.1-8B_gated-manual_expand_repoing_2026-10-02.json; recorded in New1Direction/repo.ing@b5bf0b634b3c…:tests/fixtures/hf/model-llama-3.1-8b.json)
        '{"_id": "66944f1fe0c5c2e493a804f5", "id": "meta-llama/Llama-3.1-8B", "author": "meta-llama", "createdAt": "2024-07-14T22:20:15.000Z", "lastModified": "2024-10-16T22:00:37.000Z", "pipeline_tag": "text-generation", "tags": ["transformers", "safetensors", "llama", "text-generation", "facebook", "meta", "pytorch", "llama-3", "en", "de", "fr", "it", "pt", "hi", "es", "th", "arxiv:2204.05149", "license:llama3.1", "eval-results", "text-generation-inference", "endpoints_compatible", "deploy:sagemaker", "region:us"], "downloads": 607450, "downloadsAllTime": 28272325, "likes": 2579, "private": false, "gated": "manual", "sha": "d04e592bb4f6aa9cfee91e2e20afa771667e1d4b"}',
    ),
]


def _id(c: Captured) -> str:
    return str(orjson.loads(c.body)["id"])


@pytest.fixture(scope="module")
def period_con():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute((sql_dir() / "views" / "period_macros.sql").read_text(encoding="utf-8"))
    yield con
    con.close()


def test_the_fixtures_hold_both_placeholder_seconds_and_later_dates() -> None:
    created = [orjson.loads(c.body)["createdAt"] for c in CAPTURED]
    assert created.count("2022-03-02T23:29:04.000Z") >= 3 and created.count("2022-03-02T23:29:05.000Z") >= 5
    assert sum(c.period != "legacy" for c in CAPTURED) >= 4


@pytest.mark.parametrize("captured", CAPTURED, ids=_id)
def test_each_recorded_model_gets_the_right_quality_and_period(captured: Captured, period_con) -> None:
    item = orjson.loads(captured.body)
    created = datetime.fromisoformat(item["createdAt"])
    # the recorded relation: the _id's first 4 bytes are createdAt to the second; legacy ids carry the
    # placeholder's prefix
    assert int(item["_id"][:8], 16) == int(created.timestamp())
    assert (
        (item["_id"][:8] in PLACEHOLDER_ID_PREFIXES)
        == (captured.period == "legacy")
        == is_placeholder(created)
    )
    legacy = captured.period == "legacy"
    for read in (normalise, _normalise_checked):
        warnings: list[str] = []
        record = read(item, warnings)
        assert warnings == [] and record is not None
        assert record.key == item["_id"] and record.id == item["id"]
        assert record.created_at == created
        assert record.created_at_quality == ("sentinel" if legacy else "exact")
        [(period,)] = period_con.execute(
            "SELECT creation_period(?, ?, 'year')", [record.created_at, record.created_at_quality]
        ).fetchall()
        assert period == captured.period


def test_the_recorded_models_as_one_page_through_the_fast_reader() -> None:
    body = b"[" + b",".join(c.body.encode() for c in CAPTURED) + b"]"
    reader = PageReader(HUB, PLACEHOLDER_CREATED_AT)
    try:
        table = reader.read(body)
    finally:
        reader.close()
    assert table is not None  # clean: the fast path took it
    got = dict(
        zip(table.column("key").to_pylist(), table.column("created_at_quality").to_pylist(), strict=True)
    )
    want = {orjson.loads(c.body)["_id"]: ("sentinel" if c.period == "legacy" else "exact") for c in CAPTURED}
    assert got == want
