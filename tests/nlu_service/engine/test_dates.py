"""The date parser: dates found in text, relative to a reference time, with a granularity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nlu_service.engine.dates import (
    DateParser,
    InvalidReferenceTime,
    languages_for,
    parse_reference_time,
    zone,
)

SAST = zone("Africa/Johannesburg")
# Friday 15 March 2024, 10:07:33 in Johannesburg.
REFERENCE = parse_reference_time("2024-03-15 10:07:33", SAST)


@pytest.fixture(scope="module")
def parser() -> DateParser:
    parser = DateParser()
    parser.warmup()
    return parser


def found(
    parser: DateParser, text: str, languages: list[str] | None = None
) -> list[tuple[str, str]]:
    mentions = parser.parse(text, reference_time=REFERENCE, languages=languages)
    return [(m.iso(), m.granularity) for m in mentions]


def test_relative_and_absolute_dates_with_their_granularity(parser: DateParser) -> None:
    assert found(parser, "Let's meet tomorrow at 3pm or on 5 January 2017") == [
        ("2024-03-16T15:00:00.000+02:00", "hour"),
        ("2017-01-05T00:00:00.000+02:00", "day"),
    ]
    assert found(parser, "I was born in June 1981") == [("1981-06-01T00:00:00.000+02:00", "month")]
    assert found(parser, "back in 2017") == [("2017-01-01T00:00:00.000+02:00", "year")]
    assert found(parser, "call me at 10:30") == [("2024-03-15T10:30:00.000+02:00", "minute")]
    assert found(parser, "at 09:15:42 tomorrow") == [("2024-03-16T09:15:42.000+02:00", "second")]
    # A week starts on its Monday.
    assert found(parser, "next week") == [("2024-03-18T00:00:00.000+02:00", "week")]


def test_the_day_after_tomorrow_is_two_days_on(parser: DateParser) -> None:
    assert found(parser, "The day after tomorrow at 11:00 in the evening.") == [
        ("2024-03-17T23:00:00.000+02:00", "minute")
    ]


def test_rewritten_phrases_report_the_users_own_words(parser: DateParser) -> None:
    text = "I left the day before yesterday and come back Day After Tomorrow at 3pm, ok?"
    mentions = parser.parse(text, reference_time=REFERENCE)
    assert [(m.text, m.iso(), m.granularity) for m in mentions] == [
        ("the day before yesterday and", "2024-03-13T00:00:00.000+02:00", "day"),
        ("Day After Tomorrow at 3pm", "2024-03-17T15:00:00.000+02:00", "hour"),
    ]
    for mention in mentions:
        assert mention.text in text
    # Words around a rewritten phrase keep their own spelling.
    (mention,) = parser.parse("on 5 January 2017", reference_time=REFERENCE)
    assert mention.text == "on 5 January 2017"


def test_a_zone_in_the_text_is_kept(parser: DateParser) -> None:
    assert found(parser, "5 Jan 2020 15:00 UTC") == [("2020-01-05T15:00:00.000+00:00", "minute")]


def test_afrikaans_and_isizulu(parser: DateParser) -> None:
    assert found(parser, "Ek is gebore op 5 Januarie 1990", languages=["af"]) == [
        ("1990-01-05T00:00:00.000+02:00", "day")
    ]
    assert found(parser, "sizobonana kusasa", languages=["zu"]) == [
        ("2024-03-16T00:00:00.000+02:00", "day")
    ]
    assert found(parser, "izolo") == [("2024-03-14T00:00:00.000+02:00", "day")]


def test_text_without_dates_and_short_words_give_nothing(parser: DateParser) -> None:
    assert found(parser, "I would like three apples please") == []
    assert found(parser, "May I help you? We are here") == []


def test_language_hints() -> None:
    assert languages_for("afr") == ["af"]
    assert languages_for("ZUL") == ["zu"]
    assert languages_for("eng") == ["en"]
    assert languages_for("xho") == ["en", "af", "zu"]
    assert languages_for(None) == ["en", "af", "zu"]


def test_reference_times() -> None:
    assert parse_reference_time("2017-12-01") == datetime(2017, 12, 1, tzinfo=UTC)
    assert parse_reference_time("2017-12-01 10:00+02:00").utcoffset().total_seconds() == 7200  # type: ignore[union-attr]
    with pytest.raises(InvalidReferenceTime):
        parse_reference_time("next tuesday")
    with pytest.raises(InvalidReferenceTime):
        zone("Mars/Olympus_Mons")


def test_a_naive_reference_time_is_refused(parser: DateParser) -> None:
    with pytest.raises(ValueError, match="time zone"):
        parser.parse("tomorrow", reference_time=datetime(2024, 1, 1))
