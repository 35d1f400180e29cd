"""CRF and synonym entity extractors through the NLU app, against the real model store."""

from __future__ import annotations

from typing import Any

from tests.nlu_service.support import NluClient, assert_error, ok

CRF = "/nlu/v2/crf_entity_extractors"
SYN = "/nlu/v2/synonym_entity_extractors"
CITIES = ["Rome", "Paris", "Durban", "Cairo", "Lisbon", "Nairobi", "Madrid", "Berlin"]


def crf_samples() -> list[dict[str, Any]]:
    out = []
    for city in CITIES:
        for template in ("book a flight to {}", "what is the weather in {} today", "I live in {}"):
            text = template.format(city)
            out.append(
                {
                    "text": text,
                    "entity_list": [
                        {"entity": "city", "index": text.index(city), "len": len(city)}
                    ],
                }
            )
    return out


async def test_crf_lifecycle(api: NluClient) -> None:
    ok(await api.post(CRF, json={"name": "places", "load_from_store": False}))
    added = ok(await api.post(f"{CRF}/places/training_samples", json=crf_samples()))
    assert len(added) == len(CITIES) * 3 and added[0]["uuid"]
    # An utterance without entities is a negative example; the same one again is skipped.
    plain = [{"text": "hello there", "intent": "greet"}]
    assert ok(await api.post(f"{CRF}/places/training_samples", json=plain))[0]["entity_list"] == []
    assert ok(await api.post(f"{CRF}/places/training_samples", json=plain)) == []
    assert added[0]["entity_list"][0] == {"entity": "city", "index": 17, "len": 4, "value": "Rome"}
    page = ok(await api.get(f"{CRF}/places/training_samples", params={"index": 1, "len": 2}))
    assert [s["uuid"] for s in page] == [s["uuid"] for s in added[1:3]]
    test_text = "book a flight to Johannesburg"
    ok(
        await api.post(
            f"{CRF}/places/testing_samples",
            json=[{"text": test_text, "entity_list": [{"entity": "city", "index": 17, "len": 12}]}],
        )
    )
    details = ok(await api.post(f"{CRF}/places/train", json={"immediate_mode": True}))
    assert details["training_stamp"] and details["training_f1"] == 1.0
    assert details["num_training_samples"] == 25
    found = ok(await api.post(f"{CRF}/places/retrieve", json={"text": "a flight to Windhoek"}))
    assert found == [{"entity": "city", "value": "Windhoek", "index": 12, "len": 8}]
    assert ok(await api.get(f"{CRF}/places/labels")) == ["city"]
    sample = added[0]
    new = {
        "uuid": sample["uuid"],
        "text": "fly to Rome",
        "entity_list": [{"entity": "city", "index": 7, "len": 4}],
    }
    (updated,) = ok(await api.put(f"{CRF}/places/training_samples", json=[new]))
    assert updated["text"] == "fly to Rome"
    deleted = ok(
        await api.request(
            "DELETE", f"{CRF}/places/training_samples", json=[{"uuid": sample["uuid"]}]
        )
    )
    assert [d["uuid"] for d in deleted] == [sample["uuid"]]
    assert len(ok(await api.delete(f"{CRF}/places/testing_samples_all"))) == 1
    ok(await api.post(f"{CRF}/places/params", json={"desc": "cities"}))
    assert ok(await api.get(f"{CRF}/places/params"))["desc"] == "cities"
    ok(await api.delete(f"{CRF}/places"))
    assert_error(await api.get(f"{CRF}/places"), 404)
    restored = ok(await api.post(CRF, json={"name": "places", "load_from_store": True}))
    assert restored["training_stamp"]
    ok(await api.post(f"{CRF}/places/vaporise"))
    assert_error(await api.get(f"{CRF}/places"), 404)


async def test_crf_bad_input_is_400_and_changes_nothing(api: NluClient) -> None:
    ok(await api.post(CRF, json={"name": "bad", "load_from_store": False}))
    bad_bodies: list[Any] = [
        [{"text": "to Rome", "entity_list": [{"entity": "city", "index": 3, "len": 9}]}],
        [{"text": "to Rome", "entity_list": [{"entity": "city", "index": -1, "len": 2}]}],
        [{"entity_list": [{"entity": "city", "index": 0, "len": 1}]}],
        [{"text": "", "entity_list": [{"entity": "city", "index": 0, "len": 1}]}],
        [{"text": "to Rome", "entity_list": [{"entity": "city"}]}],
        {"text": "not a list"},
        [],
    ]
    for body in bad_bodies:
        response = await api.post(f"{CRF}/bad/training_samples", json=body)
        assert 400 <= response.status_code < 500, (body, response.text)
    assert ok(await api.get(f"{CRF}/bad/training_samples")) == []
    assert_error(await api.post(f"{CRF}/bad/train", json={}), 400)
    assert_error(await api.post(f"{CRF}/bad/retrieve", json={"text": "x"}), 400)
    assert_error(await api.post(f"{CRF}/bad/retrieve", json={"text": " "}), 400)


async def test_other_tenants_extractors_are_404(api: NluClient, other_api: NluClient) -> None:
    ok(await api.post(SYN, json={"name": "mine", "load_from_store": False}))
    sample = [{"entity_list": [{"entity": "colour", "syn_set": ["red"]}]}]
    for call in (
        other_api.get(f"{SYN}/mine"),
        other_api.post(f"{SYN}/mine/training_samples", json=sample),
        other_api.post(f"{SYN}/mine/train", json={}),
        other_api.post(f"{SYN}/mine/retrieve", json={"text": "red"}),
        other_api.delete(f"{SYN}/mine"),
        other_api.post(f"{SYN}/mine/vaporise"),
    ):
        assert_error(await call, 404)
    assert ok(await api.get(f"{SYN}/mine"))["name"] == "mine"
    assert ok(await other_api.get(SYN)) == []


async def test_synonym_lifecycle(api: NluClient) -> None:
    ok(await api.post(SYN, json={"name": "faults", "load_from_store": False}))
    samples = [
        {"entity_list": [{"entity": "error", "syn_set": ["fault", "red light", "problem"]}]},
        {"text": "my car is a Toyota", "entity_list": [{"entity": "make", "index": 12, "len": 6}]},
    ]
    added = ok(await api.post(f"{SYN}/faults/training_samples", json=samples))
    assert added[0]["entity_list"][0]["syn_set"] == ["fault", "red light", "problem"]
    ok(await api.post(f"{SYN}/faults/train", json={"immediate_mode": True}))
    found = ok(
        await api.post(f"{SYN}/faults/retrieve", json={"text": "The RED LIGHT on my toyotta"})
    )
    assert found == [
        {"entity": "error", "value": "RED LIGHT", "index": 4, "len": 9},
        {"entity": "make", "value": "toyotta", "index": 20, "len": 7},
    ]
    assert ok(await api.get(f"{SYN}/faults/labels")) == ["error", "make"]
    assert_error(
        await api.post(f"{SYN}/faults/training_samples", json=[{"entity_list": [{"entity": "x"}]}]),
        400,
    )
