"""Samples that carry entity spans (`entities`), as the entity extractors store them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.model_store.conftest import NewModel, assert_error

TRAINING = "/models/crf_entity_extractor/places/samples/training"


@pytest.fixture(autouse=True)
async def places(new_model: NewModel) -> dict[str, Any]:
    return await new_model("places", model_type="crf_entity_extractor")


async def listed(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await api.get(TRAINING)
    assert response.status_code == 200, response.text
    samples: list[dict[str, Any]] = response.json()
    return samples


SPAN = [{"entity": "city", "index": 11, "len": 4}]


async def test_entities_round_trip_and_label_may_be_left_out(api: httpx.AsyncClient) -> None:
    response = await api.post(
        TRAINING, json={"samples": [{"text": "a flight to Rome", "entities": SPAN}]}
    )
    assert response.status_code == 200, response.text
    (added,) = response.json()
    assert added["entities"] == SPAN and added["label"] == ""
    assert await listed(api) == [added]


async def test_an_utterance_without_entities_is_an_entity_sample(api: httpx.AsyncClient) -> None:
    response = await api.post(TRAINING, json={"samples": [{"text": "hello", "entities": []}]})
    assert response.status_code == 200, response.text
    assert (await listed(api))[0]["entities"] == [] and (await listed(api))[0]["label"] == ""


async def test_synset_only_sample_needs_no_text(api: httpx.AsyncClient) -> None:
    entities = [{"entity": "colour", "syn_set": ["red", "crimson"]}]
    response = await api.post(TRAINING, json={"samples": [{"text": "", "entities": entities}]})
    assert response.status_code == 200, response.text
    assert (await listed(api))[0]["entities"] == entities


async def test_same_text_with_other_spans_is_a_new_sample(api: httpx.AsyncClient) -> None:
    first = {"text": "a flight to Rome", "entities": SPAN}
    other = {"text": "a flight to Rome", "entities": [{"entity": "place", "index": 11, "len": 4}]}
    await api.post(TRAINING, json={"samples": [first]})
    response = await api.post(TRAINING, json={"samples": [first, other]})
    assert [s["entities"] for s in response.json()] == [other["entities"]]
    assert len(await listed(api)) == 2


@pytest.mark.parametrize(
    "entities",
    [
        [{"entity": "city", "index": 12, "len": 5}],  # runs past the end
        [{"entity": "city", "index": -1, "len": 2}],
        [{"entity": "city", "index": 2, "len": 0}],
        [{"entity": "city", "index": 2}],
        [{"entity": "city", "index": "2", "len": 1}],
        [{"entity": "", "index": 0, "len": 1}],
        [{"index": 0, "len": 1}],
        [{"entity": "city"}] * 101,
        "city",
    ],
)
async def test_spans_outside_the_text_are_400_and_store_nothing(
    api: httpx.AsyncClient, entities: object
) -> None:
    body = {"samples": [{"text": "fine", "label": "l"}, {"text": "to Rome", "entities": entities}]}
    assert_error(await api.post(TRAINING, json=body), 400, "invalid_input")
    assert await listed(api) == []


async def test_blank_text_without_entities_is_still_400(api: httpx.AsyncClient) -> None:
    for sample in ({"text": " ", "label": "l"}, {"text": "t"}, {"text": " ", "entities": []}):
        assert_error(await api.post(TRAINING, json={"samples": [sample]}), 400, "invalid_input")
    assert await listed(api) == []


async def test_put_checks_spans_against_the_text_the_sample_ends_up_with(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post(
        TRAINING, json={"samples": [{"text": "a flight to Rome", "entities": SPAN}]}
    )
    (sample,) = response.json()
    uuid = sample["uuid"]
    # A shorter text would leave the stored span outside it.
    assert_error(
        await api.put(TRAINING, json={"samples": [{"uuid": uuid, "text": "to Rome"}]}),
        400,
        "invalid_input",
    )
    assert_error(
        await api.put(
            TRAINING,
            json={
                "samples": [{"uuid": uuid, "entities": [{"entity": "c", "index": 15, "len": 2}]}]
            },
        ),
        400,
        "invalid_input",
    )
    assert await listed(api) == [sample]
    moved = [{"entity": "city", "index": 3, "len": 4}]
    response = await api.put(
        TRAINING, json={"samples": [{"uuid": uuid, "text": "to Rome", "entities": moved}]}
    )
    assert response.status_code == 200, response.text
    assert (await listed(api))[0] | {} == sample | {"text": "to Rome", "entities": moved}
    response = await api.put(TRAINING, json={"samples": [{"uuid": uuid, "entities": None}]})
    assert "entities" not in response.json()[0]
