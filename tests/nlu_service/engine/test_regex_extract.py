"""Regex entities with RE2: named groups, `_all_groups`, refusals, and linear time."""

from __future__ import annotations

import time

import pytest

from nlu_service.engine.regex_extract import (
    MAX_PATTERN_CHARS,
    InvalidPattern,
    RegexExtractor,
    check_pattern,
)

LICENSE = r"(?P<license>([A-Z]{3}[ ]?[0-9]{3}[ ]?(GP|NW|MP|EC|L|NC|NW)))"


def test_named_groups_and_the_whole_match() -> None:
    extractor = RegexExtractor.compile(LICENSE)
    assert extractor.extract("My car has plate ZNX 450 GP and JMS007NW.") == [
        {"license": "ZNX 450 GP", "_all_groups": "ZNX 450 GP"},
        {"license": "JMS007NW", "_all_groups": "JMS007NW"},
    ]
    assert extractor.extract("no plates here") == []


def test_groups_that_take_no_part_are_null() -> None:
    extractor = RegexExtractor.compile(r"(?P<make>Jeep|Ford)\s+(?P<model>\w+)|(?P<year>\d{4})")
    assert extractor.extract("a 2007 Jeep Wrangler") == [
        {"make": None, "model": None, "year": "2007", "_all_groups": "2007"},
        {"make": "Jeep", "model": "Wrangler", "year": None, "_all_groups": "Jeep Wrangler"},
    ]


def test_unnamed_patterns_empty_matches_and_unicode() -> None:
    assert RegexExtractor.compile(r"\d+").extract("1 and 22") == [
        {"_all_groups": "1"},
        {"_all_groups": "22"},
    ]
    assert RegexExtractor.compile(r"x*").extract("abc") == []
    assert RegexExtractor.compile(r"(?P<w>\p{L}+é)").extract("un café") == [
        {"w": "café", "_all_groups": "café"}
    ]


def test_the_number_of_matches_is_bounded() -> None:
    assert len(RegexExtractor.compile(r"a").extract("a" * 500, max_matches=7)) == 7


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(\w+) \1", "invalid escape"),
        (r"(?<=a)b", "invalid perl operator"),
        (r"(?P<x>\d+", "missing )"),
        (r"(?P<a>x)(?P<a>y)", "used more than once"),
        (r"(?P<_all_groups>x)", "reserved"),
        ("", "empty"),
        ("a" * (MAX_PATTERN_CHARS + 1), "limit"),
        (r"(?:(?:a{100}){100}){100}", "repetition"),
    ],
)
def test_patterns_re2_cannot_run_in_linear_time_are_refused(pattern: str, reason: str) -> None:
    with pytest.raises(InvalidPattern, match=reason.replace(")", r"\)")):
        check_pattern(pattern)


def test_catastrophic_backtracking_patterns_answer_at_once() -> None:
    extractor = RegexExtractor.compile(r"(a+)+$")
    started = time.perf_counter()
    assert extractor.extract("a" * 50_000 + "!") == []  # Python's re would run for ages
    assert extractor.extract("a" * 30) == [{"_all_groups": "a" * 30}]
    evil = RegexExtractor.compile(r"(x+x+)+y")
    assert evil.extract("x" * 50_000) == []
    assert time.perf_counter() - started < 1.0
