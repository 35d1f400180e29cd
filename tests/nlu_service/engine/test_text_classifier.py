"""Classifier heads: accuracy on real intents, calibration, artifacts and bad input."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from nlu_service.engine import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    LabelledText,
    TextClassifier,
    TextEncoder,
    TrainingDataError,
    UnknownAlgorithm,
    train_text_classifier,
)

IntentEmbeddings = tuple[np.ndarray, list[str], np.ndarray, list[str]]


def toy_problem(seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Return three well-separated clusters of unit vectors in 16-d, 10 points each."""
    rng = np.random.default_rng(seed)
    centres = np.eye(16, dtype=np.float32)[:3]
    x = np.concatenate([c + 0.1 * rng.standard_normal((10, 16)) for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), ["red"] * 10 + ["green"] * 10 + ["blue"] * 10


def test_algorithm_names() -> None:
    assert ALGORITHMS == ("logistic_regression", "naive_bayes", "svm", "nearest_neighbour_cosine")
    assert DEFAULT_ALGORITHM == "logistic_regression"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_algorithm_predicts_held_out_paraphrases(
    algorithm: str, intent_embeddings: IntentEmbeddings
) -> None:
    train_x, train_y, test_x, test_y = intent_embeddings
    classifier = TextClassifier.fit(train_x, train_y, algorithm)
    assert classifier.algorithm == algorithm
    assert classifier.labels == sorted(set(train_y))
    predicted = classifier.predict(test_x)
    accuracy = np.mean([p == t for p, t in zip(predicted, test_y, strict=True)])
    assert accuracy >= 0.8, list(zip(predicted, test_y, strict=True))
    # The training set itself is learned.
    assert (
        np.mean([p == t for p, t in zip(classifier.predict(train_x), train_y, strict=True)]) >= 0.95
    )
    probs = classifier.probabilities(test_x)
    assert probs.shape == (len(test_y), 8)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # Probabilities mean something: right answers are confident, on average.
    right = [i for i, (p, t) in enumerate(zip(predicted, test_y, strict=True)) if p == t]
    assert probs[right].max(axis=1).mean() > 0.4


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_toy_problem_gives_confident_probabilities(algorithm: str) -> None:
    x, y = toy_problem()
    classifier = TextClassifier.fit(x, y, algorithm)
    probe, truth = toy_problem(seed=1)
    assert classifier.predict(probe) == truth
    probs = classifier.probabilities(probe)
    assert (probs.max(axis=1) > 0.5).all(), probs.max(axis=1)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_two_labels_give_two_columns(algorithm: str) -> None:
    x, y = toy_problem()
    x, y = x[:20], y[:20]
    classifier = TextClassifier.fit(x, y, algorithm)
    assert classifier.labels == ["green", "red"]
    assert classifier.scores(x).shape == (20, 2)
    assert classifier.probabilities(x).shape == (20, 2)
    assert classifier.predict(x) == y
    assert (classifier.probabilities(x).max(axis=1) > 0.5).all()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_artifact_round_trip_gives_identical_probabilities(
    algorithm: str, intent_embeddings: IntentEmbeddings
) -> None:
    train_x, train_y, test_x, _ = intent_embeddings
    classifier = TextClassifier.fit(train_x, train_y, algorithm, temperature=0.7, threshold=0.05)
    data = classifier.to_bytes()
    assert len(data) < 200_000
    loaded = TextClassifier.from_bytes(data)
    assert (loaded.algorithm, loaded.labels) == (algorithm, classifier.labels)
    assert (loaded.temperature, loaded.threshold) == (0.7, 0.05)
    assert np.array_equal(loaded.probabilities(test_x), classifier.probabilities(test_x))
    assert loaded.rank(test_x) == classifier.rank(test_x)
    # The archive is plain npz with a JSON header: readable without this code.
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        header = json.loads(archive["header"].tobytes())
    assert header["format"] == "baobab.text_classifier"
    assert header["labels"] == classifier.labels


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def _header(**overrides: object) -> np.ndarray:
    header = {
        "format": "baobab.text_classifier",
        "version": 1,
        "algorithm": "logistic_regression",
        "labels": ["a", "b"],
        "temperature": 1.0,
        "threshold": 0.0,
        "scale": 1.0,
        "dim": 3,
    }
    header.update(overrides)
    return np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)


def test_from_bytes_reads_a_hand_written_artifact() -> None:
    data = _npz(header=_header(), weights=np.eye(2, 3, dtype=np.float32), bias=np.zeros(2))
    classifier = TextClassifier.from_bytes(data)
    assert classifier.predict(np.array([[0, 1, 0]], dtype=np.float32)) == ["b"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an artifact at all",
        b"PK\x03\x04" + b"\x00" * 40,
        _npz(weights=np.eye(2, 3), bias=np.zeros(2)),  # no header
        _npz(header=np.frombuffer(b"{not json", dtype=np.uint8), weights=np.eye(2, 3)),
        _npz(header=_header(format="something.else"), weights=np.eye(2, 3), bias=np.zeros(2)),
        _npz(header=_header(version=99), weights=np.eye(2, 3), bias=np.zeros(2)),
        _npz(header=_header(algorithm="mlp"), weights=np.eye(2, 3), bias=np.zeros(2)),
        _npz(header=_header(labels=["a"]), weights=np.eye(1, 3), bias=np.zeros(1)),
        _npz(header=_header(labels=["a", "a"]), weights=np.eye(2, 3), bias=np.zeros(2)),
        _npz(header=_header(), weights=np.eye(3, 3), bias=np.zeros(2)),  # shapes disagree
        _npz(header=_header(), weights=np.eye(2, 3)),  # missing array
        _npz(header=_header(), weights=np.full((2, 3), np.nan), bias=np.zeros(2)),
        _npz(header=_header(temperature=0), weights=np.eye(2, 3), bias=np.zeros(2)),
        _npz(
            header=_header(),
            weights=np.array([[{}, 1, 2], [3, 4, 5]], dtype=object),
            bias=np.zeros(2),
        ),
    ],
)
def test_from_bytes_refuses_corrupt_data(data: bytes) -> None:
    with pytest.raises(ValueError):
        TextClassifier.from_bytes(data)


def test_from_bytes_refuses_a_truncated_artifact(intent_embeddings: IntentEmbeddings) -> None:
    train_x, train_y, _, _ = intent_embeddings
    data = TextClassifier.fit(train_x, train_y).to_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        with pytest.raises(ValueError):
            TextClassifier.from_bytes(data[:cut])


def test_unknown_algorithm_lists_the_known_ones() -> None:
    x, y = toy_problem()
    with pytest.raises(UnknownAlgorithm, match="logistic_regression") as caught:
        TextClassifier.fit(x, y, "random_forest")
    assert isinstance(caught.value, ValueError)
    for name in ALGORITHMS:
        assert name in str(caught.value)


@pytest.mark.parametrize(
    ("embeddings", "labels", "match"),
    [
        (np.zeros((0, 4), dtype=np.float32), [], "no training samples"),
        (np.ones((3, 4), dtype=np.float32), ["a", "a", "a"], "2 distinct labels"),
        (np.ones((3, 4), dtype=np.float32), ["a", "b"], "3 embeddings but 2 labels"),
        (np.ones((2, 4), dtype=np.float32), ["a", ""], "no label"),
    ],
)
def test_training_data_errors(embeddings: np.ndarray, labels: list[str], match: str) -> None:
    with pytest.raises(TrainingDataError, match=match):
        TextClassifier.fit(embeddings, labels)


class _UnusableEncoder(TextEncoder):
    """An encoder that fails if asked to encode: validation must come first."""

    def __init__(self) -> None:
        self.dim, self.max_tokens = 384, 128

    def encode(self, texts, batch_size=32):  # type: ignore[no-untyped-def]
        raise AssertionError("encoded before validating")


@pytest.mark.parametrize(
    ("train", "algorithm", "error"),
    [
        ([LabelledText("hi", "greet"), LabelledText("bye", "leave")], "forest", UnknownAlgorithm),
        ([], None, TrainingDataError),
        ([LabelledText("hi", "greet"), LabelledText("hello", "greet")], None, TrainingDataError),
        ([LabelledText("hi", "greet"), LabelledText("bye", "")], "svm", TrainingDataError),
    ],
)
def test_train_validates_before_encoding(
    train: list[LabelledText], algorithm: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        train_text_classifier(_UnusableEncoder(), train, algorithm=algorithm)


def test_train_text_classifier_reports_training_and_testing(
    encoder: TextEncoder, intent_samples: tuple[list[LabelledText], list[LabelledText]]
) -> None:
    train, test = intent_samples
    classifier, report = train_text_classifier(encoder, train, test, temperature=0.5)
    assert report.algorithm == DEFAULT_ALGORITHM == classifier.algorithm
    assert report.labels == classifier.labels == sorted({s.label for s in train})
    assert classifier.temperature == 0.5
    assert report.training.n == len(train)
    assert report.training.accuracy >= 0.95
    assert report.testing is not None
    assert report.testing.n == len(test)
    assert report.testing.accuracy >= 0.8
    assert len(report.testing.predictions) == len(test)
    assert sum(sum(row.values()) for row in report.testing.confusion.values()) == len(test)
    assert report.seconds > 0
    _, no_test = train_text_classifier(encoder, train, algorithm="naive_bayes")
    assert no_test.testing is None
    assert no_test.algorithm == "naive_bayes"


def test_lower_temperature_sharpens(intent_embeddings: IntentEmbeddings) -> None:
    train_x, train_y, test_x, _ = intent_embeddings
    classifier = TextClassifier.fit(train_x, train_y)
    cold = classifier.probabilities(test_x, temperature=0.25).max(axis=1)
    normal = classifier.probabilities(test_x).max(axis=1)
    hot = classifier.probabilities(test_x, temperature=4.0).max(axis=1)
    assert (cold >= normal).all() and (normal >= hot).all()
    assert cold.mean() > normal.mean() + 0.05 and normal.mean() > hot.mean() + 0.05
    # The ranking itself does not move.
    assert (
        np.argmax(classifier.probabilities(test_x, 0.25), axis=1)
        == np.argmax(classifier.probabilities(test_x, 4.0), axis=1)
    ).all()
    # The classifier's own temperature is the default.
    sharp = TextClassifier.fit(train_x, train_y, temperature=0.25)
    assert np.allclose(sharp.probabilities(test_x).max(axis=1), cold, atol=1e-6)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError):
            classifier.probabilities(test_x, temperature=bad)
    with pytest.raises(ValueError):
        TextClassifier.fit(train_x, train_y, temperature=0)


def test_rank_sorts_and_filters_by_threshold(intent_embeddings: IntentEmbeddings) -> None:
    train_x, train_y, test_x, _ = intent_embeddings
    classifier = TextClassifier.fit(train_x, train_y)
    everything = classifier.rank(test_x)
    assert all(len(row) == 8 for row in everything)
    for row in everything:
        probs = [p for _, p in row]
        assert probs == sorted(probs, reverse=True)
        assert sorted(label for label, _ in row) == classifier.labels
    filtered = classifier.rank(test_x, threshold=0.2)
    for full, row in zip(everything, filtered, strict=True):
        assert row == [pair for pair in full if pair[1] >= 0.2]
    # The classifier's own threshold is the default; nothing passes a threshold of 1.
    strict = TextClassifier.fit(train_x, train_y, threshold=0.2)
    assert strict.rank(test_x) == filtered
    assert all(row == [] for row in classifier.rank(test_x, threshold=1.0))
    with pytest.raises(ValueError):
        classifier.rank(test_x, threshold=1.5)


def test_rank_breaks_ties_by_label() -> None:
    classifier = TextClassifier(
        "logistic_regression",
        ["b", "a", "c"],
        {"weights": np.zeros((3, 2), dtype=np.float32), "bias": np.zeros(3, dtype=np.float32)},
    )
    (row,) = classifier.rank(np.ones((1, 2), dtype=np.float32))
    assert [label for label, _ in row] == ["a", "b", "c"]
    assert all(p == pytest.approx(1 / 3) for _, p in row)


def test_wrong_embedding_width_is_refused(intent_embeddings: IntentEmbeddings) -> None:
    train_x, train_y, _, _ = intent_embeddings
    classifier = TextClassifier.fit(train_x, train_y, "svm")
    with pytest.raises(ValueError, match="384"):
        classifier.scores(np.ones((1, 10), dtype=np.float32))
