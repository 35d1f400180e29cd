"""A synonym entity matcher: surface forms mapped to entity labels, matched longest first.

    matcher = SynonymMatcher.build([Synonym("colour", "crimson")])
    matcher.extract("a Crimsen car")  # fuzzy: one edit away

Each synonym is split into word tokens. With `ignore_case` (the default) tokens are
compared case-folded and without accents. Matching walks the input's tokens left to right
and at each position takes the longest synonym (in tokens) that matches exactly, else
within a bounded edit distance (insertions, deletions, substitutions and swaps of
neighbouring characters; 1 edit for phrases of 5-9 characters, 2 from 10; shorter
ones match exactly only), so "crimsen" finds "crimson" but "cat" never finds "car".
`ignore_word_boundaries` synonyms also match inside words (exact substrings only).
The artifact is JSON; retrieve needs nothing beyond the standard library.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from nlu_service.engine._exceptions import TrainingDataError
from nlu_service.engine.crf import Span

MAGIC = b"BAOBAB-SYN-1\n"
TOKEN = re.compile(r"\w+|[^\w\s]")
# Longer synonyms match exactly only: their deletion sets would grow quadratically.
MAX_FUZZY_CHARS = 32


@dataclass(frozen=True, slots=True)
class Synonym:
    entity: str
    phrase: str
    ignore_case: bool = True
    ignore_word_boundaries: bool = False


def _fold(token: str, ignore_case: bool) -> str:
    if not ignore_case:
        return token
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def max_edits(chars: int) -> int:
    """Return the edit distance a phrase of `chars` characters may be off by."""
    return 0 if chars < 5 else 1 if chars < 10 else 2


def bounded_distance(a: str, b: str, bound: int) -> int:
    """Return the edit distance of a and b (a swap of neighbours is one edit), capped at bound + 1."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        # A swap reaches back two rows, so stop only when both rows are past the bound.
        if min(current) > bound and min(previous) > bound:
            return bound + 1
        before, previous = previous, current
    return min(previous[-1], bound + 1)


def deletions(word: str, k: int) -> set[str]:
    """Return `word` and every string made from it by deleting up to `k` characters."""
    out = {word}
    frontier = {word}
    for _ in range(k):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


class SynonymMatcher:
    """A trained synonym extractor."""

    def __init__(self, synonyms: Sequence[Synonym]) -> None:
        self.synonyms = list(synonyms)
        self.labels = sorted({s.entity for s in self.synonyms})
        # key: (token count, folded phrase) per case mode -> entity
        self._exact: dict[tuple[bool, int, str], str] = {}
        # Fuzzy index (SymSpell): every string within `max_edits` deletions of a synonym ->
        # the synonyms it came from. Two strings within k edits share such a deletion, so a
        # lookup reads only a handful of candidates and verifies each with a bounded distance.
        self._deletions: dict[tuple[bool, int, str], list[tuple[str, str]]] = {}
        self._substrings: list[Synonym] = []
        self.max_tokens = 0
        for s in self.synonyms:
            tokens = TOKEN.findall(s.phrase)
            if not tokens:
                continue
            if s.ignore_word_boundaries:
                self._substrings.append(s)
                continue
            folded = " ".join(_fold(t, s.ignore_case) for t in tokens)
            n = len(tokens)
            self.max_tokens = max(self.max_tokens, n)
            self._exact.setdefault((s.ignore_case, n, folded), s.entity)
            if len(folded) <= MAX_FUZZY_CHARS:
                for variant in deletions(folded, max_edits(len(folded))):
                    self._deletions.setdefault((s.ignore_case, n, variant), []).append(
                        (folded, s.entity)
                    )

    @classmethod
    def build(cls, synonyms: Sequence[Synonym]) -> SynonymMatcher:
        if not synonyms:
            raise TrainingDataError("no synonyms: give samples with a syn_set or a span")
        return cls(synonyms)

    def _match(self, words: Sequence[str], n: int) -> str | None:
        for ignore_case in (False, True):
            phrase = " ".join(_fold(w, ignore_case) for w in words)
            entity = self._exact.get((ignore_case, n, phrase))
            if entity is not None:
                return entity
        for ignore_case in (False, True):
            phrase = " ".join(_fold(w, ignore_case) for w in words)
            bound = max_edits(len(phrase))
            best: tuple[int, str] | None = None
            if not bound or len(phrase) > MAX_FUZZY_CHARS + 2:
                continue
            candidates = {
                pair
                for variant in deletions(phrase, bound)
                for pair in self._deletions.get((ignore_case, n, variant), ())
            }
            for candidate, entity in sorted(candidates):
                if max_edits(len(candidate)) == 0:
                    continue
                limit = min(bound, max_edits(len(candidate)))
                d = bounded_distance(phrase, candidate, limit)
                if d <= limit and (best is None or d < best[0]):
                    best = (d, entity)
            if best is not None:
                return best[1]
        return None

    def spans(self, text: str) -> list[Span]:
        """Return the matched entities as spans (for scoring against labelled samples)."""
        return [Span(e["entity"], e["index"], e["len"]) for e in self.extract(text)]

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Return the entities in `text`: [{entity, value, index, len}] in text order."""
        tokens = [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]
        found: list[tuple[int, int, str]] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self.max_tokens, len(tokens) - i), 0, -1):
                entity = self._match([t for t, _, _ in tokens[i : i + n]], n)
                if entity is not None:
                    found.append((tokens[i][1], tokens[i + n - 1][2], entity))
                    i += n
                    break
            else:
                i += 1
        taken = [(s, e) for s, e, _ in found]
        lowered = "".join(c.lower()[:1] or c for c in text)
        for syn in sorted(self._substrings, key=lambda s: -len(s.phrase)):
            haystack = lowered if syn.ignore_case else text
            needle = (
                "".join(c.lower()[:1] or c for c in syn.phrase) if syn.ignore_case else syn.phrase
            )
            start = haystack.find(needle)
            while start >= 0:
                end = start + len(needle)
                if all(end <= s or start >= e for s, e in taken):
                    found.append((start, end, syn.entity))
                    taken.append((start, end))
                start = haystack.find(needle, start + 1)
        return [
            {"entity": entity, "value": text[s:e], "index": s, "len": e - s}
            for s, e, entity in sorted(found)
        ]

    def to_bytes(self) -> bytes:
        return MAGIC + json.dumps([asdict(s) for s in self.synonyms]).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> SynonymMatcher:
        if not data.startswith(MAGIC):
            raise ValueError("not a synonym matcher artifact")
        try:
            return cls([Synonym(**s) for s in json.loads(data[len(MAGIC) :])])
        except (ValueError, TypeError) as exc:
            raise ValueError(f"corrupt synonym matcher artifact: {exc}") from exc


def synonyms_from_samples(samples: Sequence[dict[str, Any]]) -> list[Synonym]:
    """Return the synonyms the samples define: each syn_set entry, and each labelled span."""
    out: dict[tuple[str, str, bool, bool], Synonym] = {}
    for sample in samples:
        text = sample.get("text") or ""
        for e in sample.get("entities") or []:
            ignore_case = e.get("ignore_case", True) is not False
            loose = bool(e.get("ignore_word_boundaries"))
            phrases = list(e.get("syn_set") or [])
            if isinstance(e.get("index"), int) and isinstance(e.get("len"), int):
                phrases.append(text[e["index"] : e["index"] + e["len"]])
            for phrase in phrases:
                if isinstance(phrase, str) and phrase.strip():
                    key = (e["entity"], phrase.strip(), ignore_case, loose)
                    out.setdefault(key, Synonym(*key))
    return list(out.values())
