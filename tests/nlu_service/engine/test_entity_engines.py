"""The CRF tagger and the synonym matcher as a library, plus the SNIPS slot benchmark."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu_service.engine.crf import CrfTagger, EntityText, Span, bio_tags, spans_of, train_crf
from nlu_service.engine.synonyms import Synonym, SynonymMatcher, bounded_distance

SNIPS = Path("/work/shared/datasets/snips2017")


def test_bio_tags_round_trip_to_spans() -> None:
    tokens, tags = bio_tags("fly to New York now", [Span("city", 7, 8)])
    assert tags == ["O", "O", "B-city", "I-city", "O"]
    assert spans_of(tokens, tags) == [Span("city", 7, 8)]


def test_crf_learns_and_survives_its_artifact() -> None:
    cities = ["Rome", "Paris", "Cairo", "Lisbon", "Madrid", "Berlin"]
    data = [EntityText(f"a flight to {c} please", [Span("city", 12, len(c))]) for c in cities]
    tagger, report = train_crf(data)
    assert report.training.f1 == 1.0
    loaded = CrfTagger.from_bytes(tagger.to_bytes())
    assert loaded.extract("a flight to Oslo please") == [
        {"entity": "city", "value": "Oslo", "index": 12, "len": 4}
    ]
    with pytest.raises(ValueError):
        CrfTagger.from_bytes(b"junk")
    with pytest.raises(ValueError):
        train_crf([EntityText("no entities here")])


def test_synonyms_longest_first_and_bounded_fuzz() -> None:
    m = SynonymMatcher.build(
        [Synonym("error", "red light"), Synonym("colour", "red"), Synonym("colour", "crimson")]
    )
    assert [e["entity"] for e in m.extract("the red light")] == ["error"]
    assert m.extract("Crimsen") == [{"entity": "colour", "value": "Crimsen", "index": 0, "len": 7}]
    assert m.extract("rod") == []  # short words match exactly only
    assert bounded_distance("kitten", "sitting", 1) == 2
    assert SynonymMatcher.from_bytes(m.to_bytes()).extract("red") == m.extract("red")
