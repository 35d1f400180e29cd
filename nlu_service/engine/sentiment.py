"""Generic sentiment: VADER's compound score for the whole text and for each sentence.

VADER (vaderSentiment, MIT) is a lexicon and rule-based model for English social-media
text; it ships its lexicon inside the package, so nothing is fetched. Its compound score
is a normalised sum of word valences in -1 (very negative) .. 1 (very positive).

    detector = SentimentDetector.load()
    result = detector.detect("The food was great. The service was slow!")
    result.value                        # the whole text
    [(s.index, s.length, s.value) for s in result.details]   # one span per sentence

Spans are sentences (split after `.`, `!`, `?` runs and at line breaks), given as a
character index and length into the text as received, surrounding whitespace trimmed.
Other languages mostly score near 0: the lexicon is English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# A sentence ends after a run of terminal punctuation (closing quotes and brackets
# included) followed by whitespace, or at a line break.
_SENTENCE_END = re.compile(r"""[.!?]+['")\]]*(?=\s)|\n""")


@dataclass(frozen=True, slots=True)
class SentimentSpan:
    """The sentiment of `length` characters of the text from `index`."""

    value: float
    index: int
    length: int


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """The compound sentiment of the whole text and of each of its sentences."""

    value: float
    details: list[SentimentSpan]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return (index, length) of each non-blank sentence of `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    ends = [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    for end in ends:
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            index = start + (len(piece) - len(piece.lstrip()))
            spans.append((index, len(stripped)))
        start = end
    return spans


class SentimentDetector:
    """VADER behind a two-method API: `load()` once, then `detect(text)` from any thread."""

    def __init__(self, analyzer: Any) -> None:
        self._analyzer = analyzer

    @classmethod
    def load(cls) -> SentimentDetector:
        """Return a detector with VADER's bundled lexicon loaded (about 40 ms)."""
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return cls(SentimentIntensityAnalyzer())

    def score(self, text: str) -> float:
        """Return VADER's compound score of `text`, in -1..1."""
        return float(self._analyzer.polarity_scores(text)["compound"])

    def detect(self, text: str) -> SentimentResult:
        """Return the sentiment of the whole text and of each sentence in it."""
        details = [
            SentimentSpan(value=self.score(text[i : i + n]), index=i, length=n)
            for i, n in sentence_spans(text)
        ]
        return SentimentResult(value=self.score(text), details=details)
