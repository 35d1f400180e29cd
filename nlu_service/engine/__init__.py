"""Baobab's text engine: sentence encoder, classifier heads, training and metrics.

A plain library: no web, database or cache code. The retrieve path (`TextEncoder.encode`,
`TextClassifier.from_bytes`, `.rank`) needs only numpy, onnxruntime and tokenizers;
scikit-learn is imported inside fitting and t-SNE only. `RoutedClassifier` holds a head
per language beside the all-languages head (intent classifiers and FAQ matchers).

    encoder = TextEncoder.load(models_dir)
    classifier, report = train_text_classifier(encoder, train, test, "svm")
    artifact = classifier.to_bytes()
    TextClassifier.from_bytes(artifact).rank(encoder.encode(["hello"]), texts=["hello"])

Heads score embeddings; those in `TEXT_ALGORITHMS` also read the texts, so callers pass
`texts=` along with the embeddings everywhere (fit, scores, probabilities, rank, predict).

Errors: `ModelsMissing` (a FileNotFoundError), `UnknownAlgorithm` and `TrainingDataError`
(ValueErrors); corrupt artifacts raise ValueError.
"""

from nlu_service.engine._classifier import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    TEXT_ALGORITHMS,
    TextClassifier,
)
from nlu_service.engine._encoder import TextEncoder
from nlu_service.engine._exceptions import ModelsMissing, TrainingDataError, UnknownAlgorithm
from nlu_service.engine._metrics import EvalReport
from nlu_service.engine._routing import (
    LANGUAGES,
    RoutedClassifier,
    RoutedTrainReport,
    normalise_lang_code,
    train_routed_classifier,
)
from nlu_service.engine._scope import (
    CrossValidation,
    ThresholdCalibration,
    calibrate_threshold,
    cross_validate,
    threshold_floor,
)
from nlu_service.engine._training import (
    LabelledText,
    TrainReport,
    evaluate,
    train_text_classifier,
)
from nlu_service.engine._tsne import tsne_points

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "LANGUAGES",
    "TEXT_ALGORITHMS",
    "CrossValidation",
    "EvalReport",
    "LabelledText",
    "ModelsMissing",
    "RoutedClassifier",
    "RoutedTrainReport",
    "TextClassifier",
    "TextEncoder",
    "ThresholdCalibration",
    "TrainReport",
    "TrainingDataError",
    "UnknownAlgorithm",
    "calibrate_threshold",
    "cross_validate",
    "evaluate",
    "normalise_lang_code",
    "threshold_floor",
    "train_routed_classifier",
    "train_text_classifier",
    "tsne_points",
]
