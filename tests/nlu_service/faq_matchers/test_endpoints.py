"""`/nlu/v2/faq_matchers` in-process: ranked answers, no match for unrelated questions, tenancy."""

from __future__ import annotations

from typing import Any

from nlu_service.engine import threshold_floor
from shared import ModelStoreClient
from tests.nlu_service.classifiers.support import FAQ, UNRELATED, retrieve, snapshot, trained
from tests.nlu_service.classifiers.support import FAQ_BASE as BASE
from tests.nlu_service.support import NluClient, assert_error, ok, samples_of


async def test_faq_matcher_ranks_answers_and_rejects_unrelated_questions(
    api: NluClient, store: ModelStoreClient
) -> None:
    details = await trained(api, BASE, "help", samples_of(FAQ))
    assert set(details) >= {"threshold", "word_manifold_list", "training_accuracy", "cm_labels"}
    assert "validation_accuracy" not in details  # not a field of the FAQ detail in the spec
    assert threshold_floor(len(FAQ)) <= details["threshold"] <= 0.95
    assert (await store.get_model(api.tenant, "faq_matcher", "help"))["current_revision"]

    asked = {
        "when do you open on weekdays": "opening_hours",
        "is shipping free": "delivery_cost",
        "I need to change my forgotten password": "reset_password",
        "can I send back a jacket that does not fit": "return_policy",
    }
    for question, answer in asked.items():
        ranked = await retrieve(api, BASE, "help", question)
        assert ranked and ranked[0]["label"] == answer, (question, ranked)
        probabilities = [r["probability"] for r in ranked]
        assert probabilities == sorted(probabilities, reverse=True)
        assert min(probabilities) >= details["threshold"]
    for question in UNRELATED:
        assert await retrieve(api, BASE, "help", question) == [], question

    # With the threshold at 0 every answer comes back, ranked.
    ok(await api.post(f"{BASE}/help/params", json={"threshold": 0}))
    ranked = await retrieve(api, BASE, "help", "is shipping free")
    assert ranked[0]["label"] == "delivery_cost" and len(ranked) == len(FAQ)


async def test_faq_bad_input_and_other_tenant(api: NluClient, other_api: NluClient) -> None:
    await trained(api, BASE, "faq", samples_of(FAQ))
    before = await snapshot(api, BASE, "faq")
    for method, path, body in [
        ("POST", "/retrieve", {"text": ""}),
        ("POST", "/params", {"temperature": 0}),
        ("POST", "/train", {"temperature": -1}),
        ("PUT", "/training_samples", [{"text": "no uuid"}]),
    ]:
        assert_error(await api.request(method, f"{BASE}/faq{path}", json=body), 400)
    calls: list[tuple[str, str, Any]] = [
        ("GET", "", None),
        ("POST", "/retrieve", {"text": "how much is delivery"}),
        ("POST", "/params", {"threshold": 0}),
        ("DELETE", "", None),
        ("DELETE", "/training_samples_all", None),
    ]
    for method, path, body in calls:
        assert_error(await other_api.request(method, f"{BASE}/faq{path}", json=body), 404)
    assert ok(await other_api.get(BASE)) == []
    assert await snapshot(api, BASE, "faq") == before
