"""Runs one classifier training job of any family: samples in, artifact and metrics out."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Any

from nlu_service.classifiers.family import ClassifierFamily
from nlu_service.classifiers.service import DEFAULT_TEMPERATURE, DEFAULT_THRESHOLD
from nlu_service.encoding import BulkEncoderView
from nlu_service.engine import (
    EvalReport,
    LabelledText,
    RoutedTrainReport,
    TrainReport,
    train_routed_classifier,
)
from nlu_service.training.worker import TrainingOutcome
from shared import ModelStoreClient


def _job_threshold(family: ClassifierFamily, params: dict[str, Any]) -> float | None:
    """Return the job's threshold; None (calibrate) only for a calibrating family's job without one."""
    value = params.get("threshold")
    if value is None:
        return None if family.calibrates_threshold else DEFAULT_THRESHOLD
    return float(value)


def sparse_confusion(confusion: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Return the confusion matrix without its zero cells (true -> predicted -> count)."""
    out: dict[str, dict[str, int]] = {}
    for true_label, row in confusion.items():
        cells = {pred: int(n) for pred, n in row.items() if n}
        if cells:
            out[true_label] = cells
    return out


def curate_index(
    samples: Sequence[LabelledText], report: EvalReport | None
) -> dict[str, dict[str, list[str]]]:
    """Return, per confusion-matrix cell, the uuids of the samples that fell in it."""
    index: dict[str, dict[str, list[str]]] = {}
    if report is None:
        return index
    for sample, predicted in zip(samples, report.predictions, strict=True):
        if sample.uuid:
            index.setdefault(sample.label, {}).setdefault(predicted, []).append(sample.uuid)
    return index


def build_metrics(
    report: TrainReport,
    params: dict[str, Any],
    train: Sequence[LabelledText],
    test: Sequence[LabelledText],
) -> dict[str, Any]:
    """Return the metrics stored with a revision: every train_details field plus the curate index."""
    labels = sorted({*report.labels, *(s.label for s in test)})
    testing = report.testing
    validation = report.validation
    calibration = report.calibration
    threshold = params.get("threshold")
    if calibration is not None:
        threshold = calibration.threshold
    metrics: dict[str, Any] = {
        "clsfr_algorithm": report.algorithm,
        "threshold": float(DEFAULT_THRESHOLD if threshold is None else threshold),
        "temperature": float(params.get("temperature", DEFAULT_TEMPERATURE)),
        "language_model_list": list(params.get("language_model_list") or []),
        "training_accuracy": float(report.training.accuracy),
        "training_f1": float(report.training.f1),
        "training_cm": sparse_confusion(report.training.confusion),
        "testing_accuracy": float(testing.accuracy) if testing else None,
        "testing_f1": float(testing.f1) if testing else None,
        "testing_cm": sparse_confusion(testing.confusion) if testing else {},
        "cm_labels": {label: label for label in labels},
        "num_training_samples": len(train),
        "num_testing_samples": len(test),
        "seconds": round(float(report.seconds), 3),
        "train_details": dict(params.get("train_details") or {}),
        "curate": {
            "train": curate_index(train, report.training),
            "test": curate_index(test, testing),
        },
    }
    if validation is not None:
        metrics["validation_accuracy"] = float(validation.accuracy)
        metrics["validation_f1"] = float(validation.f1)
        metrics["validation_cm"] = sparse_confusion(validation.confusion)
    if calibration is not None:
        metrics["threshold_calibration"] = dataclasses.asdict(calibration)
    return metrics


def language_metrics(routed: RoutedTrainReport) -> dict[str, Any]:
    """Return what a routed training adds to the metrics: each language head, each fallback."""
    if not routed.languages and not routed.fallbacks:
        return {}
    heads: dict[str, Any] = {}
    for code, report in routed.languages.items():
        head: dict[str, Any] = {
            "labels": list(report.labels),
            "num_training_samples": report.training.n,
            "training_accuracy": float(report.training.accuracy),
        }
        if report.calibration is not None:
            head["threshold"] = float(report.calibration.threshold)
        if report.validation is not None:
            head["validation_accuracy"] = float(report.validation.accuracy)
        heads[code] = head
    return {"language_heads": heads, "language_fallbacks": dict(routed.fallbacks)}


def _labelled(sample: dict[str, Any], routes: bool) -> LabelledText:
    """Return a stored sample as training input; its language only for a routing family."""
    lang_code = sample.get("lang_code") if routes else None
    return LabelledText(sample["text"], sample["label"], sample.get("uuid"), lang_code)


async def run_classifier_job(
    family: ClassifierFamily,
    store: ModelStoreClient,
    encoder: BulkEncoderView,
    job: dict[str, Any],
) -> TrainingOutcome:
    """Fetch the job's samples (as its tenant), fit the head in a thread, and describe it.

    A family that routes languages trains a head per language as well when the samples
    carry two or more `lang_code`s (`engine.train_routed_classifier`). A job without a threshold (a calibrating family trained without one) calibrates it
    from cross-validation; calibrating families always report cross-validation metrics.
    """
    tenant, name, params = job["tenant"], job["model_name"], job.get("params") or {}
    model_type = family.model_type
    training = await store.get_samples(tenant, model_type, name, "training")
    testing = await store.get_samples(tenant, model_type, name, "testing")
    routes = family.routes_languages
    train = [_labelled(s, routes) for s in training]
    test = [_labelled(s, routes) for s in testing]

    def fit() -> tuple[bytes, RoutedTrainReport]:
        classifier, routed = train_routed_classifier(
            encoder,  # type: ignore[arg-type]  # duck-typed TextEncoder feeding the bulk queue
            train,
            test,
            params.get("algorithm"),
            temperature=float(params.get("temperature", DEFAULT_TEMPERATURE)),
            threshold=_job_threshold(family, params),
            validate=family.calibrates_threshold,
        )
        return classifier.to_bytes(), routed

    artifact, routed = await asyncio.to_thread(fit)
    report: TrainReport = routed.report
    metrics = build_metrics(report, params, train, test)
    metrics.update(language_metrics(routed))
    message = f"{report.algorithm} on {len(train)} training and {len(test)} testing samples"
    if routed.languages:
        message += f"; language heads: {', '.join(sorted(routed.languages))}"
    return TrainingOutcome(
        artifact=artifact, labels=list(report.labels), metrics=metrics, message=message
    )
