"""`/nlu/v2/intent_classifiers` in-process: lifecycle, out-of-scope rejection, params, tenancy."""

from __future__ import annotations

from typing import Any

from nlu_service.engine import threshold_floor
from shared import ModelStoreClient
from tests.nlu_service.classifiers.support import (
    INTENT_BASE as BASE,
)
from tests.nlu_service.classifiers.support import (
    UNRELATED,
    add_samples,
    retrieve,
    snapshot,
    trained,
)
from tests.nlu_service.support import INTENTS, NluClient, assert_error, ok, samples_of, wait_until


async def test_lifecycle_with_calibrated_threshold(api: NluClient, store: ModelStoreClient) -> None:
    created = ok(
        await api.post(
            BASE,
            json={
                "name": "bot",
                "long_name": "Bot",
                "load_from_store": False,
                "lid_model_file": "lid_za",
            },
        )
    )
    assert created["name"] == "bot" and created["long_name"] == "Bot"
    assert "clsfr_algorithm" not in created  # not a field of the intent detail in the spec
    assert ok(await api.get(f"{BASE}/bot/params"))["lid_model_file"] == "lid_za"

    samples: list[dict[str, Any]] = [{**s, "lang_code": "eng"} for s in samples_of(INTENTS)]
    added = await add_samples(api, BASE, "bot", samples)
    assert len(added) == len(samples) and all(s["lang_code"] == "eng" for s in added)
    await add_samples(
        api, BASE, "bot", [{"text": "is it raining in Durban", "label": "weather"}], "testing"
    )
    details = ok(
        await api.post(
            f"{BASE}/bot/train",
            json={
                "immediate_mode": True,
                "word_manifold_list": [{"label": "eng", "word_manifold": "feers_wm_eng"}],
            },
        )
    )
    assert details["training_stamp"]
    # No threshold given: one is calibrated, above the floor for 3 labels, and kept.
    assert threshold_floor(3) <= details["threshold"] <= 0.95
    assert 0.8 <= details["validation_accuracy"] <= 1.0
    assert details["validation_f1"] > 0.8
    assert sum(sum(row.values()) for row in details["validation_cm"].values()) == len(samples)
    assert details["testing_accuracy"] == 1.0
    assert details["word_manifold_list"] == [{"label": "eng", "word_manifold": "feers_wm_eng"}]
    record = await store.get_model(api.tenant, "intent_classifier", "bot")
    metrics = record["current_revision"]["metrics"]
    assert metrics["threshold"] == details["threshold"]
    assert metrics["threshold_calibration"]["samples"] > 0

    scored = await retrieve(api, BASE, "bot", "what is the weather forecast for tomorrow")
    assert scored[0]["label"] == "weather" and scored[0]["probability"] >= details["threshold"]
    assert all(s["probability"] >= details["threshold"] for s in scored)
    for text in UNRELATED:
        assert await retrieve(api, BASE, "bot", text) == [], text

    # A threshold set through params applies at once; 0 returns every label again.
    ok(await api.post(f"{BASE}/bot/params", json={"threshold": 0.0}))
    everything = await retrieve(api, BASE, "bot", UNRELATED[0])
    assert sorted(s["label"] for s in everything) == sorted(INTENTS)
    assert [s["probability"] for s in everything] == sorted(
        (s["probability"] for s in everything), reverse=True
    )
    assert sorted(ok(await api.get(f"{BASE}/bot/labels"))) == sorted(INTENTS)

    curated = ok(
        await api.post(
            f"{BASE}/bot/curate",
            json={"true_label": "weather", "predicted_label": "weather", "matrix_name": "test"},
        )
    )
    assert [s["text"] for s in curated] == ["is it raining in Durban"]
    ok(await api.post(f"{BASE}/bot/tsne", json={"n_components": 2}))
    assert len(ok(await api.get(f"{BASE}/bot/tsne"))) == len(samples)

    # Online training adds the samples and retrains, calibrating a threshold again.
    stamp = details["training_stamp"]
    ok(
        await api.post(
            f"{BASE}/bot/online_training_samples",
            json=[{"text": "what's the temperature outside", "label": "weather"}],
        )
    )

    async def retrained() -> bool:
        now = ok(await api.get(f"{BASE}/bot"))
        return bool(now["training_stamp"]) and now["training_stamp"] != stamp

    await wait_until(retrained)
    again = ok(await api.get(f"{BASE}/bot"))
    assert again["num_training_samples"] == len(samples) + 1
    assert threshold_floor(3) <= again["threshold"] <= 0.95

    listed = ok(await api.get(BASE))
    assert [m["name"] for m in listed] == ["bot"]
    assert ok(await api.get("/nlu/v2/text_classifiers")) == []  # families do not mix
    ok(await api.delete(f"{BASE}/bot"))
    assert_error(await api.get(f"{BASE}/bot"), 404, "not_found")
    restored = ok(await api.post(BASE, json={"name": "bot", "load_from_store": True}))
    assert restored["threshold"] == again["threshold"]
    ok(await api.post(f"{BASE}/bot/vaporise"))
    assert_error(await api.get(f"{BASE}/bot"), 404, "not_found")


async def test_a_given_threshold_is_kept(api: NluClient) -> None:
    details = await trained(api, BASE, "fixed", samples_of(INTENTS), threshold=0.0)
    assert details["threshold"] == 0.0
    assert len(await retrieve(api, BASE, "fixed", UNRELATED[1])) == len(INTENTS)


async def test_bad_input_is_a_4xx_and_changes_nothing(api: NluClient) -> None:
    await trained(api, BASE, "strict", samples_of(INTENTS))
    before = await snapshot(api, BASE, "strict")
    bad: list[tuple[str, str, Any, int]] = [
        ("POST", "/params", {"threshold": 1.5}, 400),
        ("POST", "/params", {"lid_model_file": ""}, 400),
        ("POST", "/params", {"lid_model_file": "x" * 101}, 400),
        ("POST", "/params", {"threshold": "high"}, 400),
        ("POST", "/train", {"threshold": -0.1, "immediate_mode": True}, 400),
        ("POST", "/train", {"clsfr_algorithm": "magic"}, 400),
        ("POST", "/retrieve", {"text": ""}, 400),
        ("POST", "/retrieve", {"text": 5}, 400),
        ("POST", "/training_samples", [{"text": "", "label": "x"}], 400),
        ("POST", "/training_samples", {"text": "not a list"}, 400),
        ("POST", "/curate", {"true_label": "a", "predicted_label": "b", "matrix_name": "x"}, 400),
    ]
    for method, path, body, status in bad:
        assert_error(await api.request(method, f"{BASE}/strict{path}", json=body), status)
    assert_error(
        await api.post(
            BASE, json={"name": "other", "load_from_store": False, "lid_model_file": ""}
        ),
        400,
    )
    assert_error(await api.post(BASE, json={"name": "strict", "load_from_store": False}), 409)
    assert await snapshot(api, BASE, "strict") == before
    assert_error(await api.get(f"{BASE}/other"), 404, "not_found")


async def test_one_label_cannot_train(api: NluClient) -> None:
    ok(await api.post(BASE, json={"name": "single", "load_from_store": False}))
    await add_samples(api, BASE, "single", [{"text": "hello", "label": "greeting"}])
    body = assert_error(await api.post(f"{BASE}/single/train", json={"immediate_mode": True}), 400)
    assert "2 different labels" in body["detail"]


async def test_another_tenants_intent_classifier_is_not_found(
    api: NluClient, other_api: NluClient
) -> None:
    await trained(api, BASE, "mine", samples_of(INTENTS))
    before = await snapshot(api, BASE, "mine")
    calls: list[tuple[str, str, Any]] = [
        ("GET", "", None),
        ("DELETE", "", None),
        ("POST", "/vaporise", None),
        ("POST", "/retrieve", {"text": "hello"}),
        ("POST", "/train", {"immediate_mode": True}),
        ("POST", "/params", {"threshold": 0.1}),
        ("GET", "/params", None),
        ("GET", "/labels", None),
        ("GET", "/training_samples", None),
        ("POST", "/training_samples", [{"text": "hi", "label": "greeting"}]),
        ("DELETE", "/training_samples_all", None),
        ("POST", "/online_training_samples", [{"text": "hi", "label": "greeting"}]),
        ("POST", "/tsne", {"n_components": 2}),
        ("GET", "/tsne", None),
    ]
    for method, path, body in calls:
        foreign = await other_api.request(method, f"{BASE}/mine{path}", json=body)
        missing = await other_api.request(method, f"{BASE}/nope{path}", json=body)
        assert_error(foreign, 404, "not_found")
        assert_error(missing, 404, "not_found")
    assert ok(await other_api.get(BASE)) == []
    assert_error(await other_api.post(BASE, json={"name": "mine", "load_from_store": True}), 404)
    assert await snapshot(api, BASE, "mine") == before
