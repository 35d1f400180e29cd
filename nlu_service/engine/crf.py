"""A CRF sequence tagger for entity extraction: BIO tags over word tokens.

    tagger, report = train_crf([EntityText("fly to Rome", [Span("city", 7, 4)])], [])
    CrfTagger.from_bytes(tagger.to_bytes()).extract("a flight to Paris")

Tokens are runs of word characters or single other non-space characters, with their
character offsets. Each token's features are its lower-cased form, prefixes and suffixes,
word shape, case and digit flags, and the same for up to two neighbours each side.
python-crfsuite (MIT) fits the model with L-BFGS and elastic-net regularisation; the
artifact is a short header (magic, entity labels) followed by crfsuite's own model file.
Retrieve needs only pycrfsuite's C tagger (no scikit-learn, no torch).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pycrfsuite

from nlu_service.engine._exceptions import TrainingDataError

MAGIC = b"BAOBAB-CRF-1\n"
TOKEN = re.compile(r"\w+|[^\w\s]")
DEFAULT_C1 = 0.05
DEFAULT_C2 = 0.01
DEFAULT_MAX_ITERATIONS = 60


@dataclass(frozen=True, slots=True)
class Span:
    """An entity mention: its label and where it sits in the text (`len` characters from `index`)."""

    entity: str
    index: int
    len: int


@dataclass(frozen=True, slots=True)
class EntityText:
    """An utterance with its labelled entity spans (a CRF training or testing sample)."""

    text: str
    spans: Sequence[Span] = ()
    uuid: str | None = None


@dataclass(frozen=True, slots=True)
class SpanScores:
    """Exact-match entity scores: a predicted span counts when label, start and end all match."""

    precision: float
    recall: float
    f1: float
    # Share of utterances whose predicted entity set equals the labelled one.
    sentence_accuracy: float
    per_entity: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CrfReport:
    labels: list[str]
    training: SpanScores
    testing: SpanScores | None
    seconds: float


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Return the tokens of `text` as (token, start, end) with end exclusive."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def _shape(word: str) -> str:
    out: list[str] = []
    for ch in word:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)[:6]


def _word_features(word: str, prefix: str) -> dict[str, Any]:
    low = word.lower()
    return {
        f"{prefix}w": low,
        f"{prefix}shape": _shape(word),
        f"{prefix}title": word.istitle(),
        f"{prefix}upper": word.isupper(),
        f"{prefix}digit": word.isdigit(),
        f"{prefix}p3": low[:3],
        f"{prefix}s3": low[-3:],
    }


def token_features(words: Sequence[str]) -> list[dict[str, Any]]:
    """Return the feature dict of each token (crfsuite takes str -> str/bool/float)."""
    feats: list[dict[str, Any]] = []
    n = len(words)
    for i, word in enumerate(words):
        low = word.lower()
        f: dict[str, Any] = {
            "bias": 1.0,
            **_word_features(word, ""),
            "p1": low[:1],
            "p2": low[:2],
            "s1": low[-1:],
            "s2": low[-2:],
            "len": min(len(word), 10) / 10,
        }
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < n:
                f.update(_word_features(words[j], f"{offset:+d}:"))
            else:
                f[f"{offset:+d}:edge"] = True
        if i > 0:
            f["bigram-1"] = f"{words[i - 1].lower()}|{low}"
        if i + 1 < n:
            f["bigram+1"] = f"{low}|{words[i + 1].lower()}"
        feats.append(f)
    return feats


def bio_tags(text: str, spans: Sequence[Span]) -> tuple[list[tuple[str, int, int]], list[str]]:
    """Return the tokens of `text` and their BIO tags; a token inside a span gets its label."""
    tokens = tokenize(text)
    tags = ["O"] * len(tokens)
    for span in sorted(spans, key=lambda s: s.index):
        start, end = span.index, span.index + span.len
        inside = [i for i, (_, s, e) in enumerate(tokens) if s < end and e > start]
        for k, i in enumerate(inside):
            if tags[i] == "O":
                tags[i] = ("B-" if k == 0 else "I-") + span.entity
    return tokens, tags


def spans_of(tokens: Sequence[tuple[str, int, int]], tags: Sequence[str]) -> list[Span]:
    """Return the entity spans a BIO tag sequence marks (a stray I- starts a new entity)."""
    spans: list[Span] = []
    label: str | None = None
    start = end = 0
    for (_, s, e), tag in zip(tokens, tags, strict=True):
        if tag.startswith("I-") and label == tag[2:]:
            end = e
            continue
        if label is not None:
            spans.append(Span(label, start, end - start))
            label = None
        if tag != "O":
            label, start, end = tag[2:], s, e
    if label is not None:
        spans.append(Span(label, start, end - start))
    return spans


class CrfTagger:
    """A trained CRF entity tagger."""

    def __init__(self, model: bytes, labels: Sequence[str]) -> None:
        self.model = model
        self.labels = list(labels)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(model)

    def spans(self, text: str) -> list[Span]:
        tokens = tokenize(text)
        if not tokens:
            return []
        tags = self._tagger.tag(token_features([t for t, _, _ in tokens]))
        return spans_of(tokens, tags)

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Return the entities in `text`: [{entity, value, index, len}] in text order."""
        return [
            {
                "entity": s.entity,
                "value": text[s.index : s.index + s.len],
                "index": s.index,
                "len": s.len,
            }
            for s in self.spans(text)
        ]

    def to_bytes(self) -> bytes:
        header = json.dumps({"labels": self.labels}).encode()
        return MAGIC + len(header).to_bytes(4, "big") + header + self.model

    @classmethod
    def from_bytes(cls, data: bytes) -> CrfTagger:
        if not data.startswith(MAGIC):
            raise ValueError("not a CRF tagger artifact")
        at = len(MAGIC)
        size = int.from_bytes(data[at : at + 4], "big")
        try:
            header = json.loads(data[at + 4 : at + 4 + size])
            return cls(data[at + 4 + size :], header["labels"])
        except (ValueError, KeyError, TypeError, OSError) as exc:
            raise ValueError(f"corrupt CRF tagger artifact: {exc}") from exc


class SpanExtractor(Protocol):
    def spans(self, text: str) -> list[Span]: ...


def score(tagger: SpanExtractor, samples: Sequence[EntityText]) -> SpanScores:
    """Return exact-match entity precision, recall, micro-F1 and per-entity F1 on `samples`."""
    tp = fp = fn = exact = 0
    per: dict[str, list[int]] = {}
    for sample in samples:
        gold = {(s.entity, s.index, s.index + s.len) for s in sample.spans}
        pred = {(s.entity, s.index, s.index + s.len) for s in tagger.spans(sample.text)}
        exact += gold == pred
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        for key, bucket in ((gold & pred, 0), (pred - gold, 1), (gold - pred, 2)):
            for entity, _, _ in key:
                per.setdefault(entity, [0, 0, 0])[bucket] += 1

    def f1(t: int, p: int, n: int) -> float:
        return 2 * t / (2 * t + p + n) if t else 0.0

    return SpanScores(
        precision=tp / (tp + fp) if tp + fp else 0.0,
        recall=tp / (tp + fn) if tp + fn else 0.0,
        f1=f1(tp, fp, fn),
        sentence_accuracy=exact / len(samples) if samples else 0.0,
        per_entity={
            e: {"f1": f1(*c), "support": float(c[0] + c[2])} for e, c in sorted(per.items())
        },
    )


def train_crf(
    train: Sequence[EntityText],
    test: Sequence[EntityText] = (),
    *,
    c1: float = DEFAULT_C1,
    c2: float = DEFAULT_C2,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> tuple[CrfTagger, CrfReport]:
    """Fit a CRF on `train` and score it on both sets; TrainingDataError without any entity."""
    if not train:
        raise TrainingDataError("no training samples")
    if not any(s.spans for s in train):
        raise TrainingDataError("no training sample labels any entity")
    started = time.perf_counter()
    trainer = pycrfsuite.Trainer(verbose=False)
    labels: set[str] = set()
    for sample in train:
        tokens, tags = bio_tags(sample.text, sample.spans)
        if not tokens:
            continue
        labels.update(t[2:] for t in tags if t != "O")
        trainer.append(token_features([t for t, _, _ in tokens]), tags)
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": max_iterations,
            "feature.possible_transitions": True,
        }
    )
    fd, path = tempfile.mkstemp(suffix=".crfsuite")
    os.close(fd)
    try:
        trainer.train(path)
        with open(path, "rb") as f:
            model = f.read()
    finally:
        os.unlink(path)
    tagger = CrfTagger(model, sorted(labels))
    report = CrfReport(
        labels=tagger.labels,
        training=score(tagger, train),
        testing=score(tagger, test) if test else None,
        seconds=time.perf_counter() - started,
    )
    return tagger, report
