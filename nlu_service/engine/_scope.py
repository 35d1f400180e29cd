"""Cross-validation of a head and the out-of-scope threshold calibrated from it.

Intent classifiers and FAQ matchers answer "no match" (an empty list) when no label's
probability reaches the model's threshold. When training is not given a threshold, one is
calibrated from the training data alone:

1. k-fold cross-validation (stratified, `_folds`) of the same head on the training
   embeddings gives each sample an out-of-fold top probability;
2. the threshold is the `THRESHOLD_PERCENTILE`-th percentile of the top probabilities of
   the samples the held-out head got right, so about that share of correctly matched
   in-scope questions would fall under it (fewer in practice: the final head, trained on
   every sample, is more confident than the fold heads);
3. clamped to [floor, `THRESHOLD_CAP`], where floor = 1/L + (1 - 1/L) / 3 for L labels: an
   answer no more certain than a third of the way from a uniform guess is never accepted,
   and near-certainty is never demanded.

The probability threshold catches questions the model cannot decide between its labels;
questions unlike anything it was trained on are caught by the similarity floor that every
head carries (`scope_floor` in `_classifier.py`), which does most of the rejecting. Hence
the low percentile: measured on banking77 (all data, default head) against hwu64's test
questions, the 5th percentile cost 2.2 points of in-scope answers for 97.9% rejected;
see the README section on intent classifiers for the figures at the 1st.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from nlu_service.engine._classifier import (
    DEFAULT_ALGORITHM,
    TextClassifier,
    _folds,
    check_labels,
)
from nlu_service.engine._metrics import EvalReport

THRESHOLD_PERCENTILE = 1.0
THRESHOLD_CAP = 0.95
CROSS_VALIDATION_FOLDS = 5
CROSS_VALIDATION_MAX_SAMPLES = 4000


@dataclass
class CrossValidation:
    """Out-of-fold results: one entry per held-out sample, in `indices` order."""

    indices: list[int]
    report: EvalReport
    top_probabilities: list[float]
    correct: list[bool] = field(default_factory=list)


@dataclass
class ThresholdCalibration:
    """The calibrated threshold and what it was computed from (stored with the revision)."""

    threshold: float
    percentile: float
    floor: float
    cap: float
    samples: int


def threshold_floor(n_labels: int) -> float:
    """Return the lowest calibrated threshold for `n_labels` labels."""
    uniform = 1.0 / max(n_labels, 1)
    return uniform + (1.0 - uniform) / 3.0


def cross_validate(
    embeddings: npt.ArrayLike,
    labels: Sequence[str],
    algorithm: str = DEFAULT_ALGORITHM,
    *,
    texts: Sequence[str] | None = None,
    temperature: float = 1.0,
    folds: int = CROSS_VALIDATION_FOLDS,
    seed: int = 0,
    max_samples: int = CROSS_VALIDATION_MAX_SAMPLES,
) -> CrossValidation:
    """Return the out-of-fold predictions and top probabilities of `algorithm`'s head.

    A label with a single sample is never held out (its fold head could not know it).
    Large sets are subsampled to `max_samples`, keeping every label. `texts`: the texts
    the embeddings encode (as for `TextClassifier.fit`). Blocking.
    """
    names = check_labels(labels)
    x = np.asarray(embeddings, dtype=np.float32)
    all_texts = None if texts is None else list(texts)
    if all_texts is not None and len(all_texts) != len(labels):
        raise ValueError(f"{len(all_texts)} texts but {len(labels)} labels")

    def texts_at(at: npt.NDArray[np.int64]) -> list[str] | None:
        return None if all_texts is None else [all_texts[int(i)] for i in at]

    index = {name: i for i, name in enumerate(names)}
    y = np.array([index[label] for label in labels], dtype=np.int64)
    rows = np.arange(len(y))
    if len(y) > max_samples:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.permutation(len(y))[:max_samples])
        rows = np.union1d(keep, np.unique(y, return_index=True)[1])
    y_sub = y[rows]
    held_rows: list[int] = []
    truth: list[str] = []
    predicted: list[str] = []
    tops: list[float] = []
    for train_idx, test_idx in _folds(y_sub, seed, folds):
        train_labels = [names[i] for i in y_sub[train_idx]]
        if len(set(train_labels)) < 2:
            continue
        head = TextClassifier.fit(
            x[rows[train_idx]],
            train_labels,
            algorithm,
            texts=texts_at(rows[train_idx]),
            temperature=temperature,
            seed=seed,
        )
        probs = head.probabilities(x[rows[test_idx]], texts=texts_at(rows[test_idx]))
        best = probs.argmax(axis=1)
        for r, b, p in zip(rows[test_idx], best, probs, strict=True):
            held_rows.append(int(r))
            truth.append(names[int(y[r])])
            predicted.append(head.labels[int(b)])
            tops.append(float(p[int(b)]))
    return CrossValidation(
        indices=held_rows,
        report=EvalReport.from_predictions(truth, predicted),
        top_probabilities=tops,
        correct=[t == p for t, p in zip(truth, predicted, strict=True)],
    )


def calibrate_threshold(
    validation: CrossValidation,
    n_labels: int,
    *,
    percentile: float = THRESHOLD_PERCENTILE,
    cap: float = THRESHOLD_CAP,
) -> ThresholdCalibration:
    """Return the out-of-scope threshold for a head with `n_labels` labels (module docstring)."""
    floor = threshold_floor(n_labels)
    right = [
        p for p, ok in zip(validation.top_probabilities, validation.correct, strict=True) if ok
    ]
    value = float(np.percentile(right, percentile)) if right else floor
    threshold = min(max(value, floor), cap)
    return ThresholdCalibration(
        threshold=round(threshold, 4),
        percentile=percentile,
        floor=round(floor, 4),
        cap=cap,
        samples=len(right),
    )
