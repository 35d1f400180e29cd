"""The generic emotion classifier: a one-vs-rest head over TF-IDF terms and MiniLM embeddings."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from nlu_service.engine import TextEncoder
from nlu_service.engine.emotions import EmotionClassifier, model_path

GOEMOTIONS = (
    "admiration amusement anger annoyance approval caring confusion curiosity desire "
    "disappointment disapproval disgust embarrassment excitement fear gratitude grief joy love "
    "nervousness optimism pride realization relief remorse sadness surprise neutral"
).split()


@pytest.fixture(scope="module")
def model() -> EmotionClassifier:
    return EmotionClassifier.load()


def toy(thresholds: list[float]) -> EmotionClassifier:
    # Two terms and a two-dimensional embedding, three labels.
    return EmotionClassifier(
        ("joy", "anger", "neutral"),
        ("happy", "mad"),
        np.ones(2, dtype=np.float32),
        np.array([[4.0, -4.0, 0.0], [-4.0, 4.0, 0.0]], dtype=np.float32),
        np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]], dtype=np.float32),
        np.zeros(3, dtype=np.float32),
        np.array(thresholds, dtype=np.float32),
    )


def test_the_shipped_model_scores_the_28_goemotions_labels(
    model: EmotionClassifier, encoder: TextEncoder
) -> None:
    assert model.labels == tuple(GOEMOTIONS)
    assert model.dim == encoder.dim
    assert np.all((model.thresholds > 0) & (model.thresholds < 1))
    assert "GoEmotions" in model.credit and "Apache-2.0" in model.credit
    assert model_path().stat().st_size < 1_000_000


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("Thank you so much for your help!", "gratitude"),
        ("I love you so much, my dear.", "love"),
        ("Hahaha that is hilarious, I can't stop laughing", "amusement"),
        ("I am so sorry, that was my fault. I apologise.", "remorse"),
        ("I'm really scared of what will happen tomorrow.", "fear"),
        ("What do you mean? I don't understand.", "confusion"),
    ],
)
def test_clear_emotions_are_recognised(
    model: EmotionClassifier, encoder: TextEncoder, text: str, emotion: str
) -> None:
    ranked = model.classify(text, encoder.encode([text])[0])
    assert ranked[0][0] == emotion, ranked


def test_answers_are_sorted_and_above_their_thresholds(
    model: EmotionClassifier, encoder: TextEncoder
) -> None:
    texts = ["Wow, thanks, I love it!", "The bus leaves at nine.", "This is disgusting and sad."]
    x = encoder.encode(texts)
    p = model.probabilities(texts, x)
    assert p.shape == (3, 28) and np.all((p > 0) & (p < 1))
    for row, text in enumerate(texts):
        ranked = model.classify(text, x[row])
        probs = [prob for _, prob in ranked]
        assert probs == sorted(probs, reverse=True)
        above = [model.labels[i] for i in np.flatnonzero(p[row] >= model.thresholds)]
        assert sorted(label for label, _ in ranked) == sorted(above) or (
            not above and len(ranked) == 1
        ), text
        for label, prob in ranked:
            assert prob == pytest.approx(float(p[row, model.labels.index(label)]), abs=1e-6)


def test_tfidf_is_sublinear_and_l2_normalised() -> None:
    model = toy([0.5, 0.5, 0.5])
    ids, values = model.tfidf("Happy happy HAPPY, mad! (unknown words are ignored)")
    assert ids.tolist() == [0, 1]
    raw = np.array([1 + np.log(3), 1.0])
    np.testing.assert_allclose(values, raw / np.linalg.norm(raw))
    ids, values = model.tfidf("nothing known here")
    assert len(ids) == 0 and len(values) == 0


def test_several_labels_above_their_thresholds_all_answer() -> None:
    model = toy([0.5, 0.5, 0.5])
    ranked = model.classify("happy", np.array([1.0, 0.0]))
    assert [label for label, _ in ranked] == ["joy", "neutral"]
    assert ranked[0][1] == pytest.approx(1 / (1 + np.exp(-4.0)))
    assert ranked[1][1] == pytest.approx(1 / (1 + np.exp(-1.0)))


def test_when_no_label_reaches_its_threshold_the_top_label_answers() -> None:
    model = toy([0.99, 0.99, 0.99])
    ranked = model.classify("mad", np.array([0.0, 0.0]))
    assert len(ranked) == 1 and ranked[0][0] == "anger"
    assert ranked[0][1] < 0.99


def test_a_model_file_round_trips_byte_for_byte(model: EmotionClassifier) -> None:
    data = model.to_bytes()
    again = EmotionClassifier.from_bytes(data)
    assert again.to_bytes() == data
    assert again.labels == model.labels and again.credit == model.credit
    np.testing.assert_array_equal(again.term_weights, model.term_weights)
    np.testing.assert_array_equal(again.embedding_weights, model.embedding_weights)
    assert again.vocabulary == model.vocabulary
    np.testing.assert_array_equal(again.thresholds, model.thresholds)
    assert data == model_path().read_bytes()


def test_bad_models_and_inputs_are_refused(model: EmotionClassifier) -> None:
    with pytest.raises(ValueError, match="shape"):
        model.probabilities(["hi"], np.zeros((1, model.dim + 1), dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        model.probabilities(["hi", "there"], np.zeros((1, model.dim), dtype=np.float32))
    with pytest.raises(ValueError, match="not an emotion model"):
        EmotionClassifier.from_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="threshold"):
        toy([0.5, 1.0, 0.5])
    good = toy([0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="distinct"):
        EmotionClassifier(
            ("joy", "joy", "x"),
            good.vocabulary,
            good.idf,
            good.term_weights,
            good.embedding_weights,
            good.bias,
            good.thresholds,
        )
    with pytest.raises(ValueError, match="idf"):
        EmotionClassifier(
            good.labels,
            ("happy",),
            good.idf,
            good.term_weights,
            good.embedding_weights,
            good.bias,
            good.thresholds,
        )


def test_scoring_imports_nothing_heavy() -> None:
    script = (
        "import json, sys, numpy as np\n"
        "from nlu_service.engine.emotions import EmotionClassifier\n"
        "m = EmotionClassifier.load()\n"
        "ranked = m.classify('thank you!', np.zeros(m.dim, dtype=np.float32))\n"
        "print(json.dumps({'top': ranked[0][0], "
        "'modules': sorted({n.split('.')[0] for n in sys.modules})}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["top"] == "gratitude"
    heavy = {"torch", "transformers", "sklearn", "scipy", "fastapi", "sqlalchemy", "redis"}
    assert sorted(heavy & set(report["modules"])) == []
