"""Image samples in the store: the encoded image travels as base64 beside a content key."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

import httpx
import pytest

from tests.model_store.conftest import IMAGE_LIMIT, NewModel, assert_error

TRAINING = "/models/image_classifier/pets/samples/training"


def image_sample(data: bytes, label: str, **extra: Any) -> dict[str, Any]:
    key = "sha256:" + hashlib.sha256(data).hexdigest()
    return {"text": key, "label": label, "image": base64.b64encode(data).decode(), **extra}


@pytest.fixture(autouse=True)
async def pets(new_model: NewModel) -> dict[str, Any]:
    return await new_model("pets", "image_classifier")


async def test_image_samples_round_trip_byte_for_byte(api: httpx.AsyncClient) -> None:
    cat, dog = os.urandom(900), os.urandom(1_200)
    response = await api.post(
        TRAINING, json={"samples": [image_sample(cat, "cat"), image_sample(dog, "dog")]}
    )
    assert response.status_code == 200, response.text
    added = response.json()
    assert [base64.b64decode(s["image"]) for s in added] == [cat, dog]
    listed = (await api.get(TRAINING)).json()
    assert listed == added
    assert [s["label"] for s in listed] == ["cat", "dog"]


async def test_the_same_image_and_label_is_stored_once(api: httpx.AsyncClient) -> None:
    cat = os.urandom(500)
    first = await api.post(TRAINING, json={"samples": [image_sample(cat, "cat")]})
    again = await api.post(
        TRAINING, json={"samples": [image_sample(cat, "cat"), image_sample(cat, "kitten")]}
    )
    assert len(first.json()) == 1
    assert [s["label"] for s in again.json()] == ["kitten"]
    assert len((await api.get(TRAINING)).json()) == 2


async def test_text_samples_carry_no_image_field(
    api: httpx.AsyncClient, new_model: NewModel
) -> None:
    await new_model("faq")
    path = "/models/text_classifier/faq/samples/training"
    (added,) = (await api.post(path, json={"samples": [{"text": "hi", "label": "greet"}]})).json()
    assert "image" not in added


@pytest.mark.parametrize("bad", ["not base64!", "abc", "", 12])
async def test_an_image_that_is_not_base64_is_a_400(api: httpx.AsyncClient, bad: object) -> None:
    response = await api.post(
        TRAINING, json={"samples": [{"text": "sha256:x", "label": "cat", "image": bad}]}
    )
    assert_error(response, 400, "invalid_input")
    assert (await api.get(TRAINING)).json() == []


async def test_an_image_over_the_limit_is_a_413_and_nothing_is_stored(
    api: httpx.AsyncClient,
) -> None:
    ok, big = os.urandom(100), os.urandom(IMAGE_LIMIT + 1)
    response = await api.post(
        TRAINING, json={"samples": [image_sample(ok, "cat"), image_sample(big, "dog")]}
    )
    assert_error(response, 413, "too_large")
    assert (await api.get(TRAINING)).json() == []


async def test_an_image_sample_can_be_replaced_by_uuid(api: httpx.AsyncClient) -> None:
    old, new = os.urandom(300), os.urandom(400)
    (sample,) = (await api.post(TRAINING, json={"samples": [image_sample(old, "cat")]})).json()
    change = {**image_sample(new, "cat"), "uuid": sample["uuid"]}
    response = await api.put(TRAINING, json={"samples": [change]})
    assert response.status_code == 200, response.text
    (stored,) = (await api.get(TRAINING)).json()
    assert base64.b64decode(stored["image"]) == new
    assert stored["text"] == change["text"]
    too_big = {**image_sample(os.urandom(IMAGE_LIMIT + 1), "cat"), "uuid": sample["uuid"]}
    assert_error(await api.put(TRAINING, json={"samples": [too_big]}), 413, "too_large")
    (unchanged,) = (await api.get(TRAINING)).json()
    assert base64.b64decode(unchanged["image"]) == new


async def test_image_samples_delete_by_content_key(api: httpx.AsyncClient) -> None:
    cat, dog = os.urandom(300), os.urandom(300)
    await api.post(TRAINING, json={"samples": [image_sample(cat, "cat"), image_sample(dog, "dog")]})
    response = await api.post(
        TRAINING + "/delete", json={"samples": [{"text": image_sample(cat, "cat")["text"]}]}
    )
    assert [s["label"] for s in response.json()] == ["cat"]
    assert [s["label"] for s in (await api.get(TRAINING)).json()] == ["dog"]


async def test_another_tenant_cannot_read_or_change_image_samples(
    api: httpx.AsyncClient, other_api: httpx.AsyncClient
) -> None:
    cat = os.urandom(300)
    (sample,) = (await api.post(TRAINING, json={"samples": [image_sample(cat, "cat")]})).json()
    assert_error(await other_api.get(TRAINING), 404, "not_found")
    change = {**image_sample(os.urandom(10), "dog"), "uuid": sample["uuid"]}
    assert_error(await other_api.put(TRAINING, json={"samples": [change]}), 404, "not_found")
    assert (await api.get(TRAINING)).json() == [sample]
