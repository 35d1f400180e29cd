"""The NLU app as a whole: its OpenAPI document, probes, metrics and start-up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from nlu_service.app import create_app
from nlu_service.config import Settings
from nlu_service.engine import ModelsMissing
from shared import SYSTEM_TENANT, sign_headers
from tests.nlu_service.conftest import NluFactory
from tests.nlu_service.support import SECRET

# (method, path) -> operationId of every text-classifier operation in the Feersum spec 2.0.46.
SPEC_OPERATIONS = {
    ("POST", "/nlu/v2/text_classifiers"): "text_classifier_create",
    ("GET", "/nlu/v2/text_classifiers"): "text_classifier_get_details_all",
    ("GET", "/nlu/v2/text_classifiers/{instance_name}"): "text_classifier_get_details",
    ("DELETE", "/nlu/v2/text_classifiers/{instance_name}"): "text_classifier_del",
    (
        "POST",
        "/nlu/v2/text_classifiers/{instance_name}/training_samples",
    ): "text_classifier_add_training_samples",
    (
        "PUT",
        "/nlu/v2/text_classifiers/{instance_name}/training_samples",
    ): "text_classifier_update_training_samples",
    (
        "GET",
        "/nlu/v2/text_classifiers/{instance_name}/training_samples",
    ): "text_classifier_get_training_samples",
    (
        "DELETE",
        "/nlu/v2/text_classifiers/{instance_name}/training_samples",
    ): "text_classifier_del_training_samples",
    (
        "DELETE",
        "/nlu/v2/text_classifiers/{instance_name}/training_samples_all",
    ): "text_classifier_del_training_samples_all",
    (
        "POST",
        "/nlu/v2/text_classifiers/{instance_name}/testing_samples",
    ): "text_classifier_add_testing_samples",
    (
        "PUT",
        "/nlu/v2/text_classifiers/{instance_name}/testing_samples",
    ): "text_classifier_update_testing_samples",
    (
        "GET",
        "/nlu/v2/text_classifiers/{instance_name}/testing_samples",
    ): "text_classifier_get_testing_samples",
    (
        "DELETE",
        "/nlu/v2/text_classifiers/{instance_name}/testing_samples",
    ): "text_classifier_del_testing_samples",
    (
        "DELETE",
        "/nlu/v2/text_classifiers/{instance_name}/testing_samples_all",
    ): "text_classifier_del_testing_samples_all",
    ("POST", "/nlu/v2/text_classifiers/{instance_name}/train"): "text_classifier_train",
    ("POST", "/nlu/v2/text_classifiers/{instance_name}/params"): "text_classifier_set_params",
    ("GET", "/nlu/v2/text_classifiers/{instance_name}/params"): "text_classifier_get_params",
    (
        "POST",
        "/nlu/v2/text_classifiers/{instance_name}/online_training_samples",
    ): "text_classifier_online_training_samples",
    ("POST", "/nlu/v2/text_classifiers/{instance_name}/retrieve"): "text_classifier_retrieve",
    ("POST", "/nlu/v2/text_classifiers/{instance_name}/vaporise"): "text_classifier_vaporise",
    ("GET", "/nlu/v2/text_classifiers/{instance_name}/labels"): "text_classifier_get_labels",
    ("POST", "/nlu/v2/text_classifiers/{instance_name}/curate"): "text_classifier_curate",
    ("POST", "/nlu/v2/text_classifiers/{instance_name}/tsne"): "text_classifier_tsne_post",
    ("GET", "/nlu/v2/text_classifiers/{instance_name}/tsne"): "text_classifier_tsne_get",
}


async def openapi_of(app: FastAPI) -> dict[str, Any]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://nlu.test"
    ) as raw:
        headers = sign_headers(SECRET, SYSTEM_TENANT, "GET", "/openapi.json")
        response = await raw.get("/openapi.json", headers=headers)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def test_openapi_has_every_spec_operation_with_its_id_and_schemas(nlu_app: FastAPI) -> None:
    document = await openapi_of(nlu_app)
    ours = {
        (method.upper(), path): op["operationId"]
        for path, item in document["paths"].items()
        for method, op in item.items()
    }
    # Intent classifiers and FAQ matchers have the same 24 operations in the spec, renamed.
    for family in ("text_classifier", "intent_classifier", "faq_matcher"):
        expected = {
            (method, path.replace("text_classifiers", f"{family}s")): op.replace(
                "text_classifier", family
            )
            for (method, path), op in SPEC_OPERATIONS.items()
        }
        mine = {k: v for k, v in ours.items() if k[1].startswith(f"/nlu/v2/{family}s")}
        assert mine == expected, family
        assert len(mine) == 24
    assert not {"/health", "/ready", "/metrics", "/openapi.json"} & set(document["paths"])
    schemas = document["components"]["schemas"]
    for name in (
        "TextClassifierCreateDetails",
        "TextClassifierInstanceDetail",
        "TrainDetails",
        "ModelParams",
        "TextInput",
        "LabelledTextSample",
        "ScoredLabel",
        "ClassLabelPair",
        "TsneSettings",
        "TsneSample",
        "LabelledLanguageModel",
        "ErrorBody",
    ):
        assert name in schemas, name
    assert "HTTPValidationError" not in schemas
    retrieve = document["paths"]["/nlu/v2/text_classifiers/{instance_name}/retrieve"]["post"]
    assert retrieve["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/TextInput"
    )
    answer = retrieve["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["items"]["$ref"].endswith("/ScoredLabel")
    assert "422" not in retrieve["responses"] and "400" in retrieve["responses"]
    samples = document["paths"]["/nlu/v2/text_classifiers/{instance_name}/training_samples"]["get"]
    assert {p["name"] for p in samples["parameters"]} >= {"instance_name", "index", "len"}


async def test_ready_reports_encoder_store_and_redis(
    nlu_app: FastAPI, redis_url: str | None
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(nlu_app), base_url="http://nlu.test"
    ) as raw:
        ready = await raw.get("/ready")
        assert ready.status_code == 200
        body = ready.json()
        assert body["ready"] is True and body["encoder"] == "warm" and body["model_store"] == "ok"
        assert body["redis"] == ("ok" if redis_url else "disabled")
        assert (await raw.get("/health")).json() == {"status": "ok"}


async def test_ready_says_degraded_when_redis_is_down(start_nlu: NluFactory) -> None:
    async with start_nlu(redis_url="redis://127.0.0.1:1/0") as app:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://nlu.test"
        ) as raw:
            body = (await raw.get("/ready")).json()
    assert body["ready"] is True and body["redis"] == "degraded"


async def test_metrics_carry_the_encoder_batches(nlu_app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(nlu_app), base_url="http://nlu.test"
    ) as raw:
        text = (await raw.get("/metrics")).text
    assert 'baobab_encoder_batches_total{backbone="minilm"}' in text
    assert 'baobab_encoder_mean_batch_size{backbone="minilm"}' in text


async def test_start_up_fails_loudly_without_models(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    app = create_app(make_settings(models_dir=tmp_path))
    with pytest.raises(ModelsMissing):
        async with LifespanManager(app, startup_timeout=60):
            pass


def test_the_module_has_no_app() -> None:
    import nlu_service.app

    assert not any(isinstance(v, FastAPI) for v in vars(nlu_service.app).values())
