"""`/nlu/v2/sentiment_detectors/generic/retrieve` through the NLU app."""

from __future__ import annotations

from typing import Any

import pytest

from tests.nlu_service.support import TEXT_LIMIT, NluClient, assert_error, ok

URL = "/nlu/v2/sentiment_detectors/generic/retrieve"


async def test_generic_sentiment_with_a_span_per_sentence(
    api: NluClient, other_api: NluClient
) -> None:
    text = "I love the new app! The login page is broken and I am furious."
    body = ok(await api.post(URL, json={"text": text, "lang_code": "eng"}))
    assert set(body) == {"value", "detail_list"}
    assert -1.0 <= body["value"] <= 1.0
    first, second = body["detail_list"]
    assert set(first) == {"value", "index", "len"}
    assert text[first["index"] : first["index"] + first["len"]] == "I love the new app!"
    assert text[second["index"] : second["index"] + second["len"]].startswith("The login page")
    assert first["value"] > 0.3 and second["value"] < -0.3
    # Every tenant has the pre-built instance, and gets the same answer.
    assert ok(await other_api.post(URL, json={"text": text})) == body


async def test_happy_beats_unhappy(api: NluClient) -> None:
    happy = ok(await api.post(URL, json={"text": "Thank you so much, this is great!"}))
    unhappy = ok(await api.post(URL, json={"text": "This is awful, worst service ever."}))
    assert happy["value"] > 0.5 > -0.5 > unhappy["value"]


async def test_an_unknown_instance_is_not_found(api: NluClient) -> None:
    response = await api.post("/nlu/v2/sentiment_detectors/mine/retrieve", json={"text": "hi"})
    assert_error(response, 404, "not_found")


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
    import httpx

    async with httpx.AsyncClient(transport=api._transport, base_url="http://nlu.test") as raw:
        assert_error(await raw.post(URL, json={"text": "hi"}), 401)
