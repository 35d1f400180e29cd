"""The Duckling-style extractor: every dim, its values and units, and how overlaps settle."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from nlu_service.engine.dates import DateParser
from nlu_service.engine.duckling import DIMS, DucklingExtractor, find_numbers

SAST = timezone(timedelta(hours=2))
REFERENCE = datetime(2024, 3, 15, 10, 0, tzinfo=SAST)  # a Friday


@pytest.fixture(scope="module")
def extractor() -> DucklingExtractor:
    return DucklingExtractor(DateParser())


def found(
    extractor: DucklingExtractor, text: str, *dims: str
) -> list[tuple[str, str, str, str | None]]:
    entities = extractor.extract(text, reference_time=REFERENCE, dims=list(dims) or None)
    return [(e.body, e.dim, e.value, e.unit or e.grain) for e in entities]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I have 42 cows", "42"),
        ("twenty five people", "25"),
        ("twenty-five people", "25"),
        ("two hundred and fifty", "250"),
        ("three thousand four hundred", "3400"),
        ("a hundred", "100"),
        ("one million", "1000000"),
        ("1,500 items", "1500"),
        ("1 000 000 votes", "1000000"),
        ("2.5 more", "2.5"),
        ("2,5 more", "2.5"),
        ("5k runners", "5000"),
        ("2 million people", "2000000"),
        ("minus -7", "-7"),
        ("nineteen", "19"),
        ("zero", "0"),
    ],
)
def test_numbers_in_digits_and_words(extractor: DucklingExtractor, text: str, value: str) -> None:
    numbers = found(extractor, text, "number")
    assert len(numbers) == 1 and numbers[0][2] == value, numbers


def test_separate_number_words_are_separate_numbers() -> None:
    assert [str(n.value) for n in find_numbers("one two three")] == ["1", "2", "3"]
    assert [str(n.value) for n in find_numbers("twenty twelve")] == ["20", "12"]
    assert find_numbers("often, someone is alone") == []  # words only inside other words


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("the 1st place", "1"),
        ("the 2nd place", "2"),
        ("she came 3rd", "3"),
        ("my 21st", "21"),
        ("first of all", "1"),
        ("the twelfth man", "12"),
        ("the twenty-first time", "21"),
        ("the twenty first time", "21"),
    ],
)
def test_ordinals(extractor: DucklingExtractor, text: str, value: str) -> None:
    ordinals = found(extractor, text, "ordinal")
    assert [o[2] for o in ordinals] == [value]
    assert found(extractor, text, "number") == []  # not also a number


@pytest.mark.parametrize(
    ("text", "body", "value", "unit"),
    [
        ("I paid R250 for it", "R250", "250", "ZAR"),
        ("I paid R 1 500 for it", "R 1 500", "1500", "ZAR"),
        ("budget of R1.5m", "R1.5m", "1500000", "ZAR"),
        ("ZAR 99.95 only", "ZAR 99.95", "99.95", "ZAR"),
        ("300 rand", "300 rand", "300", "ZAR"),
        ("fifty rand", "fifty rand", "50", "ZAR"),
        ("it costs $12.50", "$12.50", "12.5", "USD"),
        ("10 dollars", "10 dollars", "10", "USD"),
        ("€3 each", "€3", "3", "EUR"),
        ("20 euros", "20 euros", "20", "EUR"),
        ("£4,000 each", "£4,000", "4000", "GBP"),
        ("5 pounds", "5 pounds", "5", "GBP"),
        ("50 cents", "50 cents", "0.5", "ZAR"),
    ],
)
def test_amounts_of_money(
    extractor: DucklingExtractor, text: str, body: str, value: str, unit: str
) -> None:
    assert found(extractor, text) == [(body, "amount-of-money", value, unit)]


@pytest.mark.parametrize(
    ("text", "dim", "value", "unit"),
    [
        ("run 5 km", "distance", "5", "kilometre"),
        ("run 5km", "distance", "5", "kilometre"),
        ("10 kilometres away", "distance", "10", "kilometre"),
        ("200 metres away", "distance", "200", "metre"),
        ("3 miles away", "distance", "3", "mile"),
        ("6 feet tall", "distance", "6", "foot"),
        ("12 inches long", "distance", "12", "inch"),
        ("30cm long", "distance", "30", "centimetre"),
        ("wait 3 hours", "duration", "3", "hour"),
        ("for 45 minutes", "duration", "45", "minute"),
        ("for 10 seconds", "duration", "10", "second"),
        ("for two weeks", "duration", "2", "week"),
        ("for 6 months", "duration", "6", "month"),
        ("for an hour", "duration", "1", "hour"),
        ("half an hour", "duration", "0.5", "hour"),
        ("a fortnight", "duration", "2", "week"),
        ("it is 25°C", "temperature", "25", "celsius"),
        ("30 degrees celsius", "temperature", "30", "celsius"),
        ("77 degrees fahrenheit", "temperature", "77", "fahrenheit"),
        ("about 20 degrees", "temperature", "20", "degree"),
        ("2 litres of milk", "volume", "2", "litre"),
        ("500ml of water", "volume", "500", "millilitre"),
        ("5 gallons", "volume", "5", "gallon"),
    ],
)
def test_quantities(
    extractor: DucklingExtractor, text: str, dim: str, value: str, unit: str
) -> None:
    entities = found(extractor, text)
    assert [(e[1], e[2], e[3]) for e in entities] == [(dim, value, unit)], entities


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call 082 555 1234", "+27825551234"),
        ("call 0825551234 now", "+27825551234"),
        ("on +27 21 555 1234", "+27215551234"),
        ("London +44 20 7946 0958", "+442079460958"),
        ("dial (011) 555-1234", "+27115551234"),
    ],
)
def test_phone_numbers_default_to_south_africa(
    extractor: DucklingExtractor, text: str, value: str
) -> None:
    assert [e[2] for e in found(extractor, text)] == [value]
    assert found(extractor, text)[0][1] == "phone-number"


@pytest.mark.parametrize(
    ("text", "dim", "value"),
    [
        ("mail tom@example.co.za now", "email", "tom@example.co.za"),
        ("write to a.b+c@mail.example.com.", "email", "a.b+c@mail.example.com"),
        ("see https://example.com/a?b=1.", "url", "https://example.com/a?b=1"),
        ("visit www.feersum.io for more", "url", "www.feersum.io"),
        ("go to gov.za/services", "url", "gov.za/services"),
        ("http://localhost:8000/docs", "url", "http://localhost:8000/docs"),
    ],
)
def test_emails_and_urls(extractor: DucklingExtractor, text: str, dim: str, value: str) -> None:
    entities = found(extractor, text)
    assert [(e[1], e[2]) for e in entities] == [(dim, value)], entities


@pytest.mark.parametrize(
    ("text", "body", "value", "grain"),
    [
        ("see you tomorrow at 3pm", "tomorrow at 3pm", "2024-03-16T15:00:00.000+02:00", "hour"),
        ("in 3 days", "in 3 days", "2024-03-18T00:00:00.000+02:00", "day"),
        ("3 days ago", "3 days ago", "2024-03-12T00:00:00.000+02:00", "day"),
        ("next week", "next week", "2024-03-18T00:00:00.000+02:00", "week"),
        ("born on 5 January 2017", "on 5 January 2017", "2017-01-05T00:00:00.000+02:00", "day"),
        ("in 2019", "in 2019", "2019-01-01T00:00:00.000+02:00", "year"),
    ],
)
def test_times_count_from_the_reference_time(
    extractor: DucklingExtractor, text: str, body: str, value: str, grain: str
) -> None:
    assert found(extractor, text) == [(body, "time", value, grain)]


def test_the_day_after_tomorrow_and_before_yesterday_are_found(
    extractor: DucklingExtractor,
) -> None:
    text = "I left the day before yesterday and come back the day after tomorrow at 3pm."
    entities = extractor.extract(text, reference_time=REFERENCE)
    assert [(e.body, e.value, e.grain) for e in entities] == [
        ("the day before yesterday", "2024-03-13T00:00:00.000+02:00", "day"),
        ("the day after tomorrow at 3pm", "2024-03-17T15:00:00.000+02:00", "hour"),
    ]
    for e in entities:
        assert text[e.start : e.end] == e.body
    assert found(extractor, "Pay R250 day after tomorrow", "time") == [
        ("day after tomorrow", "time", "2024-03-17T00:00:00.000+02:00", "day")
    ]


def test_a_later_reference_time_moves_relative_times(extractor: DucklingExtractor) -> None:
    later = REFERENCE + timedelta(days=30)
    entities = extractor.extract("tomorrow", reference_time=later)
    assert [e.value for e in entities] == ["2024-04-15T00:00:00.000+02:00"]


def test_numbers_inside_quantities_and_contacts_are_not_repeated(
    extractor: DucklingExtractor,
) -> None:
    text = "I paid R250 for 5 km, call 082 555 1234 or mail a1@b2.com"
    assert [e[1] for e in found(extractor, text)] == [
        "amount-of-money",
        "distance",
        "phone-number",
        "email",
    ]
    assert found(extractor, text, "number") == []


def test_spans_and_wire_form(extractor: DucklingExtractor) -> None:
    text = "Pay R250 tomorrow"
    entities = extractor.extract(text, reference_time=REFERENCE)
    for e in entities:
        assert text[e.start : e.end] == e.body
    money = entities[0].as_dict()
    assert money == {
        "body": "R250",
        "start": 4,
        "end": 8,
        "dim": "amount-of-money",
        "type": "value",
        "value": "250",
        "unit": "ZAR",
    }
    assert entities[1].as_dict()["grain"] == "day" and "unit" not in entities[1].as_dict()


def test_dims_choose_what_is_returned(extractor: DucklingExtractor) -> None:
    text = "R250 for 5 km tomorrow"
    assert [e[1] for e in found(extractor, text, "distance")] == ["distance"]
    assert [e[1] for e in found(extractor, text, "time", "amount-of-money")] == [
        "amount-of-money",
        "time",
    ]
    with pytest.raises(ValueError, match="unknown dims"):
        extractor.extract(text, reference_time=REFERENCE, dims=["colour"])
    assert len(DIMS) == 11


def test_text_with_nothing_finds_nothing(extractor: DucklingExtractor) -> None:
    assert found(extractor, "hello there, how are you?") == []


def test_long_hostile_texts_are_fast(extractor: DucklingExtractor) -> None:
    started = time.perf_counter()
    for text in ("1" * 2000, "a." * 1000, "@" * 2000, "1," * 1000, "one " * 500, "R" * 2000):
        extractor.extract(text, reference_time=REFERENCE, dims=[d for d in DIMS if d != "time"])
    assert time.perf_counter() - started < 2.0
