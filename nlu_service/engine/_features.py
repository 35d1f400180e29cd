"""Word and character n-gram TF-IDF features of texts (numpy only at scoring time).

The `hybrid` head (see `_classifier.py`) adds these sparse features to the sentence
embedding, so a head can lean on exact wording ("Apple Pay", "PIN", a product code) and on
words the encoder never saw (languages other than English, slang, spelling slips).

`NgramVocabulary.fit(texts)` learns two blocks of features from the training texts:

- characters: n-grams of 3 to 5 characters inside each lower-cased word padded with a space
  at each end ("pin" -> " pi", "pin", "in ", " pin", "pin ", " pin "), kept when at least
  `char_min_df` texts have them;
- words: lower-cased tokens of two or more letters or digits, and adjacent pairs of them,
  kept when at least `word_min_df` texts have them.

A text's features are, per block, sublinear term frequency (1 + ln count) times the
smoothed inverse document frequency ln((1 + n) / (1 + df)) + 1, L2-normalised within the
block: the same as scikit-learn's `TfidfVectorizer(sublinear_tf=True)` on these analyzers.
Unknown n-grams are ignored; a text with none has an all-zero block.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

CHAR_RANGE = (3, 5)
_WORD = re.compile(r"(?u)\b\w\w+\b")
_SPACE = re.compile(r"\s+")


def char_grams(text: str) -> list[str]:
    """Return the character n-grams (CHAR_RANGE) of each word of `text`, word-boundary padded."""
    out: list[str] = []
    lo, hi = CHAR_RANGE
    for word in _SPACE.split(text.lower()):
        if not word:
            continue
        padded = f" {word} "
        size = len(padded)
        for n in range(lo, hi + 1):
            if n > size:
                break
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


def word_grams(text: str) -> list[str]:
    """Return the word unigrams and bigrams of `text` (tokens of 2+ word characters)."""
    words = _WORD.findall(text.lower())
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


class NgramVocabulary:
    """The learned n-gram columns and their IDF weights; turns texts into sparse rows.

    Columns 0 .. len(char_terms)-1 are character n-grams, the rest word n-grams.
    """

    def __init__(self, char_terms: Sequence[str], word_terms: Sequence[str], idf: Iterable[float]):
        self.char_terms = list(char_terms)
        self.word_terms = list(word_terms)
        self.idf = np.asarray(list(idf) if not isinstance(idf, np.ndarray) else idf, np.float32)
        if len(self.idf) != len(self.char_terms) + len(self.word_terms):
            raise ValueError("n-gram vocabulary and IDF weights differ in length")
        n_char = len(self.char_terms)
        self._char_index = {t: i for i, t in enumerate(self.char_terms)}
        self._word_index = {t: n_char + i for i, t in enumerate(self.word_terms)}
        if len(self._char_index) != n_char or len(self._word_index) != len(self.word_terms):
            raise ValueError("n-gram vocabulary has repeated terms")

    @property
    def size(self) -> int:
        return len(self.idf)

    @property
    def nbytes(self) -> int:
        """Return a rough count of the memory the term lookup holds (Python dicts and strings)."""
        terms = self.char_terms + self.word_terms
        return int(self.idf.nbytes + sum(len(t) for t in terms) + 150 * len(terms))

    @classmethod
    def fit(
        cls, texts: Sequence[str], *, char_min_df: int = 2, word_min_df: int = 1
    ) -> NgramVocabulary:
        """Return the vocabulary of `texts` (n-grams in at least min_df texts each)."""
        n = len(texts)
        char_df: Counter[str] = Counter()
        word_df: Counter[str] = Counter()
        for text in texts:
            char_df.update(set(char_grams(text)))
            word_df.update(set(word_grams(text)))
        chars = sorted(t for t, df in char_df.items() if df >= char_min_df)
        words = sorted(t for t, df in word_df.items() if df >= word_min_df)
        idf = [math.log((1 + n) / (1 + char_df[t])) + 1 for t in chars]
        idf += [math.log((1 + n) / (1 + word_df[t])) + 1 for t in words]
        return cls(chars, words, idf)

    def rows(
        self, texts: Sequence[str]
    ) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]:
        """Return per text its (column indices, values), both blocks L2-normalised."""
        return [self._row(text) for text in texts]

    def _row(self, text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        cols: list[int] = []
        vals: list[float] = []
        for grams, index in (
            (char_grams(text), self._char_index),
            (word_grams(text), self._word_index),
        ):
            counts = Counter(index[g] for g in grams if g in index)
            if not counts:
                continue
            block = sorted(counts)
            weights = np.array(
                [(1.0 + math.log(counts[c])) * float(self.idf[c]) for c in block], np.float64
            )
            weights /= max(float(np.linalg.norm(weights)), 1e-12)
            cols.extend(block)
            vals.extend(weights.tolist())
        return np.asarray(cols, np.int64), np.asarray(vals, np.float32)

    def matrix(self, texts: Sequence[str]) -> Any:
        """Return the features of `texts` as a scipy CSR matrix [len(texts), size] (fitting only)."""
        from scipy import sparse

        indptr = [0]
        indices: list[npt.NDArray[np.int64]] = []
        data: list[npt.NDArray[np.float32]] = []
        for cols, vals in self.rows(texts):
            indices.append(cols)
            data.append(vals)
            indptr.append(indptr[-1] + len(cols))
        return sparse.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0, np.float32),
                np.concatenate(indices) if indices else np.zeros(0, np.int64),
                np.asarray(indptr, np.int64),
            ),
            shape=(len(texts), self.size),
        )

    def scores(
        self, texts: Sequence[str], weights: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """Return features(texts) @ weights.T, [len(texts), weights.shape[0]], with numpy only."""
        out = np.zeros((len(texts), weights.shape[0]), np.float32)
        for r, (cols, vals) in enumerate(self.rows(texts)):
            if len(cols):
                out[r] = weights[:, cols].astype(np.float32) @ vals
        return out
