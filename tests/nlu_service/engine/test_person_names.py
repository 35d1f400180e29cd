"""The person-name extractor: titles, cues, the gazetteers, and the words it must not take."""

from __future__ import annotations

import time

import pytest

from nlu_service.engine.person_names import ZA_FIRST_NAMES, PersonName, PersonNameExtractor


@pytest.fixture(scope="module")
def extractor() -> PersonNameExtractor:
    return PersonNameExtractor.load()


def names(extractor: PersonNameExtractor, text: str) -> list[tuple[str, str | None]]:
    return [(n.name, n.title) for n in extractor.extract(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, you may call me Tom.", [("Tom", None)]),
        ("Please ask Mr Dlamini and Sarah Jones", [("Dlamini", "Mr"), ("Sarah Jones", None)]),
        ("Dr. Sarah van der Merwe will call", [("Sarah van der Merwe", "Dr")]),
        ("I met Jan van der Merwe on Monday", [("Jan van der Merwe", None)]),
        ("Prof Mbeki and Mrs. Mandela", [("Mbeki", "Prof"), ("Mandela", "Mrs")]),
        ("Lerato and Karabo went home", [("Lerato", None), ("Karabo", None)]),
        ("May I speak to Nomvula Nkosi", [("Nomvula Nkosi", None)]),
        ("I am Lwazi from Durban", [("Lwazi", None)]),
        ("Will Smith is here", [("Will Smith", None)]),
        ("Mnr Botha het gebel", [("Botha", "Mnr")]),
        ("Thank you, Ms Naidoo-Pillay", [("Naidoo-Pillay", "Ms")]),
        ("Adv Tshilidzi Ramabulana", [("Tshilidzi Ramabulana", "Adv")]),
        ("Sipho", [("Sipho", None)]),
        ("Call me Tom. Ask Mr Dlamini.", [("Tom", None), ("Dlamini", "Mr")]),
        ("Tom, Anna and Peter", [("Tom", None), ("Anna", None), ("Peter", None)]),
        (
            "Elizabeth Taylor and Richard Burton",
            [("Elizabeth Taylor", None), ("Richard Burton", None)],
        ),
    ],
)
def test_finds_names(
    extractor: PersonNameExtractor, text: str, expected: list[tuple[str, str | None]]
) -> None:
    assert names(extractor, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my name is thabo", [("thabo", None)]),
        ("hi my name is john smith", [("john", None)]),
        ("call me grace", [("grace", None)]),
        ("My name is Grace", [("Grace", None)]),
    ],
)
def test_a_cue_admits_lower_case_and_ambiguous_names(
    extractor: PersonNameExtractor, text: str, expected: list[tuple[str, str | None]]
) -> None:
    assert names(extractor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Will you help me?",
        "Grace period ends on Friday",
        "May I have a refund",
        "The Bank of America called",
        "hello there, how are you",
        "thabo called",  # lower case without a cue
        "I want to see the manager",
        "Love it!",
        "Monday and Tuesday",
        "JOHN SMITH",  # all capitals: not handled (documented limit)
        "Mr and Mrs",
    ],
)
def test_ordinary_words_are_not_names(extractor: PersonNameExtractor, text: str) -> None:
    assert names(extractor, text) == []


def test_spans_point_at_the_name_and_the_wire_form(extractor: PersonNameExtractor) -> None:
    text = "Ask Dr. Thandi Mokoena about it"
    [found] = extractor.extract(text)
    assert text[found.start : found.end] == "Thandi Mokoena"
    assert found.as_dict() == {"name": "Thandi Mokoena", "start": 8, "end": 22, "title": "Dr"}
    assert PersonName("Tom", 0, 3).as_dict()["title"] is None


def test_the_gazetteers_are_loaded(extractor: PersonNameExtractor) -> None:
    assert len(extractor.first_names) > 5000
    for name in ("james", "mary", "thabo", "nomvula", "pieter", "tshilidzi"):
        assert extractor.is_first_name(name)
    assert ZA_FIRST_NAMES <= extractor.first_names
    assert not extractor.is_first_name("refund")


def test_max_names_and_long_texts(extractor: PersonNameExtractor) -> None:
    text = "Tom and " * 250
    started = time.perf_counter()
    assert len(extractor.extract(text)) == 100
    assert len(extractor.extract(text, max_names=3)) == 3
    extractor.extract("A" * 2000)
    extractor.extract("Aa " * 666)
    assert time.perf_counter() - started < 1.0
