"""Train and evaluate a text classifier end to end: texts in, head and metrics out."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from nlu_service.engine._classifier import (
    DEFAULT_ALGORITHM,
    TextClassifier,
    check_algorithm,
    check_labels,
)
from nlu_service.engine._encoder import TextEncoder
from nlu_service.engine._exceptions import TrainingDataError
from nlu_service.engine._metrics import EvalReport
from nlu_service.engine._scope import ThresholdCalibration, calibrate_threshold, cross_validate


@dataclass
class LabelledText:
    """One training or testing sample."""

    text: str
    label: str
    uuid: str | None = None
    # ISO 639-3 code of the text's language, when known (routes it; see `_routing`).
    lang_code: str | None = None


@dataclass
class TrainReport:
    """What training produced, besides the classifier itself."""

    algorithm: str
    labels: list[str]
    training: EvalReport
    testing: EvalReport | None
    seconds: float
    # Cross-validation on the training set, when asked for (or needed to calibrate).
    validation: EvalReport | None = None
    # How the threshold was calibrated, when training was given none.
    calibration: ThresholdCalibration | None = None


def evaluate(
    classifier: TextClassifier,
    embeddings: npt.ArrayLike,
    labels: Sequence[str],
    *,
    texts: Sequence[str] | None = None,
) -> EvalReport:
    """Return accuracy, macro F1 and confusion of `classifier` on labelled embeddings.

    `texts`: the texts the embeddings encode (heads that read texts need them).
    """
    x = np.asarray(embeddings, dtype=np.float32)
    if len(labels) == 0:
        return EvalReport.from_predictions([], [])
    if x.shape[0] != len(labels):
        raise ValueError(f"{x.shape[0]} embeddings but {len(labels)} labels")
    return EvalReport.from_predictions(list(labels), classifier.predict(x, texts=texts))


def _check_samples(samples: Sequence[Any], what: str) -> None:
    for i, sample in enumerate(samples):
        if not isinstance(sample, LabelledText):
            raise TrainingDataError(f"{what} sample {i} is not a LabelledText")
        if not isinstance(sample.text, str):
            raise TrainingDataError(f"{what} sample {i} has no text")
        if not isinstance(sample.label, str) or not sample.label:
            raise TrainingDataError(f"{what} sample {i} has no label")


def train_text_classifier(
    encoder: TextEncoder,
    train: Sequence[LabelledText],
    test: Sequence[LabelledText] = (),
    algorithm: str | None = None,
    *,
    temperature: float = 1.0,
    threshold: float | None = 0.0,
    validate: bool = False,
    seed: int = 0,
) -> tuple[TextClassifier, TrainReport]:
    """Return a classifier fitted on `train` and its report (with `test` metrics if given).

    `validate` adds cross-validation metrics on the training set; `threshold=None`
    calibrates an out-of-scope threshold from that cross-validation (see `_scope`).
    Everything is validated before any text is encoded, so bad requests fail fast.
    Blocking (encoding and fitting): async callers run it in a worker thread.
    """
    started = time.perf_counter()
    algorithm = check_algorithm(algorithm or DEFAULT_ALGORITHM)
    _check_samples(train, "training")
    _check_samples(test, "testing")
    check_labels([s.label for s in train])

    train_texts = [s.text for s in train]
    train_x = encoder.encode(train_texts)
    train_y = [s.label for s in train]
    validation = calibration = None
    if validate or threshold is None:
        cv = cross_validate(
            train_x, train_y, algorithm, texts=train_texts, temperature=temperature, seed=seed
        )
        validation = cv.report
        if threshold is None:
            calibration = calibrate_threshold(cv, len(set(train_y)))
            threshold = calibration.threshold
    classifier = TextClassifier.fit(
        train_x,
        train_y,
        algorithm,
        texts=train_texts,
        temperature=temperature,
        threshold=threshold,
        seed=seed,
    )
    training = evaluate(classifier, train_x, train_y, texts=train_texts)
    testing = None
    if test:
        test_texts = [s.text for s in test]
        test_x = encoder.encode(test_texts)
        testing = evaluate(classifier, test_x, [s.label for s in test], texts=test_texts)
    report = TrainReport(
        algorithm=algorithm,
        labels=list(classifier.labels),
        training=training,
        testing=testing,
        seconds=time.perf_counter() - started,
        validation=validation,
        calibration=calibration,
    )
    return classifier, report
