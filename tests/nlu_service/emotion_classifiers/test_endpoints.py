"""`/nlu/v2/emotion_classifiers/generic/{retrieve,labels}` through the NLU app."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from nlu_service.engine.emotions import EmotionClassifier
from tests.nlu_service.support import TEXT_LIMIT, NluClient, assert_error, ok

BASE = "/nlu/v2/emotion_classifiers"
URL = f"{BASE}/generic/retrieve"


async def test_generic_emotions_are_scored_and_sorted(api: NluClient, other_api: NluClient) -> None:
    body = ok(await api.post(URL, json={"text": "Thank you so much for your help!"}))
    assert body and all(set(item) == {"label", "probability"} for item in body)
    assert body[0]["label"] == "gratitude" and body[0]["probability"] > 0.5
    probabilities = [item["probability"] for item in body]
    assert probabilities == sorted(probabilities, reverse=True)
    # Every tenant has the pre-built instance, and gets the same answer.
    assert ok(await other_api.post(URL, json={"text": "Thank you so much for your help!"})) == body

    scared = ok(
        await api.post(URL, json={"text": "I'm really scared of the dark.", "lang_code": "eng"})
    )
    assert scared[0]["label"] == "fear"


async def test_every_answer_is_above_its_threshold_or_the_single_top_label(api: NluClient) -> None:
    model = EmotionClassifier.load()
    thresholds = dict(zip(model.labels, model.thresholds.tolist(), strict=True))
    for text in ("The meeting is at nine.", "Wow, I love it, thanks!", "ok"):
        body = ok(await api.post(URL, json={"text": text}))
        above = [item for item in body if item["probability"] >= thresholds[item["label"]] - 1e-6]
        assert above == body or len(body) == 1, (text, body)


async def test_labels_are_the_28_goemotions_labels(api: NluClient, other_api: NluClient) -> None:
    labels = ok(await api.get(f"{BASE}/generic/labels"))
    assert len(labels) == 28 and labels[0] == "admiration" and labels[-1] == "neutral"
    assert ok(await other_api.get(f"{BASE}/generic/labels")) == labels


async def test_an_unknown_instance_is_not_found(api: NluClient) -> None:
    response = await api.post(f"{BASE}/mine/retrieve", json={"text": "hi"})
    assert "generic" in assert_error(response, 404, "not_found")["detail"]
    assert_error(await api.get(f"{BASE}/mine/labels"), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "text"),
        ({"text": 12}, "text"),
        ({"text": "   "}, "non-empty"),
        ({"text": "x" * (TEXT_LIMIT + 1)}, "limit"),
        ([{"text": "hi"}], ""),
    ],
)
async def test_bad_input_is_a_json_400(api: NluClient, body: Any, words: str) -> None:
    error = assert_error(await api.post(URL, json=body), 400)
    assert words in error["detail"]


async def test_unsigned_calls_are_refused(api: NluClient) -> None:
    async with httpx.AsyncClient(transport=api._transport, base_url="http://nlu.test") as raw:
        assert_error(await raw.post(URL, json={"text": "hi"}), 401)
        assert_error(await raw.get(f"{BASE}/generic/labels"), 401)
