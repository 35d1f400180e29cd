"""The hybrid head (embedding + n-gram TF-IDF), its n-gram features, and the scope floor."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from nlu_service.engine import TextClassifier, TrainingDataError
from nlu_service.engine._classifier import SCOPE_MARGIN, SCOPE_PERCENTILE, scope_floor
from nlu_service.engine._features import NgramVocabulary, char_grams, word_grams

# Three isiZulu intents: the encoder knows little isiZulu, the n-grams carry the answer.
ZULU = {
    "greet": ["sawubona mngane", "sanibonani nonke", "sawubona baba", "yebo sawubona"],
    "thanks": ["ngiyabonga kakhulu", "siyabonga mngane", "ngiyabonga baba", "ngiyabonga nonke"],
    "bye": ["hamba kahle mngane", "sala kahle baba", "hamba kahle nonke", "sala kahle"],
}


def zulu_samples() -> tuple[list[str], list[str]]:
    texts = [t for label in ZULU for t in ZULU[label]]
    labels = [label for label in ZULU for _ in ZULU[label]]
    return texts, labels


def blank(n: int, dim: int = 8) -> np.ndarray:
    """Embeddings that say nothing: every row the same unit vector."""
    x = np.zeros((n, dim), dtype=np.float32)
    x[:, 0] = 1.0
    return x


def test_char_and_word_grams() -> None:
    assert char_grams("Pin") == [" pi", "pin", "in ", " pin", "pin ", " pin "]
    assert char_grams("a") == [" a "]
    assert word_grams("My PIN is blocked!") == [
        "my",
        "pin",
        "is",
        "blocked",
        "my pin",
        "pin is",
        "is blocked",
    ]
    assert word_grams("a ?") == []


def test_features_match_scikit_learn_tfidf() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts, _ = zulu_samples()
    vocab = NgramVocabulary.fit(texts, char_min_df=1, word_min_df=1)
    ours = vocab.matrix(texts).toarray()
    n_char = len(vocab.char_terms)
    for block, analyzer, terms in (
        (slice(0, n_char), char_grams, vocab.char_terms),
        (slice(n_char, None), word_grams, vocab.word_terms),
    ):
        reference = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, vocabulary=terms)
        expected = reference.fit_transform(texts).toarray()
        np.testing.assert_allclose(ours[:, block], expected, atol=1e-6)


def test_unknown_grams_are_ignored_and_min_df_prunes() -> None:
    texts, _ = zulu_samples()
    vocab = NgramVocabulary.fit(texts, char_min_df=2, word_min_df=2)
    assert "kakhulu" not in vocab.word_terms  # in one text only
    assert "mngane" in vocab.word_terms
    cols, vals = vocab.rows(["zzzz qqqq"])[0]
    assert len(cols) == 0 and len(vals) == 0
    weights = np.ones((2, vocab.size), dtype=np.float16)
    assert vocab.scores(["zzzz"], weights).tolist() == [[0.0, 0.0]]


def test_vocabulary_refuses_inconsistent_parts() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        NgramVocabulary(["abc"], ["word"], [1.0])
    with pytest.raises(ValueError, match="repeated"):
        NgramVocabulary(["abc", "abc"], [], [1.0, 1.0])


def test_hybrid_learns_from_the_texts_when_embeddings_say_nothing() -> None:
    texts, labels = zulu_samples()
    head = TextClassifier.fit(blank(len(texts)), labels, "hybrid", texts=texts)
    queries = ["sawubona", "ngiyabonga", "hamba kahle"]
    assert head.predict(blank(3), texts=queries) == ["greet", "thanks", "bye"]
    probs = head.probabilities(blank(3), texts=queries)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(TrainingDataError, match="texts"):
        TextClassifier.fit(blank(len(texts)), labels, "hybrid")
    with pytest.raises(ValueError, match="texts"):
        head.predict(blank(3))


def test_hybrid_round_trip_gives_the_same_probabilities() -> None:
    texts, labels = zulu_samples()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((len(texts), 8)).astype(np.float32)
    head = TextClassifier.fit(x, labels, "hybrid", texts=texts, threshold=0.3)
    again = TextClassifier.from_bytes(head.to_bytes())
    assert again.algorithm == "hybrid" and again.labels == head.labels
    assert again.min_similarity == pytest.approx(head.min_similarity)
    queries = ["sawubona nonke", "sala kahle mngane"]
    q = rng.standard_normal((2, 8)).astype(np.float32)
    np.testing.assert_allclose(
        again.probabilities(q, texts=queries), head.probabilities(q, texts=queries), rtol=1e-6
    )
    assert head.nbytes > 0


def _arrays(head: TextClassifier) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    with np.load(io.BytesIO(head.to_bytes()), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays.pop("header").tobytes().decode())
    return arrays, header


def _pack(arrays: dict[str, np.ndarray], header: dict[str, object]) -> bytes:
    buffer = io.BytesIO()
    payload = dict(arrays)
    payload["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(buffer, **payload)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda a, h: a.update(ngram_weights=a["ngram_weights"][:, :-1]),
        lambda a, h: a.update(ngram_chars=np.array([10**6])),
        lambda a, h: a.update(ngram_idf=a["ngram_idf"][:-1]),
        lambda a, h: a.update(ngram_ends=a["ngram_ends"][::-1].copy()),
        lambda a, h: a.update(ngram_terms=np.full_like(a["ngram_terms"], 0xFF)),
        lambda a, h: a.pop("ngram_terms"),
        lambda a, h: a.update(scope_embeddings=a["scope_embeddings"][:, :-1]),
        lambda a, h: a.pop("scope_embeddings"),
        lambda a, h: h.update(min_similarity=2.5),
        lambda a, h: h.update(min_similarity="high"),
        lambda a, h: h.update(min_similarity=None),
    ],
)
def test_corrupt_hybrid_artifacts_are_refused(corrupt) -> None:  # type: ignore[no-untyped-def]
    texts, labels = zulu_samples()
    head = TextClassifier.fit(blank(len(texts)), labels, "hybrid", texts=texts)
    arrays, header = _arrays(head)
    corrupt(arrays, header)
    with pytest.raises(ValueError):
        TextClassifier.from_bytes(_pack(arrays, header))


def test_scope_floor_is_a_low_percentile_of_nearest_neighbour_similarity() -> None:
    rng = np.random.default_rng(1)
    centres = np.eye(16, dtype=np.float32)[:4]
    x = np.concatenate([c + 0.2 * rng.standard_normal((50, 16)) for c in centres])
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    y = np.repeat(np.arange(4), 50)
    floor = scope_floor(x, y, 4)
    assert floor is not None
    prototypes, minimum = floor
    assert prototypes.shape == (4 * 32, 16) and prototypes.dtype == np.float16
    sims = prototypes.astype(np.float32) @ prototypes.astype(np.float32).T
    np.fill_diagonal(sims, -np.inf)
    nearest = sims.max(axis=1)
    assert (nearest < minimum + SCOPE_MARGIN).mean() * 100 <= SCOPE_PERCENTILE + 1
    assert minimum == pytest.approx(
        np.percentile(nearest, SCOPE_PERCENTILE) - SCOPE_MARGIN, abs=1e-3
    )
    # Too few samples to say what in scope looks like: no floor.
    assert scope_floor(x[:4], np.array([0, 0, 1, 1]), 2) is None


def test_rank_rejects_what_is_far_from_every_training_sample_when_a_threshold_is_set() -> None:
    rng = np.random.default_rng(2)
    centres = np.eye(16, dtype=np.float32)[:3]
    x = np.concatenate([c + 0.1 * rng.standard_normal((10, 16)) for c in centres])
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    labels = ["a"] * 10 + ["b"] * 10 + ["c"] * 10
    head = TextClassifier.fit(x, labels, "logistic_regression", threshold=0.01)
    near = x[:1]
    far = np.eye(16, dtype=np.float32)[8:9]  # orthogonal to every training cluster
    assert head.rank(near)[0] and head.rank(near)[0][0][0] == "a"
    assert head.nearest_similarity(far)[0] < (head.min_similarity or 0)
    assert head.rank(far) == [[]]
    # Threshold 0 means "return every label": the floor does not apply.
    assert len(head.rank(far, threshold=0.0)[0]) == 3
