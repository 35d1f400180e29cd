"""`/curate` and `/tsne` of every classifier family the spec gives them to.

Text classifiers, intent classifiers and FAQ matchers: curate answers the samples behind
one cell of the current revision's training or testing confusion matrix; t-SNE lays out
the training samples and GET reads the last layout. Bad settings are 400 and keep the
stored layout; another tenant gets 404 exactly as for a missing model.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.nlu_service.classifiers.support import add_samples
from tests.nlu_service.support import INTENTS, NluClient, assert_error, ok, samples_of

FAMILIES = {
    "text_classifier": "/nlu/v2/text_classifiers",
    "intent_classifier": "/nlu/v2/intent_classifiers",
    "faq_matcher": "/nlu/v2/faq_matchers",
}
TESTING = [
    {"text": "hello, good evening", "label": "greeting"},
    # Deliberately mislabelled, so the testing matrix has an off-diagonal cell.
    {"text": "what's the temperature outside", "label": "banking"},
]

pytestmark = pytest.mark.parametrize("model_type", list(FAMILIES))


def pair(true_label: str, predicted_label: str, matrix_name: str) -> dict[str, str]:
    return {
        "true_label": true_label,
        "predicted_label": predicted_label,
        "matrix_name": matrix_name,
    }


async def with_samples(api: NluClient, base: str, name: str) -> None:
    ok(await api.post(base, json={"name": name, "load_from_store": False}))
    await add_samples(api, base, name, samples_of(INTENTS))
    await add_samples(api, base, name, TESTING, kind="testing")


async def train(api: NluClient, base: str, name: str) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await api.post(f"{base}/{name}/train", json={"immediate_mode": True, "threshold": 0.0})
    )
    return body


async def curate(api: NluClient, base: str, name: str, cell: dict[str, str]) -> list[str]:
    samples = ok(await api.post(f"{base}/{name}/curate", json=cell))
    assert all(s["uuid"] for s in samples)
    return sorted(s["text"] for s in samples)


async def test_curate_returns_the_samples_behind_a_cell(api: NluClient, model_type: str) -> None:
    base = FAMILIES[model_type]
    await with_samples(api, base, "cur")
    # Untrained: there is no confusion matrix yet.
    assert await curate(api, base, "cur", pair("greeting", "greeting", "train")) == []
    await train(api, base, "cur")

    greetings = sorted(INTENTS["greeting"])
    assert await curate(api, base, "cur", pair("greeting", "greeting", "train")) == greetings
    assert await curate(api, base, "cur", pair("greeting", "greeting", "training")) == greetings
    assert await curate(api, base, "cur", pair("banking", "weather", "test")) == [
        "what's the temperature outside"
    ]
    assert await curate(api, base, "cur", pair("greeting", "greeting", "testing")) == [
        "hello, good evening"
    ]
    for empty in (pair("greeting", "weather", "train"), pair("nope", "greeting", "test")):
        assert await curate(api, base, "cur", empty) == []

    # A sample deleted since training is no longer behind its cell.
    gone = INTENTS["greeting"][0]
    ok(await api.request("DELETE", f"{base}/cur/training_samples", json=[{"text": gone}]))
    assert await curate(api, base, "cur", pair("greeting", "greeting", "train")) == [
        t for t in greetings if t != gone
    ]

    for bad in (
        pair("greeting", "greeting", "validation"),
        {"true_label": "greeting", "predicted_label": "greeting"},
        {"true_label": 1, "predicted_label": "greeting", "matrix_name": "train"},
        [pair("greeting", "greeting", "train")],
    ):
        assert_error(await api.post(f"{base}/cur/curate", json=bad), 400, "invalid_input")


async def test_tsne_lays_out_the_training_samples(api: NluClient, model_type: str) -> None:
    base = FAMILIES[model_type]
    ok(await api.post(base, json={"name": "map", "load_from_store": False}))
    assert ok(await api.get(f"{base}/map/tsne")) == []
    await add_samples(api, base, "map", samples_of(INTENTS)[:1])
    assert_error(await api.post(f"{base}/map/tsne", json={"n_components": 2}), 400)
    await add_samples(api, base, "map", samples_of(INTENTS)[1:])

    # No training needed: t-SNE lays out the training samples' embeddings.
    assert ok(await api.post(f"{base}/map/tsne", json={"n_components": 2})) == {}
    points = ok(await api.get(f"{base}/map/tsne"))
    assert sorted((p["text"], p["label"]) for p in points) == sorted(
        (s["text"], s["label"]) for s in samples_of(INTENTS)
    )
    assert all(set(p) == {"text", "label", "x", "y"} for p in points)
    assert len({(p["x"], p["y"]) for p in points}) == len(points)

    settings = {"n_components": 3, "perplexity": 5, "learning_rate": 100}
    assert ok(await api.post(f"{base}/map/tsne", json=settings)) == {}
    layout = ok(await api.get(f"{base}/map/tsne"))
    assert len(layout) == len(points)
    assert all(isinstance(p[axis], float) for p in layout for axis in "xyz")

    for bad in (
        {"n_components": 4},
        {"n_components": 1},
        {"n_components": "two"},
        {"n_components": 2, "perplexity": 0},
        {"n_components": 2, "learning_rate": -1},
        {"perplexity": 5},
    ):
        assert_error(await api.post(f"{base}/map/tsne", json=bad), 400, "invalid_input")
    assert ok(await api.get(f"{base}/map/tsne")) == layout


async def test_another_tenant_can_neither_curate_nor_tsne(
    api: NluClient, other_api: NluClient, model_type: str
) -> None:
    base = FAMILIES[model_type]
    await with_samples(api, base, "mine")
    await train(api, base, "mine")
    ok(await api.post(f"{base}/mine/tsne", json={"n_components": 2}))
    layout = ok(await api.get(f"{base}/mine/tsne"))
    cell = pair("greeting", "greeting", "train")
    for method, path, body in (
        ("POST", "/curate", cell),
        ("POST", "/tsne", {"n_components": 3}),
        ("GET", "/tsne", None),
    ):
        foreign = await other_api.request(method, f"{base}/mine{path}", json=body)
        missing = await other_api.request(method, f"{base}/nope{path}", json=body)
        assert_error(foreign, 404, "not_found")
        assert_error(missing, 404, "not_found")
        assert foreign.json()["detail"].replace("mine", "X") == missing.json()["detail"].replace(
            "nope", "X"
        )
    assert ok(await api.get(f"{base}/mine/tsne")) == layout
    assert await curate(api, base, "mine", cell) == sorted(INTENTS["greeting"])
