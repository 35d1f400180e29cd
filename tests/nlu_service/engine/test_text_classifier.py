"""Classifier heads: accuracy on real intents, calibration, artifacts and bad input."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from nlu_service.engine import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    TEXT_ALGORITHMS,
    LabelledText,
    TextClassifier,
    TextEncoder,
    TrainingDataError,
    UnknownAlgorithm,
    train_text_classifier,
)

IntentEmbeddings = tuple[np.ndarray, list[str], np.ndarray, list[str]]
Samples = tuple[list[LabelledText], list[LabelledText]]
# The heads that score embeddings alone: they recognise paraphrases.
EMBEDDING_ALGORITHMS = [a for a in ALGORITHMS if a not in TEXT_ALGORITHMS]
# Words of each toy colour: the toy texts are made of their own colour's words only.
TOY_WORDS = {
    "red": ["crimson", "scarlet", "ruby", "cherry"],
    "green": ["emerald", "olive", "lime", "jade"],
    "blue": ["navy", "azure", "cobalt", "sapphire"],
}


def toy_problem(seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Return three well-separated clusters of unit vectors in 16-d, 10 points each."""
    rng = np.random.default_rng(seed)
    centres = np.eye(16, dtype=np.float32)[:3]
    x = np.concatenate([c + 0.1 * rng.standard_normal((10, 16)) for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), ["red"] * 10 + ["green"] * 10 + ["blue"] * 10


def toy_texts(labels: list[str], seed: int = 0) -> list[str]:
    """Return a text per label: two of its colour's words, one letter dropped for seed > 0."""
    rng = np.random.default_rng(seed)
    texts = []
    for label in labels:
        first, second = rng.choice(TOY_WORDS[label], size=2, replace=False)
        text = f"a {first} and {second} thing"
        if seed:
            cut = int(rng.integers(2, len(text) - 1))
            text = text[:cut] + text[cut + 1 :]
        texts.append(text)
    return texts


def texts_of(samples: list[LabelledText]) -> list[str]:
    return [s.text for s in samples]


def test_algorithm_names() -> None:
    assert ALGORITHMS == (
        "logistic_regression",
        "naive_bayes",
        "svm",
        "nearest_neighbour_cosine",
        "nearest_neighbour_l1",
        "nearest_neighbour_fuzzy",
        "fully_connected_neural_net",
        "hybrid",
    )
    assert TEXT_ALGORITHMS == {"nearest_neighbour_fuzzy", "hybrid"}
    assert DEFAULT_ALGORITHM == "hybrid"


@pytest.mark.parametrize("algorithm", EMBEDDING_ALGORITHMS)
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
    classifier = TextClassifier.fit(x, y, algorithm, texts=toy_texts(y))
    probe, truth = toy_problem(seed=1)
    probe_texts = toy_texts(truth, seed=1)
    assert classifier.predict(probe, texts=probe_texts) == truth
    probs = classifier.probabilities(probe, texts=probe_texts)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert (probs.max(axis=1) > 0.5).all(), probs.max(axis=1)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_two_labels_give_two_columns(algorithm: str) -> None:
    x, y = toy_problem()
    x, y = x[:20], y[:20]
    texts = toy_texts(y)
    classifier = TextClassifier.fit(x, y, algorithm, texts=texts)
    assert classifier.labels == ["green", "red"]
    assert classifier.scores(x, texts=texts).shape == (20, 2)
    assert classifier.probabilities(x, texts=texts).shape == (20, 2)
    assert classifier.predict(x, texts=texts) == y
    assert (classifier.probabilities(x, texts=texts).max(axis=1) > 0.5).all()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_artifact_round_trip_gives_identical_probabilities(
    algorithm: str, intent_embeddings: IntentEmbeddings, intent_samples: Samples
) -> None:
    train_x, train_y, test_x, _ = intent_embeddings
    train_texts, test_texts = (texts_of(part) for part in intent_samples)
    classifier = TextClassifier.fit(
        train_x, train_y, algorithm, texts=train_texts, temperature=0.7, threshold=0.05
    )
    data = classifier.to_bytes()
    # The network's [256, 384] float16 hidden layer is most of its 190 kB.
    assert len(data) < (250_000 if algorithm == "fully_connected_neural_net" else 200_000)
    loaded = TextClassifier.from_bytes(data)
    assert (loaded.algorithm, loaded.labels) == (algorithm, classifier.labels)
    assert (loaded.temperature, loaded.threshold) == (0.7, 0.05)
    assert (loaded.scale, loaded.dim) == (classifier.scale, classifier.dim)
    assert np.array_equal(
        loaded.probabilities(test_x, texts=test_texts),
        classifier.probabilities(test_x, texts=test_texts),
    )
    assert loaded.rank(test_x, texts=test_texts) == classifier.rank(test_x, texts=test_texts)
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


def _utf8(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8)


def _mlp(**overrides: np.ndarray | None) -> dict[str, np.ndarray]:
    """Return a valid 3-d, 4-unit, 2-label network's arrays, with some replaced or removed."""
    arrays: dict[str, np.ndarray | None] = {
        "hidden_weights": np.ones((4, 3)),
        "hidden_bias": np.zeros(4),
        "output_weights": np.ones((2, 4)),
        "output_bias": np.zeros(2),
    }
    arrays.update(overrides)
    return {name: a for name, a in arrays.items() if a is not None}


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
        # nearest_neighbour_l1: offsets past the rows, or not starting at 0.
        _npz(header=_header(algorithm="nearest_neighbour_l1"), embeddings=np.eye(2, 3),
             offsets=np.array([0, 2])),
        _npz(header=_header(algorithm="nearest_neighbour_l1"), embeddings=np.eye(2, 3),
             offsets=np.array([1, 1])),
        _npz(header=_header(algorithm="nearest_neighbour_l1"), embeddings=np.ones(3),
             offsets=np.array([0, 1])),
        # nearest_neighbour_fuzzy: ends past the bytes, decreasing, not UTF-8, a bad dim.
        _npz(header=_header(algorithm="nearest_neighbour_fuzzy"), text_bytes=_utf8("hibye"),
             text_ends=np.array([2, 9]), offsets=np.array([0, 1])),
        _npz(header=_header(algorithm="nearest_neighbour_fuzzy"), text_bytes=_utf8("hibye"),
             text_ends=np.array([4, 2, 5]), offsets=np.array([0, 1])),
        _npz(header=_header(algorithm="nearest_neighbour_fuzzy"),
             text_bytes=np.array([0xFF, 0xFE, 0x41], dtype=np.uint8),
             text_ends=np.array([1, 3]), offsets=np.array([0, 1])),
        _npz(header=_header(algorithm="nearest_neighbour_fuzzy"), text_bytes=_utf8("hibye"),
             text_ends=np.array([2, 5]), offsets=np.array([0, 2])),
        _npz(header=_header(algorithm="nearest_neighbour_fuzzy"),
             text_bytes=_utf8("hibye").astype(np.float32),
             text_ends=np.array([2, 5]), offsets=np.array([0, 1])),
        _npz(header=_header(algorithm="nearest_neighbour_fuzzy", dim=0),
             text_bytes=_utf8("hibye"), text_ends=np.array([2, 5]), offsets=np.array([0, 1])),
        _npz(header=_header(algorithm="nearest_neighbour_fuzzy", dim="3"),
             text_bytes=_utf8("hibye"), text_ends=np.array([2, 5]), offsets=np.array([0, 1])),
        _npz(header=_header(algorithm="nearest_neighbour_fuzzy"), text_bytes=_utf8("hibye"),
             offsets=np.array([0, 1])),
        # fully_connected_neural_net: layers that do not chain, or the wrong label count.
        _npz(header=_header(algorithm="fully_connected_neural_net"), **_mlp(hidden_bias=np.zeros(3))),
        _npz(header=_header(algorithm="fully_connected_neural_net"),
             **_mlp(output_weights=np.ones((2, 3)))),
        _npz(header=_header(algorithm="fully_connected_neural_net"),
             **_mlp(output_weights=np.ones((3, 4)), output_bias=np.zeros(3))),
        _npz(header=_header(algorithm="fully_connected_neural_net"),
             **_mlp(hidden_weights=np.full((4, 3), np.inf))),
        _npz(header=_header(algorithm="fully_connected_neural_net"), **_mlp(output_bias=None)),
    ],
)  # fmt: skip
def test_from_bytes_refuses_corrupt_data(data: bytes) -> None:
    with pytest.raises(ValueError):
        TextClassifier.from_bytes(data)


def test_from_bytes_refuses_a_truncated_artifact(intent_embeddings: IntentEmbeddings) -> None:
    train_x, train_y, _, _ = intent_embeddings
    data = TextClassifier.fit(train_x, train_y, "logistic_regression").to_bytes()
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
    classifier = TextClassifier.fit(train_x, train_y, "logistic_regression")
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
    sharp = TextClassifier.fit(train_x, train_y, "logistic_regression", temperature=0.25)
    assert np.allclose(sharp.probabilities(test_x).max(axis=1), cold, atol=1e-6)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError):
            classifier.probabilities(test_x, temperature=bad)
    with pytest.raises(ValueError):
        TextClassifier.fit(train_x, train_y, temperature=0)


def test_rank_sorts_and_filters_by_threshold(intent_embeddings: IntentEmbeddings) -> None:
    train_x, train_y, test_x, _ = intent_embeddings
    classifier = TextClassifier.fit(train_x, train_y, "logistic_regression")
    everything = classifier.rank(test_x)
    assert all(len(row) == 8 for row in everything)
    for row in everything:
        probs = [p for _, p in row]
        assert probs == sorted(probs, reverse=True)
        assert sorted(label for label, _ in row) == classifier.labels
    filtered = classifier.rank(test_x, threshold=0.2)
    assert classifier.min_similarity is not None
    near = classifier.nearest_similarity(test_x)
    for full, row, sim in zip(everything, filtered, near, strict=True):
        in_scope = sim >= classifier.min_similarity
        assert row == ([pair for pair in full if pair[1] >= 0.2] if in_scope else [])
    # The classifier's own threshold is the default; nothing passes a threshold of 1.
    strict = TextClassifier.fit(train_x, train_y, "logistic_regression", threshold=0.2)
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


def test_from_bytes_reads_hand_written_heads_of_the_new_algorithms() -> None:
    # A network whose ReLU matters: x = (2, -1) -> h = (2, 0) -> z = (2, -2).
    network = _npz(
        header=_header(algorithm="fully_connected_neural_net", dim=2),
        hidden_weights=np.eye(2, dtype=np.float16),
        hidden_bias=np.zeros(2, dtype=np.float32),
        output_weights=np.array([[1, -1], [-1, 1]], dtype=np.float32),
        output_bias=np.zeros(2, dtype=np.float32),
    )
    mlp = TextClassifier.from_bytes(network)
    x = np.array([[2, -1], [-1, 3], [-5, -1]], dtype=np.float32)
    assert mlp.scores(x).tolist() == [[2, -2], [-3, 3], [0, 0]]
    assert mlp.predict(x) == ["a", "b", "a"]
    assert mlp.probabilities(x)[2].tolist() == [0.5, 0.5]
    # Fuzzy: texts grouped by label; the embeddings only have to be dim wide.
    fuzzy = TextClassifier.from_bytes(
        _npz(
            header=_header(algorithm="nearest_neighbour_fuzzy", dim=2, scale=1.0),
            text_bytes=_utf8("hellogood morningbye"),
            text_ends=np.array([5, 17, 20]),
            offsets=np.array([0, 2]),
        )
    )
    scores = fuzzy.scores(np.zeros((2, 2)), texts=["Good Morning!", "bye"])
    assert scores.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(ValueError, match="3 columns, the classifier expects 2"):
        fuzzy.scores(np.zeros((1, 3)), texts=["bye"])


def test_l1_scores_are_minus_the_nearest_distance_per_label() -> None:
    x, y = toy_problem()
    classifier = TextClassifier.fit(x, y, "nearest_neighbour_l1")
    probe, _ = toy_problem(seed=1)
    stored = x.astype(np.float16).astype(np.float32)
    labels = np.array(y)
    expected = np.stack(
        [
            -np.abs(probe[:, None, :] - stored[None, labels == name]).sum(axis=2).min(axis=1)
            for name in classifier.labels
        ],
        axis=1,
    )
    assert np.allclose(classifier.scores(probe) / classifier.scale, expected, atol=1e-4)
    # A training row is at distance 0 from itself (float16 storage aside): the best score.
    assert classifier.scores(x[:1]).max() / classifier.scale == pytest.approx(0.0, abs=1e-2)
    assert classifier.predict(x[:1]) == [y[0]]


@pytest.mark.parametrize(
    "algorithm", ["nearest_neighbour_l1", "nearest_neighbour_fuzzy", "fully_connected_neural_net"]
)
def test_new_heads_are_calibrated(
    algorithm: str, intent_embeddings: IntentEmbeddings, intent_samples: Samples
) -> None:
    train_x, train_y, test_x, test_y = intent_embeddings
    train_texts, test_texts = (texts_of(part) for part in intent_samples)
    classifier = TextClassifier.fit(train_x, train_y, algorithm, texts=train_texts)
    # The scale was fitted on held-out scores, not left at a bound or a default.
    assert 0.01 < classifier.scale < 299
    probs = classifier.probabilities(test_x, texts=test_texts)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    right = np.array(classifier.predict(test_x, texts=test_texts)) == np.array(test_y)
    top = probs.max(axis=1)
    # Calibrated: the mean top probability is near the accuracy, and mistakes are less sure.
    assert abs(top.mean() - right.mean()) < 0.2, (top.mean(), right.mean())
    if not right.all():
        assert top[~right].mean() < top[right].mean()


def test_fuzzy_matches_misspelt_training_texts(intent_samples: Samples) -> None:
    train, _ = intent_samples
    texts = texts_of(train)
    labels = [s.label for s in train]
    dummy = np.zeros((len(texts), 4), dtype=np.float32)
    classifier = TextClassifier.fit(dummy, labels, "nearest_neighbour_fuzzy", texts=texts)
    assert classifier.dim == 4
    # An exact training text (any case and punctuation) has similarity 1 to its own label.
    raw = classifier.scores(dummy[:3], texts=[t.upper() + "!!" for t in texts[:3]])
    assert np.allclose(raw.max(axis=1) / classifier.scale, 1.0)
    misspelt = {
        "wat is my acount balanse": "check_balance",
        "book a flite to johannesburg": "book_flight",
        "ordr sushi for diner": "order_food",
        "see yu later": "goodbye",
        "whats the wether like today": "weather",
    }
    queries = list(misspelt)
    probs = classifier.probabilities(np.zeros((len(queries), 4)), texts=queries)
    assert classifier.predict(np.zeros((len(queries), 4)), texts=queries) == list(misspelt.values())
    assert (probs.max(axis=1) > 0.5).all(), probs.max(axis=1)
    # The model's temperature turns similarities into probabilities: lower is sharper.
    cold = classifier.probabilities(np.zeros((len(queries), 4)), 0.25, texts=queries)
    assert (cold.max(axis=1) > probs.max(axis=1)).all()
    # Text that shares nothing with any training text: every label equally likely.
    (flat,) = classifier.probabilities(np.zeros((1, 4)), texts=["qqqq kkkk"])
    assert np.allclose(flat, 1 / 8)


def test_fuzzy_needs_the_texts() -> None:
    x, y = toy_problem()
    with pytest.raises(TrainingDataError, match="texts"):
        TextClassifier.fit(x, y, "nearest_neighbour_fuzzy")
    with pytest.raises(TrainingDataError, match="29 texts but 30"):
        TextClassifier.fit(x, y, "nearest_neighbour_fuzzy", texts=toy_texts(y)[:-1])
    classifier = TextClassifier.fit(x, y, "nearest_neighbour_fuzzy", texts=toy_texts(y))
    for call in (classifier.scores, classifier.probabilities, classifier.rank, classifier.predict):
        with pytest.raises(ValueError, match="texts"):
            call(x[:2])
    with pytest.raises(ValueError, match="1 texts but 2"):
        classifier.rank(x[:2], texts=["red"])
    with pytest.raises(ValueError, match="not one string"):
        classifier.rank(x[:2], texts="ab")
    with pytest.raises(ValueError, match="not a string"):
        classifier.rank(x[:2], texts=["red", 3])  # type: ignore[list-item]


def test_embedding_heads_check_texts_too() -> None:
    x, y = toy_problem()
    with pytest.raises(TrainingDataError, match="2 texts but 30"):
        TextClassifier.fit(x, y, "svm", texts=["a", "b"])
    classifier = TextClassifier.fit(x, y, "svm", texts=toy_texts(y))
    assert classifier.predict(x, texts=toy_texts(y)) == classifier.predict(x)
    with pytest.raises(ValueError, match="1 texts but 30"):
        classifier.predict(x, texts=["a"])


def test_network_stops_early_once_there_are_enough_samples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sklearn.neural_network

    seen: list[bool] = []

    class Recording(sklearn.neural_network.MLPClassifier):
        def fit(self, x, y):  # type: ignore[no-untyped-def]
            seen.append(self.early_stopping)
            return super().fit(x, y)

    monkeypatch.setattr(sklearn.neural_network, "MLPClassifier", Recording)
    rng = np.random.default_rng(0)
    centres = np.eye(16, dtype=np.float32)[:3]
    x = np.concatenate([c + 0.2 * rng.standard_normal((100, 16)) for c in centres])
    y = ["red"] * 100 + ["green"] * 100 + ["blue"] * 100
    big = TextClassifier.fit(x.astype(np.float32), y, "fully_connected_neural_net")
    assert big.arrays["hidden_weights"].shape == (256, 16)
    assert big.arrays["output_weights"].shape == (3, 256)
    assert np.mean(np.array(big.predict(x)) == np.array(y)) > 0.95
    # The final fit and its calibration fold stop early; 30 samples are too few to.
    assert seen == [True, True]
    small, labels = toy_problem()
    TextClassifier.fit(small, labels, "fully_connected_neural_net")
    assert seen[2:] == [False, False]


def test_train_text_classifier_passes_the_texts_on(
    encoder: TextEncoder, intent_samples: Samples
) -> None:
    train, test = intent_samples
    classifier, report = train_text_classifier(
        encoder, train, test, "nearest_neighbour_fuzzy", threshold=None
    )
    assert classifier.algorithm == "nearest_neighbour_fuzzy"
    # Training texts are matched exactly; cross-validation and the threshold ran on texts.
    assert report.training.accuracy == 1.0
    assert report.validation is not None and report.validation.n == len(train)
    assert report.calibration is not None and 0 < classifier.threshold < 1
    assert report.testing is not None and report.testing.n == len(test)


def test_nbytes_counts_the_fuzzy_index_built_at_load(intent_samples: Samples) -> None:
    train, _ = intent_samples
    texts = texts_of(train)
    dummy = np.zeros((len(texts), 4), dtype=np.float32)
    labels = [s.label for s in train]
    fuzzy = TextClassifier.fit(dummy, labels, "nearest_neighbour_fuzzy", texts=texts)
    stored = sum(a.nbytes for a in fuzzy.arrays.values())
    assert fuzzy.nbytes > stored + 100 * 200  # a few hundred distinct trigrams besides the texts
    svm = TextClassifier.fit(dummy + np.eye(len(texts), 4, dtype=np.float32), labels, "svm")
    # Stored arrays, plus the scope prototypes widened to float32 once at load.
    widened = 2 * svm.arrays["scope_embeddings"].nbytes
    assert svm.nbytes == sum(a.nbytes for a in svm.arrays.values()) + widened
