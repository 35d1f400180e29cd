"""Accuracy, macro F1 and confusion, checked against numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from nlu_service.engine import EvalReport, TextClassifier, evaluate


def test_report_matches_hand_computed_metrics() -> None:
    y_true = ["a", "a", "b", "b", "c"]
    y_pred = ["a", "b", "b", "b", "a"]
    report = EvalReport.from_predictions(y_true, y_pred)
    assert report.accuracy == pytest.approx(3 / 5)
    # a: P = 1/2, R = 1/2, F1 = 1/2; b: P = 2/3, R = 1, F1 = 4/5; c: F1 = 0.
    assert report.f1 == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert report.confusion == {"a": {"a": 1, "b": 1}, "b": {"b": 2}, "c": {"a": 1}}
    assert report.predictions == y_pred
    assert report.n == 5


def test_f1_counts_labels_that_were_only_predicted() -> None:
    report = EvalReport.from_predictions(["a", "a"], ["a", "z"])
    # a: P = 1, R = 1/2, F1 = 2/3; z (never true): F1 = 0.
    assert report.f1 == pytest.approx((2 / 3 + 0) / 2)
    assert report.confusion == {"a": {"a": 1, "z": 1}}


def test_empty_report() -> None:
    report = EvalReport.from_predictions([], [])
    assert (report.accuracy, report.f1, report.confusion, report.n) == (0.0, 0.0, {}, 0)


def test_evaluate_runs_the_classifier() -> None:
    # A hand-built linear head: label "x" when the first coordinate wins, "y" otherwise.
    classifier = TextClassifier(
        "logistic_regression",
        ["x", "y"],
        {
            "weights": np.array([[1, 0], [0, 1]], dtype=np.float32),
            "bias": np.zeros(2, dtype=np.float32),
        },
    )
    embeddings = np.array([[1, 0], [0, 1], [0.9, 0.1], [0.2, 0.8]], dtype=np.float32)
    report = evaluate(classifier, embeddings, ["x", "y", "y", "y"])
    assert report.predictions == ["x", "y", "x", "y"]
    assert report.accuracy == pytest.approx(0.75)
    # x: P = 1/2, R = 1, F1 = 2/3; y: P = 1, R = 2/3, F1 = 4/5.
    assert report.f1 == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert report.confusion == {"x": {"x": 1}, "y": {"x": 1, "y": 2}}
    with pytest.raises(ValueError):
        evaluate(classifier, embeddings, ["x"])
