"""Cross-validation and the calibrated out-of-scope threshold."""

from __future__ import annotations

import numpy as np
import pytest

from nlu_service.engine import (
    CrossValidation,
    EvalReport,
    LabelledText,
    TextClassifier,
    TextEncoder,
    calibrate_threshold,
    cross_validate,
    threshold_floor,
    train_text_classifier,
)
from nlu_service.engine._scope import THRESHOLD_PERCENTILE

UNRELATED = [
    "the mitochondria is the powerhouse of the cell",
    "how many legs does a spider have",
    "who painted the mona lisa",
]


def test_floor_sits_a_third_of_the_way_above_a_uniform_guess() -> None:
    assert threshold_floor(2) == pytest.approx(2 / 3)
    assert threshold_floor(4) == pytest.approx(0.25 + 0.75 / 3)
    assert threshold_floor(100) > 1 / 3


def _cv(tops: list[float], correct: list[bool]) -> CrossValidation:
    return CrossValidation(
        indices=list(range(len(tops))),
        report=EvalReport.from_predictions([], []),
        top_probabilities=tops,
        correct=correct,
    )


def test_threshold_is_a_low_percentile_of_right_answers_clamped() -> None:
    tops = [0.6 + 0.004 * i for i in range(100)]
    assert THRESHOLD_PERCENTILE == 1.0
    # Wrong answers do not pull the threshold down.
    cal = calibrate_threshold(_cv([*tops, 0.01, 0.02], [*[True] * 100, False, False]), 10)
    assert cal.threshold == pytest.approx(np.percentile(tops, THRESHOLD_PERCENTILE), abs=1e-4)
    assert cal.samples == 100
    assert calibrate_threshold(_cv([0.2] * 10, [True] * 10), 2).threshold == pytest.approx(
        threshold_floor(2), abs=1e-4
    )
    assert calibrate_threshold(_cv([1.0] * 10, [True] * 10), 2).threshold == 0.95
    assert calibrate_threshold(_cv([0.9], [False]), 3).threshold == pytest.approx(
        threshold_floor(3), abs=1e-4
    )


def test_cross_validation_holds_out_every_sample_of_labels_with_two_or_more(
    intent_embeddings: tuple[np.ndarray, list[str], np.ndarray, list[str]],
) -> None:
    train_x, train_y, _, _ = intent_embeddings
    x = np.concatenate([train_x, train_x[:1]])
    y = [*train_y, "singleton"]
    cv = cross_validate(x, y, "logistic_regression")
    assert sorted(cv.indices) == list(range(len(train_y)))  # the singleton is never held out
    assert cv.report.n == len(train_y) and cv.report.accuracy > 0.8
    assert all(0 < p <= 1 for p in cv.top_probabilities)


def test_calibrated_model_rejects_unrelated_text_and_keeps_in_scope(
    encoder: TextEncoder, intent_samples: tuple[list[LabelledText], list[LabelledText]]
) -> None:
    train, test = intent_samples
    classifier, report = train_text_classifier(encoder, train, test, threshold=None)
    assert report.calibration is not None and report.validation is not None
    assert classifier.threshold == report.calibration.threshold
    assert threshold_floor(len(classifier.labels)) <= classifier.threshold <= 0.95
    test_texts = [s.text for s in test]
    ranked = classifier.rank(encoder.encode(test_texts), texts=test_texts)
    right = sum(bool(r) and r[0][0] == s.label for r, s in zip(ranked, test, strict=True))
    assert right / len(test) >= 0.8
    assert classifier.rank(encoder.encode(UNRELATED), texts=UNRELATED) == [[], [], []]
    # A round trip keeps the threshold; a given threshold is never replaced.
    assert TextClassifier.from_bytes(classifier.to_bytes()).threshold == classifier.threshold
    fixed, fixed_report = train_text_classifier(encoder, train, threshold=0.25)
    assert fixed.threshold == 0.25 and fixed_report.calibration is None
    assert fixed_report.validation is None


def test_cross_validation_hands_each_fold_its_texts(
    intent_samples: tuple[list[LabelledText], list[LabelledText]],
) -> None:
    train, _ = intent_samples
    texts = [s.text for s in train]
    labels = [s.label for s in train]
    # Embeddings that say nothing: only the texts can tell the labels apart.
    blank = np.zeros((len(train), 4), dtype=np.float32)
    # Each text appears twice, under its own label: a held-out copy matches its twin,
    # unless both copies fell in the same fold (chance is 1/8).
    cv = cross_validate(
        np.concatenate([blank, blank]),
        labels + labels,
        "nearest_neighbour_fuzzy",
        texts=texts + texts,
    )
    assert cv.report.n == 2 * len(train) and cv.report.accuracy >= 0.9
    with pytest.raises(ValueError, match="texts"):
        cross_validate(blank, labels, "nearest_neighbour_fuzzy")
    with pytest.raises(ValueError, match="47 texts but 48"):
        cross_validate(blank, labels, "nearest_neighbour_fuzzy", texts=texts[:-1])
