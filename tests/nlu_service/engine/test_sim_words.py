"""Similar-word entities: candidates, the real encoder's similarities, overlaps and refusals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from nlu_service.engine import TextEncoder
from nlu_service.engine.sim_words import (
    DEFAULT_THRESHOLD,
    MAX_ENTITIES,
    MAX_SIMILAR_WORDS,
    MAX_WORDS,
    WORD_MANIFOLDS,
    Candidate,
    InvalidSimWordSettings,
    SimWordExtractor,
    candidates,
    check_similar_words,
    check_threshold,
    check_word_manifold,
    distinct_phrases,
    match,
)


def phrases(text: str) -> list[str]:
    return [c.phrase for c in candidates(text)]


def test_candidates_are_runs_of_one_to_three_words_with_their_offsets() -> None:
    text = "red sports car"
    assert phrases(text) == [
        "red",
        "red sports",
        "red sports car",
        "sports",
        "sports car",
        "car",
    ]
    for c in candidates("  my e-mail, don't  worry"):
        assert "  my e-mail, don't  worry"[c.index : c.index + c.len] == c.phrase
    assert phrases("won\u2019t") == ["won\u2019t"]
    assert phrases("my e-mail, don't  worry") == [
        "e-mail",
        "don't",
        "don't  worry",
        "worry",
    ]


def test_function_words_neither_stand_alone_nor_edge_a_phrase() -> None:
    assert phrases("the bank of the river") == ["bank", "river"]
    assert phrases("cup of tea") == ["cup", "cup of tea", "tea"]
    assert phrases("the of and") == []
    assert phrases("!!! ...") == []


def test_phrases_never_span_punctuation() -> None:
    assert phrases("car, vehicle") == ["car", "vehicle"]
    assert phrases("car vehicle") == ["car", "car vehicle", "vehicle"]


def test_too_many_words_are_refused() -> None:
    assert len(candidates("word " * MAX_WORDS)) == 3 * MAX_WORDS - 3
    with pytest.raises(InvalidSimWordSettings, match="at most"):
        candidates("word " * (MAX_WORDS + 1))


def fake_vectors(rows: Sequence[Sequence[float]]) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float32)
    unit: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return unit


def test_match_keeps_the_best_of_overlapping_spans_in_text_order() -> None:
    found = candidates("big truck; small car")
    assert distinct_phrases(found) == ["big", "big truck", "truck", "small", "small car", "car"]
    # One seed along x; similarity = x component.
    vectors = fake_vectors([[0.1, 1], [0.8, 0.6], [0.7, 0.71], [0.1, 1], [0.9, 0.43], [1, 0]])
    seeds = fake_vectors([[1, 0]])
    found_words = match(found, vectors, ["car"], seeds, threshold=0.65)
    assert [(w.entity, w.index, w.len, w.similar_word) for w in found_words] == [
        ("big truck", 0, 9, "car"),
        ("car", 17, 3, "car"),
    ]
    assert found_words[1].similarity == 1.0
    # Below the threshold nothing comes back.
    assert match(found, vectors, ["car"], seeds, threshold=1.0001) == []
    with pytest.raises(ValueError, match="one vector"):
        match(found, vectors[:2], ["car"], seeds, threshold=0.5)


def test_match_returns_at_most_the_limit() -> None:
    found = [Candidate(f"w{i}", 3 * i, 2) for i in range(MAX_ENTITIES + 5)]
    vectors = fake_vectors([[1, 0]] * len(found))
    assert len(match(found, vectors, ["w"], fake_vectors([[1, 0]]), 0.5)) == MAX_ENTITIES


def test_seed_words_threshold_and_manifold_checks() -> None:
    assert check_similar_words([" car ", "vehicle"]) == ["car", "vehicle"]
    for bad, words in [
        ([], "non-empty"),
        ("car", "non-empty"),
        (["car", ""], "similar_words[1]"),
        (["car", 5], "similar_words[1]"),
        (["x" * 101], "limit"),
        (["w"] * (MAX_SIMILAR_WORDS + 1), "limit"),
    ]:
        with pytest.raises(InvalidSimWordSettings, match=words.replace("[", r"\[")):
            check_similar_words(bad)
    assert check_threshold(0) == 0.0 and check_threshold(0.7) == 0.7 and check_threshold(1) == 1.0
    for bad_threshold in (-0.1, 1.01, float("nan"), float("inf"), True, "0.5", None):
        with pytest.raises(InvalidSimWordSettings, match="threshold"):
            check_threshold(bad_threshold)
    assert check_word_manifold("feers_wm_zul") == "feers_wm_zul"
    assert "glove6B50D_trimmed" in WORD_MANIFOLDS and len(WORD_MANIFOLDS) == 12
    with pytest.raises(InvalidSimWordSettings, match="accepted: feers_wm_afr"):
        check_word_manifold("word2vec")


def test_the_encoder_finds_synonyms_but_not_unrelated_words(encoder: TextEncoder) -> None:
    extractor = SimWordExtractor.build(["car"])
    assert extractor.threshold == DEFAULT_THRESHOLD
    text = "I parked my automobile next to the banana stand, then washed the vehicle."
    found = extractor.extract(text, encoder.encode)
    assert [(w.entity, text[w.index : w.index + w.len]) for w in found] == [
        ("automobile", "automobile"),
        ("vehicle", "vehicle"),
    ]
    assert all(0.75 < w.similarity <= 1.0 for w in found)
    # A seed word itself scores (almost) 1; several seeds each find their own.
    both = SimWordExtractor.build(["cat", "car"]).extract("my cat sat in the car", encoder.encode)
    assert [(w.entity, w.similar_word) for w in both] == [("cat", "cat"), ("car", "car")]
    assert all(w.similarity > 0.99 for w in both)
    assert extractor.extract("bananas and apples", encoder.encode) == []
    assert extractor.extract("the and of", encoder.encode) == []
    # A threshold of 1 keeps nothing the encoder does not place exactly on a seed.
    strict = SimWordExtractor.build(["car"], threshold=1.0)
    assert strict.extract("the vehicle", encoder.encode) == []
