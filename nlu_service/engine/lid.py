"""Language identification: character n-grams and a linear model, scored with numpy alone.

A `LanguageIdentifier` is a plain linear model over character n-gram counts: the model
file holds the n-gram vocabulary, an int8 weight matrix (one column per language, one
scale per column), a bias per language and a softmax temperature. `scripts/build_lid_za.py`
trains the shipped `lid_za` file (multinomial naive Bayes, scikit-learn) from the NCHLT
derived `za_lid` data set; scoring here needs numpy only.

    lid = LanguageIdentifier.load(model_path("lid_za"))
    lid.rank("ngiyabonga kakhulu")   # [("zul", 0.97), ("nbl", 0.02), ...]

Texts are normalised as the training data were: lower case, every character that is not
a letter, an apostrophe or a hyphen becomes a space, runs of spaces become one, and the
text is padded with a space at each end so that n-grams see word boundaries.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlu_service.engine._npz import npz_bytes

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The model files that ship with Baobab, by the name the Feersum API uses.
MODEL_FILES: dict[str, str] = {"lid_za": "lid_za.npz"}
FORMAT_VERSION = 1
_SEPARATOR = "\x00"
_NOT_A_LETTER = re.compile(r"[^\w'\-]|[\d_]")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Return the text as the model sees it: lower case, letters only, padded with spaces."""
    cleaned = _SPACES.sub(" ", _NOT_A_LETTER.sub(" ", text.lower())).strip()
    return f" {cleaned} " if cleaned else ""


def char_ngrams(text: str, n_min: int, n_max: int) -> list[str]:
    """Return every character n-gram (n_min <= n <= n_max) of the normalised text, in order."""
    padded = normalise(text)
    grams: list[str] = []
    for n in range(n_min, n_max + 1):
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def model_path(name: str) -> Path:
    """Return the path of a shipped model file; KeyError for a name that is not shipped."""
    return DATA_DIR / MODEL_FILES[name]


@dataclass(frozen=True)
class LanguageIdentifier:
    """Scores texts against a fixed list of languages (ISO 639-3 codes)."""

    labels: tuple[str, ...]
    ngram_range: tuple[int, int]
    vocabulary: Mapping[str, int]
    weights: np.ndarray  # (n_ngrams, n_labels) float32
    bias: np.ndarray  # (n_labels,) float32
    temperature: float = 1.0
    info: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n_labels = len(self.labels)
        if n_labels < 2:
            raise ValueError("a language identifier needs at least two labels")
        if self.weights.shape != (len(self.vocabulary), n_labels):
            raise ValueError(
                f"weights are {self.weights.shape}; expected ({len(self.vocabulary)}, {n_labels})"
            )
        if self.bias.shape != (n_labels,):
            raise ValueError(f"bias is {self.bias.shape}; expected ({n_labels},)")
        if not (np.isfinite(self.temperature) and self.temperature > 0):
            raise ValueError("temperature must be a number greater than 0")
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi:
            raise ValueError(f"bad n-gram range {self.ngram_range}")

    # -- scoring ----------------------------------------------------------------------

    def scores(self, text: str) -> np.ndarray:
        """Return the raw linear score of each label (bias plus summed n-gram weights)."""
        counts = Counter(
            i
            for i in map(self.vocabulary.get, char_ngrams(text, *self.ngram_range))
            if i is not None
        )
        total = self.bias.astype(np.float64)
        if counts:
            rows = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            times = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            total = total + times @ self.weights[rows].astype(np.float64)
        return total

    def probabilities(self, text: str) -> np.ndarray:
        """Return each label's probability (softmax of the scores over the temperature)."""
        z = self.scores(text) / self.temperature
        z -= z.max()
        p: np.ndarray = np.exp(z)
        p /= p.sum()
        return p

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Return (label, probability) pairs, most probable first (ties by label)."""
        p = self.probabilities(text)
        order = sorted(range(len(self.labels)), key=lambda i: (-p[i], self.labels[i]))
        return [(self.labels[i], float(p[i])) for i in order]

    def predict(self, texts: Iterable[str]) -> list[str]:
        """Return the most probable label of each text."""
        return [self.labels[int(np.argmax(self.scores(t)))] for t in texts]

    # -- persistence ------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Return the model file: a compressed npz of plain arrays (int8 weights)."""
        w = np.asarray(self.weights, dtype=np.float32)
        # Centring each row changes every label's score by the same amount: the ranking and
        # the probabilities stay as they were, and the int8 grid gets a narrower range.
        w = w - w.mean(axis=1, keepdims=True)
        scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0
        q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
        ngrams = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        if any(_SEPARATOR in g for g in ngrams):
            raise ValueError("an n-gram holds the separator character")
        return npz_bytes(
            format_version=np.array(FORMAT_VERSION),
            labels=np.array(self.labels),
            ngram_range=np.array(self.ngram_range, dtype=np.int32),
            ngrams=np.frombuffer(_SEPARATOR.join(ngrams).encode("utf-8"), dtype=np.uint8),
            weights=q,
            scale=scale.astype(np.float32),
            bias=np.asarray(self.bias, dtype=np.float32),
            temperature=np.array(self.temperature, dtype=np.float64),
            info_keys=np.array(list(self.info), dtype=str),
            info_values=np.array(list(self.info.values()), dtype=str),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> LanguageIdentifier:
        """Return the identifier stored by `to_bytes`; ValueError when the bytes are not one."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                version = int(z["format_version"])
                if version != FORMAT_VERSION:
                    raise ValueError(f"unsupported LID model format {version}")
                ngrams = bytes(z["ngrams"]).decode("utf-8").split(_SEPARATOR)
                weights = z["weights"].astype(np.float32) * z["scale"].astype(np.float32)
                lo, hi = (int(v) for v in z["ngram_range"])
                return cls(
                    labels=tuple(str(v) for v in z["labels"]),
                    ngram_range=(lo, hi),
                    vocabulary={g: i for i, g in enumerate(ngrams)},
                    weights=weights,
                    bias=z["bias"].astype(np.float32),
                    temperature=float(z["temperature"]),
                    info=dict(
                        zip(map(str, z["info_keys"]), map(str, z["info_values"]), strict=True)
                    ),
                )
        except (KeyError, OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise ValueError(f"not a LID model file: {exc}") from exc

    @classmethod
    def load(cls, path: Path) -> LanguageIdentifier:
        """Return the identifier in the model file at `path`."""
        return cls.from_bytes(Path(path).read_bytes())
