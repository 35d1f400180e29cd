"""Emotion classification: a multi-label linear head over words and sentence embeddings.

The shipped `generic` model (`data/emotions_goemotions.npz`) scores the 28 GoEmotions
labels (27 emotions and `neutral`) one-vs-rest: one logistic regression per label over
the TF-IDF of the text's words and word pairs (a fixed 10,000-term vocabulary) joined to
the MiniLM embedding of the text, each label with its own decision threshold tuned on
the GoEmotions dev split. The TF-IDF is computed here exactly as scikit-learn's
`TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)` does (the build script checks). `scripts/build_emotions.py` trains it (scikit-learn) from the
GoEmotions data set (Demszky et al., ACL 2020; Apache-2.0); scoring here needs numpy only.

    model = EmotionClassifier.load(model_path())
    text = "Thank you so much!"
    model.classify(text, encoder.encode([text])[0])   # [("gratitude", 0.97)]

`classify` answers the labels whose probability reaches their threshold, most probable
first. A text for which no label does answers its single most probable label, so that a
caller always gets one answer (most often `neutral`).
"""

from __future__ import annotations

import io
import itertools
import math
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlu_service.engine._npz import npz_bytes

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_FILE = "emotions_goemotions.npz"
FORMAT_VERSION = 1
#: scikit-learn's default token pattern: runs of two or more word characters.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def model_path() -> Path:
    """Return the path of the shipped `generic` emotion model."""
    return DATA_DIR / MODEL_FILE


def terms(text: str) -> list[str]:
    """Return the words (lower case, 2+ word characters) and adjacent word pairs of a text."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


@dataclass(frozen=True, eq=False)
class EmotionClassifier:
    """One-vs-rest logistic regressions over TF-IDF terms and an embedding, one threshold each."""

    labels: tuple[str, ...]
    vocabulary: tuple[str, ...]
    idf: np.ndarray  # (n_terms,) float32
    term_weights: np.ndarray  # (n_terms, n_labels) float32
    embedding_weights: np.ndarray  # (dim, n_labels) float32
    bias: np.ndarray  # (n_labels,) float32
    thresholds: np.ndarray  # (n_labels,) float32, each in (0, 1)
    credit: str = ""
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.labels)
        if n == 0 or len(set(self.labels)) != n:
            raise ValueError("an emotion model needs distinct labels")
        v = len(self.vocabulary)
        if self.idf.shape != (v,) or self.term_weights.shape != (v, n):
            raise ValueError(f"idf and term weights must have shapes ({v},) and ({v}, {n})")
        if self.embedding_weights.ndim != 2 or self.embedding_weights.shape[1] != n:
            raise ValueError(f"embedding weights must have shape (dim, {n})")
        if self.bias.shape != (n,) or self.thresholds.shape != (n,):
            raise ValueError(f"bias and thresholds must have shape ({n},)")
        if not np.all((self.thresholds > 0) & (self.thresholds < 1)):
            raise ValueError("every threshold must lie strictly between 0 and 1")
        object.__setattr__(self, "index", {term: i for i, term in enumerate(self.vocabulary)})

    @property
    def dim(self) -> int:
        return int(self.embedding_weights.shape[0])

    def tfidf(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the (term ids, l2-normalised sublinear TF-IDF values) of a text's known terms."""
        counts = Counter(t for t in terms(text) if t in self.index)
        ids = np.array([self.index[t] for t in counts], dtype=np.int64)
        values = np.array(
            [(1.0 + math.log(c)) for c in counts.values()], dtype=np.float64
        ) * self.idf[ids].astype(np.float64)
        norm = float(np.sqrt((values**2).sum()))
        return ids, (values / norm if norm > 0 else values)

    def probabilities(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """Return the (n_texts, n_labels) probability of each label, independently."""
        x = np.asarray(embeddings, dtype=np.float32)
        if x.ndim == 1:
            x = x[None, :]
        if x.shape != (len(texts), self.dim):
            raise ValueError(
                f"embeddings have shape {x.shape}; the model needs ({len(texts)}, {self.dim})"
            )
        logits = (x @ self.embedding_weights + self.bias).astype(np.float64)
        for row, text in enumerate(texts):
            ids, values = self.tfidf(text)
            if len(ids):
                logits[row] += values @ self.term_weights[ids].astype(np.float64)
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))
        return probabilities

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """Return the (n_texts, n_labels) boolean decisions, with the top-label fallback."""
        p = np.asarray(probabilities)
        chosen = p >= self.thresholds
        empty = ~chosen.any(axis=1)
        chosen[np.flatnonzero(empty), p[empty].argmax(axis=1)] = True
        return chosen

    def classify(self, text: str, embedding: np.ndarray) -> list[tuple[str, float]]:
        """Return the chosen (label, probability) pairs of one text, most probable first."""
        p = self.probabilities([text], embedding)
        chosen = self.decide(p)[0]
        pairs = [(self.labels[i], float(p[0, i])) for i in np.flatnonzero(chosen)]
        return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))

    def to_bytes(self) -> bytes:
        return npz_bytes(
            format_version=np.array(FORMAT_VERSION, dtype=np.int32),
            labels=np.array(self.labels, dtype=np.str_),
            vocabulary=np.array(self.vocabulary, dtype=np.str_),
            idf=self.idf.astype(np.float32),
            term_weights=self.term_weights.astype(np.float16),
            embedding_weights=self.embedding_weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            thresholds=self.thresholds.astype(np.float32),
            credit=np.array(self.credit, dtype=np.str_),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> EmotionClassifier:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                version = int(z["format_version"])
                if version != FORMAT_VERSION:
                    raise ValueError(f"unsupported emotion model format {version}")
                return cls(
                    labels=tuple(str(label) for label in z["labels"]),
                    vocabulary=tuple(str(term) for term in z["vocabulary"]),
                    idf=z["idf"].astype(np.float32),
                    term_weights=z["term_weights"].astype(np.float32),
                    embedding_weights=z["embedding_weights"].astype(np.float32),
                    bias=z["bias"].astype(np.float32),
                    thresholds=z["thresholds"].astype(np.float32),
                    credit=str(z["credit"]),
                )
        except (KeyError, OSError, ValueError, zipfile.BadZipFile) as exc:
            raise ValueError(f"not an emotion model file: {exc}") from exc

    @classmethod
    def load(cls, path: Path | None = None) -> EmotionClassifier:
        return cls.from_bytes((path or model_path()).read_bytes())
