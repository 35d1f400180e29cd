"""Similar-word entities: the words and short phrases of a text that mean what seed words mean.

    extractor = SimWordExtractor.build(["car"], threshold=0.65)
    extractor.extract("I parked my automobile by a banana stand", encoder.encode)
    # [SimWord(entity="automobile", similarity=0.839, index=12, len=10, similar_word="car")]

The text is cut into words (letters and digits, joined by inner apostrophes or hyphens:
"don't", "e-mail") and every run of 1 to `MAX_NGRAM` words separated by whitespace only
is a candidate, except a phrase that starts or ends with an English function word ("the",
"of", ...) and a function word alone. Each distinct candidate and each seed word is
embedded by the sentence encoder (all-MiniLM-L6-v2, one batch); a candidate's similarity is
its largest cosine with a seed. Candidates at or above the threshold are kept; of
overlapping ones the most similar wins (then the earlier, then the shorter), and the
survivors come back in text order, at most `MAX_ENTITIES`.

The Feersum word manifolds (`feers_wm_<lang>`, `glove6B50D_trimmed`) are word-vector
tables Baobab does not have; every one of those names maps to the sentence encoder, so the
name is kept with the model but does not change the answers. The encoder knows English
best. No web, database or cache code here; `match` is numpy only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
Encode = Callable[[Sequence[str]], FloatArray]

DEFAULT_THRESHOLD = 0.65  # the spec's example; "car" finds "vehicle" (0.84), not "banana" (0.39)
DEFAULT_WORD_MANIFOLD = "feers_wm_eng"
FEERSUM_LANGUAGES = ("afr", "eng", "nbl", "xho", "zul", "nso", "sot", "tsn", "ssw", "ven", "tso")
WORD_MANIFOLDS: tuple[str, ...] = (
    *(f"feers_wm_{lang}" for lang in FEERSUM_LANGUAGES),
    "glove6B50D_trimmed",
)
MAX_NGRAM = 3
MAX_SIMILAR_WORDS = 100
MAX_SIMILAR_WORD_CHARS = 100
# A 2,000-character text of English prose has about 350 words; 500 words give at most
# 1,500 candidates, about a second of encoding on one core.
MAX_WORDS = 500
MAX_ENTITIES = 100

WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")  # inner apostrophe (' or U+2019) or hyphen
FUNCTION_WORDS = frozenset(
    """a an the and or but nor so yet of to in on at by for from with as into onto
    upon about over under than then that this these those there here is am are was
    were be been being do does did has have had i me my we us our you your he him his
    she her it its they them their what which who whom whose if not no""".split()
)


class InvalidSimWordSettings(ValueError):
    """Seed words, a threshold, a word manifold or a text the extractor cannot use."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A run of words in the text: `text[index : index + len]`."""

    phrase: str
    index: int
    len: int


@dataclass(frozen=True, slots=True)
class SimWord:
    """A phrase of the text similar to a seed word."""

    entity: str
    similarity: float
    index: int
    len: int
    similar_word: str


def check_similar_words(words: object) -> list[str]:
    """Return the seed words, trimmed; `InvalidSimWordSettings` unless 1-100 short non-blank strings."""
    if not isinstance(words, list | tuple) or not words:
        raise InvalidSimWordSettings("similar_words must be a non-empty list of words")
    if len(words) > MAX_SIMILAR_WORDS:
        raise InvalidSimWordSettings(
            f"similar_words has {len(words)} words; the limit is {MAX_SIMILAR_WORDS}"
        )
    seeds: list[str] = []
    for i, word in enumerate(words):
        if not isinstance(word, str) or not word.strip():
            raise InvalidSimWordSettings(f"similar_words[{i}] must be a non-blank string")
        if len(word.strip()) > MAX_SIMILAR_WORD_CHARS:
            raise InvalidSimWordSettings(
                f"similar_words[{i}] is {len(word.strip())} characters long; "
                f"the limit is {MAX_SIMILAR_WORD_CHARS}"
            )
        seeds.append(word.strip())
    return seeds


def check_threshold(value: object) -> float:
    """Return the threshold as a float; `InvalidSimWordSettings` unless a number from 0 to 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidSimWordSettings("threshold must be a number from 0 to 1")
    threshold = float(value)
    if not math.isfinite(threshold) or not 0.0 <= threshold <= 1.0:
        raise InvalidSimWordSettings(f"threshold must be from 0 to 1, not {value}")
    return threshold


def check_word_manifold(name: object) -> str:
    """Return the word manifold name; `InvalidSimWordSettings` unless it is one Baobab accepts."""
    if not isinstance(name, str) or name not in WORD_MANIFOLDS:
        raise InvalidSimWordSettings(
            f"unknown word_manifold {name!r}; accepted: {', '.join(WORD_MANIFOLDS)}"
        )
    return name


def candidates(text: str, max_words: int = MAX_WORDS) -> list[Candidate]:
    """Return the text's candidate phrases in text order; `InvalidSimWordSettings` over `max_words`."""
    words = [(m.start(), m.end(), m.group().casefold()) for m in WORD.finditer(text)]
    if len(words) > max_words:
        raise InvalidSimWordSettings(
            f"text has {len(words)} words; a similar-word search takes at most {max_words}"
        )
    found: list[Candidate] = []
    for first in range(len(words)):
        if words[first][2] in FUNCTION_WORDS:
            continue
        for last in range(first, min(first + MAX_NGRAM, len(words))):
            # A phrase never spans punctuation: "car, vehicle" is two words, not a phrase.
            if last > first and text[words[last - 1][1] : words[last][0]].strip():
                break
            if words[last][2] in FUNCTION_WORDS:
                continue
            start, end = words[first][0], words[last][1]
            found.append(Candidate(text[start:end], start, end - start))
    return found


def match(
    found: Sequence[Candidate],
    phrase_vectors: FloatArray,
    seeds: Sequence[str],
    seed_vectors: FloatArray,
    threshold: float,
    limit: int = MAX_ENTITIES,
) -> list[SimWord]:
    """Return the candidates similar to a seed, overlaps resolved, in text order.

    `phrase_vectors` has one L2-normalised row per distinct casefolded phrase, in the order
    `distinct_phrases(found)` gives them.
    """
    if not found or not len(seeds):
        return []
    phrases = distinct_phrases(found)
    if phrase_vectors.shape[0] != len(phrases) or seed_vectors.shape[0] != len(seeds):
        raise ValueError("one vector per distinct phrase and per seed word is needed")
    sims = np.asarray(phrase_vectors, dtype=np.float32) @ np.asarray(seed_vectors).T
    best_seed = sims.argmax(axis=1)
    best = sims[np.arange(len(phrases)), best_seed]
    row = {phrase: i for i, phrase in enumerate(phrases)}

    scored = []
    for c in found:
        r = row[c.phrase.casefold()]
        if float(best[r]) >= threshold:
            scored.append((float(best[r]), c, seeds[int(best_seed[r])]))
    scored.sort(key=lambda s: (-s[0], s[1].index, s[1].len))
    kept: list[tuple[float, Candidate, str]] = []
    taken: list[tuple[int, int]] = []
    for similarity, c, seed in scored:
        end = c.index + c.len
        if any(c.index < e and s < end for s, e in taken):
            continue
        kept.append((similarity, c, seed))
        taken.append((c.index, end))
    kept.sort(key=lambda s: s[1].index)
    return [
        SimWord(c.phrase, round(min(similarity, 1.0), 4), c.index, c.len, seed)
        for similarity, c, seed in kept[:limit]
    ]


def distinct_phrases(found: Sequence[Candidate]) -> list[str]:
    """Return the distinct casefolded phrases of `found`, in first-seen order: what to embed."""
    return list(dict.fromkeys(c.phrase.casefold() for c in found))


@dataclass(frozen=True)
class SimWordExtractor:
    """Seed words and a threshold: finds the phrases of a text similar to a seed."""

    similar_words: tuple[str, ...]
    threshold: float = DEFAULT_THRESHOLD

    @classmethod
    def build(
        cls, similar_words: Sequence[str], threshold: float = DEFAULT_THRESHOLD
    ) -> SimWordExtractor:
        """Return an extractor of checked seeds and threshold; `InvalidSimWordSettings` if not."""
        return cls(tuple(check_similar_words(list(similar_words))), check_threshold(threshold))

    def texts_to_embed(self, found: Sequence[Candidate]) -> list[str]:
        """Return the seeds then the distinct phrases of `found`: one encoder batch."""
        return [*self.similar_words, *distinct_phrases(found)] if found else []

    def match(self, found: Sequence[Candidate], vectors: FloatArray) -> list[SimWord]:
        """Return the similar words, given the embeddings of `texts_to_embed(found)`."""
        if not found:
            return []
        n = len(self.similar_words)
        return match(found, vectors[n:], self.similar_words, vectors[:n], self.threshold)

    def extract(self, text: str, encode: Encode) -> list[SimWord]:
        """Return the phrases of `text` similar to a seed, embedding with `encode` (blocking)."""
        found = candidates(text)
        return self.match(found, encode(self.texts_to_embed(found)) if found else _EMPTY)


_EMPTY: FloatArray = np.zeros((0, 0), dtype=np.float32)
