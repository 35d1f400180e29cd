"""`/nlu/v2/date_parsers/generic/retrieve` through the NLU app."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.nlu_service.support import TEXT_LIMIT, NluClient, assert_error, ok

URL = "/nlu/v2/date_parsers/generic/retrieve"
SAST = ZoneInfo("Africa/Johannesburg")


async def test_absolute_dates_in_english_afrikaans_and_isizulu(
    api: NluClient, other_api: NluClient
) -> None:
    body = ok(await api.post(URL, json={"text": "I was born on 5 June 1981"}))
    assert body == [{"value": "1981-06-05T00:00:00.000+02:00", "granularity": "day"}]
    body = ok(await api.post(URL, json={"text": "I was born on 5 June 1981, in the morning"}))
    assert body == [{"value": "1981-06-05T09:00:00.000+02:00", "granularity": "hour"}]
    assert ok(await other_api.post(URL, json={"text": "Sometime in June 1981"})) == [
        {"value": "1981-06-01T00:00:00.000+02:00", "granularity": "month"}
    ]
    afr = ok(
        await api.post(URL, json={"text": "Ek is gebore op 5 Januarie 1990", "lang_code": "afr"})
    )
    assert afr == [{"value": "1990-01-05T00:00:00.000+02:00", "granularity": "day"}]
    zul = ok(await api.post(URL, json={"text": "ngomhlaka 5 Januwari 2025", "lang_code": "zul"}))
    assert zul == [{"value": "2025-01-05T00:00:00.000+02:00", "granularity": "day"}]


async def test_relative_dates_count_from_now(api: NluClient) -> None:
    before = datetime.now(SAST)
    body = ok(await api.post(URL, json={"text": "Can we meet tomorrow at 3pm?"}))
    after = datetime.now(SAST)
    days = {(before + timedelta(days=1)).date(), (after + timedelta(days=1)).date()}
    assert len(body) == 1 and body[0]["granularity"] == "hour"
    value = datetime.fromisoformat(body[0]["value"])
    assert value.date() in days and (value.hour, value.minute) == (15, 0)
    assert value.utcoffset() == timedelta(hours=2)


async def test_no_dates_is_an_empty_list(api: NluClient) -> None:
    assert (
        ok(await api.post(URL, json={"text": "I would like three apples", "lang_code": "xho"}))
        == []
    )


async def test_an_unknown_instance_is_not_found(api: NluClient) -> None:
    assert_error(await api.post("/nlu/v2/date_parsers/other/retrieve", json={"text": "x"}), 404)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "text"),
        ({"text": None}, "text"),
        ({"text": ""}, "non-empty"),
        ({"text": "tomorrow " * (TEXT_LIMIT // 9 + 1)}, "limit"),
        ({"text": "tomorrow", "lang_code": 5}, "lang_code"),
    ],
)
async def test_bad_input_is_a_json_400(api: NluClient, body: Any, words: str) -> None:
    error = assert_error(await api.post(URL, json=body), 400)
    assert words in str(error)


async def test_a_full_parser_queue_answers_429_at_once(
    api: NluClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nlu_service.date_parsers import service

    monkeypatch.setattr(service, "MAX_PENDING", 0)
    error = assert_error(await api.post(URL, json={"text": "tomorrow"}), 429, "rate_limited")
    assert "busy" in error["detail"]
    monkeypatch.undo()
    assert ok(await api.post(URL, json={"text": "tomorrow"}))
