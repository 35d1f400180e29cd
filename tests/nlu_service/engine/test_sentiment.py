"""The generic sentiment detector: VADER scores for the text and for each sentence."""

from __future__ import annotations

import pytest

from nlu_service.engine.sentiment import SentimentDetector, sentence_spans


@pytest.fixture(scope="module")
def detector() -> SentimentDetector:
    return SentimentDetector.load()


def test_positive_and_negative_texts_score_on_the_right_side(detector: SentimentDetector) -> None:
    assert detector.detect("I love this, it is wonderful!").value > 0.5
    assert detector.detect("This is terrible, I hate it.").value < -0.5
    assert abs(detector.detect("The bus leaves at nine.").value) < 0.2


def test_each_sentence_gets_its_own_span_and_score(detector: SentimentDetector) -> None:
    text = "  I love the food here!  But the waiter was rude and slow.\nSee you."
    result = detector.detect(text)
    pieces = [text[s.index : s.index + s.length] for s in result.details]
    assert pieces == ["I love the food here!", "But the waiter was rude and slow.", "See you."]
    assert result.details[0].value > 0.3
    assert result.details[1].value < -0.3
    assert all(-1.0 <= s.value <= 1.0 for s in result.details)
    assert -1.0 <= result.value <= 1.0


def test_sentence_spans_keep_decimals_and_trailing_quotes_together() -> None:
    text = 'It costs 3.50 today. He said "great!" then left'
    spans = [text[i : i + n] for i, n in sentence_spans(text)]
    assert spans == ["It costs 3.50 today.", 'He said "great!"', "then left"]
    assert sentence_spans("   \n  ") == []
