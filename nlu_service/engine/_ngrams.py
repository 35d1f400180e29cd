"""Character n-grams of texts, and approximate string matching on them (numpy only).

`normalise` folds a text to what string matching compares: lower case, accents removed,
every run of characters that are not letters or digits one space, padded with a space at
each end so that word starts and ends make their own n-grams ("Hi!" -> " hi ").

`TrigramIndex` holds the character-trigram multisets of a list of texts as an inverted
index; `similarities` gives the Sørensen-Dice similarity of each query to each indexed
text, 2 |A ∩ B| / (|A| + |B|) over trigram multisets: 1 for texts equal once normalised,
0 for texts that share no trigram. Spelling slips cost a few trigrams each, so "pasword
reset" stays close to "password reset".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_NOT_ALNUM = re.compile(r"[\W_]+")
# Queries are scored in chunks so that no intermediate array passes this many elements.
_CHUNK_ELEMENTS = 4_000_000


def normalise(text: str) -> str:
    """Return the text folded for matching: lower case, no accents, single spaces, padded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = _NOT_ALNUM.sub(" ", bare).strip()
    return f" {cleaned} " if cleaned else ""


def char_ngrams(text: str, n: int = 3) -> list[str]:
    """Return the character n-grams of the normalised text, in order (none if it is empty)."""
    padded = normalise(text)
    return [padded[i : i + n] for i in range(len(padded) - n + 1)]


class TrigramIndex:
    """Character-trigram multisets of some texts, indexed for Dice similarity queries."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        self.vocabulary: dict[str, int] = {}
        grams, owners, counts = [], [], []
        lengths = np.zeros(self.size, dtype=np.float64)
        for i, text in enumerate(texts):
            bag = Counter(char_ngrams(text))
            lengths[i] = sum(bag.values())
            for gram, count in bag.items():
                grams.append(self.vocabulary.setdefault(gram, len(self.vocabulary)))
                owners.append(i)
                counts.append(count)
        gram_ids = np.asarray(grams, dtype=np.int64)
        order = np.argsort(gram_ids, kind="stable")
        # Postings of gram g: positions starts[g] .. starts[g] + sizes[g] of owners/counts.
        self.owners = np.asarray(owners, dtype=np.int64)[order]
        self.counts = np.asarray(counts, dtype=np.float64)[order]
        self.sizes = np.bincount(gram_ids, minlength=len(self.vocabulary)).astype(np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        self.lengths = lengths

    @property
    def nbytes(self) -> int:
        """Return about how much memory the index holds (arrays, and ~100 bytes a trigram)."""
        arrays = (self.owners, self.counts, self.sizes, self.starts, self.lengths)
        return int(sum(a.nbytes for a in arrays)) + 100 * len(self.vocabulary)

    def similarities(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Return the Dice similarity [len(texts), size] of each text to each indexed text."""
        out = np.zeros((len(texts), self.size), dtype=np.float32)
        if self.size == 0 or len(texts) == 0:
            return out
        bags = [self._known_grams(text) for text in texts]
        lengths = np.array([total for _, _, total in bags], dtype=np.float64)
        # Chunks of queries bounded both in output cells and in (query gram, posting) pairs.
        pairs = np.array([int(self.sizes[g].sum()) for g, _, _ in bags], dtype=np.int64)
        start = 0
        while start < len(texts):
            stop, budget = start + 1, pairs[start]
            while (
                stop < len(texts)
                and budget + pairs[stop] <= _CHUNK_ELEMENTS
                and (stop + 1 - start) * self.size <= _CHUNK_ELEMENTS
            ):
                budget += pairs[stop]
                stop += 1
            shared = self._shared_counts(bags[start:stop])
            total = lengths[start:stop, None] + self.lengths[None, :]
            np.divide(2 * shared, total, out=shared, where=total > 0)
            out[start:stop] = np.where(total > 0, shared, 0.0)
            start = stop
        return out

    def _known_grams(self, text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int]:
        """Return the text's trigram ids in the vocabulary, their counts, and its trigram total."""
        bag = Counter(char_ngrams(text))
        known = [(self.vocabulary[g], c) for g, c in bag.items() if g in self.vocabulary]
        ids = np.array([g for g, _ in known], dtype=np.int64)
        counts = np.array([c for _, c in known], dtype=np.float64)
        return ids, counts, sum(bag.values())

    def _shared_counts(
        self, bags: Sequence[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int]]
    ) -> npt.NDArray[np.float64]:
        """Return |A ∩ B| [len(bags), size]: trigrams each query shares with each indexed text."""
        g = np.concatenate([ids for ids, _, _ in bags])
        query_counts = np.concatenate([counts for _, counts, _ in bags])
        queries = np.repeat(np.arange(len(bags)), [len(ids) for ids, _, _ in bags])
        sizes = self.sizes[g]
        # Every (query gram, posting) pair: one ragged range of postings per query gram.
        first = np.repeat(self.starts[g] - (np.cumsum(sizes) - sizes), sizes)
        positions = first + np.arange(int(sizes.sum()))
        common = np.minimum(self.counts[positions], np.repeat(query_counts, sizes))
        cells = np.repeat(queries, sizes) * self.size + self.owners[positions]
        shared = np.bincount(cells, weights=common, minlength=len(bags) * self.size)
        return shared.astype(np.float64).reshape(len(bags), self.size)
