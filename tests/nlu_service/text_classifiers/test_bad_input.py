"""Bad input gets a clear JSON 4xx and leaves every stored thing as it was."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI

from tests.nlu_service.support import (
    BASE,
    INTENTS,
    SAMPLES_LIMIT,
    TEXT_LIMIT,
    NluClient,
    add_samples,
    assert_error,
    create_model,
    nlu_client,
    ok,
    samples_of,
    snapshot,
    train,
)

LONG = "x" * (TEXT_LIMIT + 1)
TOO_MANY = [{"text": f"sample {i}", "label": "a"} for i in range(SAMPLES_LIMIT + 1)]


@dataclass
class Models:
    api: NluClient
    names: tuple[str, ...] = ("trained", "untrained", "empty", "one-label")


@pytest.fixture(scope="module")
async def models(nlu_app: FastAPI) -> AsyncIterator[Models]:
    """One tenant's models: trained, untrained (with samples), empty, and one with one label."""
    async with nlu_client(nlu_app, f"t-{uuid.uuid4().hex[:12]}") as api:
        await create_model(api, "trained")
        await add_samples(api, "trained", samples_of(INTENTS))
        await add_samples(api, "trained", [{"text": "hi", "label": "greeting"}], kind="testing")
        await train(api, "trained")
        await create_model(api, "untrained")
        await add_samples(api, "untrained", samples_of(INTENTS))
        await create_model(api, "empty")
        await create_model(api, "one-label")
        await add_samples(api, "one-label", samples_of({"greeting": INTENTS["greeting"]}))
        yield Models(api)


# (name, method, path under BASE, json body or raw bytes, status, words the detail must hold)
CASES: list[tuple[str, str, str, Any, int, str]] = [
    ("create: no name", "POST", "", {"load_from_store": False}, 400, "name"),
    ("create: name not a string", "POST", "", {"name": 123, "load_from_store": False}, 400, "name"),
    ("create: no load_from_store", "POST", "", {"name": "new-model"}, 400, "load_from_store"),
    (
        "create: load_from_store a string",
        "POST",
        "",
        {"name": "new-model", "load_from_store": "yes"},
        400,
        "load_from_store",
    ),
    (
        "train: temperature a string",
        "POST",
        "/untrained/train",
        {"temperature": "0.5"},
        400,
        "temperature",
    ),
    ("create: bad name", "POST", "", {"name": "bad name!", "load_from_store": False}, 400, ""),
    ("create: name taken", "POST", "", {"name": "trained", "load_from_store": False}, 409, ""),
    (
        "create: nothing in the trash",
        "POST",
        "",
        {"name": "nope", "load_from_store": True},
        404,
        "",
    ),
    ("create: malformed JSON", "POST", "", b'{"name": "x", ', 400, "JSON"),
    ("create: body is a list", "POST", "", [], 400, ""),
    ("add: not a list", "POST", "/trained/training_samples", {"text": "a", "label": "b"}, 400, ""),
    ("add: empty list", "POST", "/trained/training_samples", [], 400, "empty"),
    (
        "add: text not a string",
        "POST",
        "/trained/training_samples",
        [{"text": 5, "label": "a"}],
        400,
        "text",
    ),
    ("add: no label", "POST", "/trained/training_samples", [{"text": "hello"}], 400, "label"),
    (
        "add: empty label",
        "POST",
        "/trained/testing_samples",
        [{"text": "hello", "label": ""}],
        400,
        "label",
    ),
    (
        "add: empty text",
        "POST",
        "/trained/training_samples",
        [{"text": "", "label": "a"}],
        400,
        "text",
    ),
    (
        "add: blank text",
        "POST",
        "/trained/testing_samples",
        [{"text": "   ", "label": "a"}],
        400,
        "text",
    ),
    (
        "add: text over the limit",
        "POST",
        "/trained/training_samples",
        [{"text": LONG, "label": "a"}],
        400,
        "limit",
    ),
    ("add: too many samples", "POST", "/trained/training_samples", TOO_MANY, 413, "limit"),
    ("add: malformed JSON", "POST", "/trained/training_samples", b"[{", 400, "JSON"),
    ("update: no uuid", "PUT", "/trained/training_samples", [{"text": "x"}], 400, "uuid"),
    (
        "update: unknown uuid",
        "PUT",
        "/trained/training_samples",
        [{"uuid": str(uuid.uuid4()), "text": "x"}],
        404,
        "",
    ),
    (
        "update: empty text",
        "PUT",
        "/trained/training_samples",
        [{"uuid": "u", "text": ""}],
        400,
        "text",
    ),
    (
        "delete: neither uuid nor text",
        "DELETE",
        "/trained/training_samples",
        [{"label": "greeting"}],
        400,
        "uuid",
    ),
    ("delete: too many", "DELETE", "/trained/testing_samples", TOO_MANY, 413, "limit"),
    ("get: negative index", "GET", "/trained/training_samples?index=-1", None, 400, "index"),
    ("get: index not a number", "GET", "/trained/training_samples?index=two", None, 400, "index"),
    (
        "train: unknown algorithm",
        "POST",
        "/untrained/train",
        {"clsfr_algorithm": "elmo"},
        400,
        "naive_bayes, svm",
    ),
    ("train: algorithm not a string", "POST", "/untrained/train", {"clsfr_algorithm": 3}, 400, ""),
    ("train: temperature 0", "POST", "/untrained/train", {"temperature": 0}, 400, "temperature"),
    ("train: threshold over 1", "POST", "/untrained/train", {"threshold": 1.5}, 400, "threshold"),
    (
        "train: immediate_mode a list",
        "POST",
        "/untrained/train",
        {"immediate_mode": []},
        400,
        "immediate_mode",
    ),
    (
        "train: no samples",
        "POST",
        "/empty/train",
        {"immediate_mode": True},
        400,
        "no training samples",
    ),
    (
        "train: one label",
        "POST",
        "/one-label/train",
        {"immediate_mode": True},
        400,
        "2 different labels",
    ),
    ("train: unknown model", "POST", "/nope/train", {}, 404, ""),
    ("retrieve: no text", "POST", "/trained/retrieve", {"lang_code": "eng"}, 400, "text"),
    ("retrieve: text not a string", "POST", "/trained/retrieve", {"text": 42}, 400, "text"),
    ("retrieve: empty text", "POST", "/trained/retrieve", {"text": ""}, 400, "text"),
    ("retrieve: text over the limit", "POST", "/trained/retrieve", {"text": LONG}, 400, "limit"),
    ("retrieve: malformed JSON", "POST", "/trained/retrieve", b'{"text": "hi"', 400, "JSON"),
    (
        "retrieve: untrained",
        "POST",
        "/untrained/retrieve",
        {"text": "hello"},
        400,
        "has not been trained",
    ),
    ("retrieve: unknown model", "POST", "/nope/retrieve", {"text": "hello"}, 404, ""),
    (
        "params: threshold negative",
        "POST",
        "/trained/params",
        {"threshold": -0.1},
        400,
        "threshold",
    ),
    (
        "params: temperature a word",
        "POST",
        "/trained/params",
        {"temperature": "hot"},
        400,
        "temperature",
    ),
    ("params: readonly a list", "POST", "/trained/params", {"readonly": [1]}, 400, "readonly"),
    (
        "curate: bad matrix",
        "POST",
        "/trained/curate",
        {"true_label": "a", "predicted_label": "b", "matrix_name": "x"},
        400,
        "matrix_name",
    ),
    (
        "curate: missing field",
        "POST",
        "/trained/curate",
        {"true_label": "a", "matrix_name": "train"},
        400,
        "predicted_label",
    ),
    ("tsne: 5 components", "POST", "/trained/tsne", {"n_components": 5}, 400, "n_components"),
    ("tsne: no components", "POST", "/trained/tsne", {}, 400, "n_components"),
    (
        "tsne: negative perplexity",
        "POST",
        "/trained/tsne",
        {"n_components": 2, "perplexity": -1},
        400,
        "perplexity",
    ),
    ("tsne: too few samples", "POST", "/empty/tsne", {"n_components": 2}, 400, "at least 2"),
    (
        "online: empty text",
        "POST",
        "/trained/online_training_samples",
        [{"text": "", "label": "a"}],
        400,
        "text",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_bad_input_is_refused_and_changes_nothing(
    models: Models, method: str, path: str, body: Any, status: int, words: str
) -> None:
    api = models.api
    before = {name: await snapshot(api, name) for name in models.names}
    if isinstance(body, bytes):
        response = await api.request(
            method, BASE + path, content=body, headers={"content-type": "application/json"}
        )
    else:
        response = await api.request(method, BASE + path, json=body)
    error = assert_error(response, status)
    assert words.lower() in error["detail"].lower(), error
    assert [m["name"] for m in ok(await api.get(BASE))] == sorted(models.names)
    for name in models.names:
        assert await snapshot(api, name) == before[name], name


async def test_a_body_over_the_size_limit_is_413(models: Models) -> None:
    api = models.api
    before = await snapshot(api, "trained")
    huge = [{"text": "y" * 200, "label": "a"}] * 20_000  # ~5 MB, over max_body_bytes
    response = await api.post(f"{BASE}/trained/training_samples", json=huge)
    assert_error(response, 413, "too_large")
    assert await snapshot(api, "trained") == before
