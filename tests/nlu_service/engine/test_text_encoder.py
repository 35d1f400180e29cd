"""The sentence encoder: shapes, normalisation, order, batching and meaning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlu_service.engine import ModelsMissing, TextEncoder

TEXTS = [
    "hi",
    "what is my balance",
    "book a flight to Durban tomorrow morning",
    "I lost my card, what do I do?",
    "turn off the lights in the kitchen",
    "play some jazz",
    "how much does it cost to send money abroad to my family in Zimbabwe",
    "thanks, bye",
    "",
    "Ek wil graag my rekening nagaan",
]


def test_load_without_models_says_how_to_build_them(tmp_path: Path) -> None:
    with pytest.raises(ModelsMissing, match="make models") as caught:
        TextEncoder.load(tmp_path)
    assert isinstance(caught.value, FileNotFoundError)


def test_load_reads_the_manifest(encoder: TextEncoder) -> None:
    assert encoder.dim == 384
    assert encoder.max_tokens == 128
    assert encoder.manifest["name"] == "all-MiniLM-L6-v2"


def test_encode_gives_unit_float32_rows(encoder: TextEncoder) -> None:
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Different sentences give different vectors.
    assert len({v.tobytes() for v in vectors}) == len(TEXTS)


def test_encode_empty_list(encoder: TextEncoder) -> None:
    assert encoder.encode([]).shape == (0, 384)


def test_encode_refuses_a_bare_string_and_non_strings(encoder: TextEncoder) -> None:
    with pytest.raises(TypeError):
        encoder.encode("hello")
    with pytest.raises(TypeError):
        encoder.encode(["hello", 3])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        encoder.encode(["hello"], batch_size=0)


def test_batch_of_one_is_exactly_the_text_alone(encoder: TextEncoder) -> None:
    alone = np.stack([encoder.encode([t])[0] for t in TEXTS])
    together = encoder.encode(TEXTS, batch_size=1)
    assert np.abs(together - alone).max() < 1e-6
    # Order is kept: the reversed request gives the reversed rows.
    reversed_rows = encoder.encode(TEXTS[::-1], batch_size=1)[::-1]
    assert np.abs(reversed_rows - alone).max() < 1e-6


def test_batched_vectors_stay_close_to_the_text_alone(encoder: TextEncoder) -> None:
    # Dynamic int8 quantizes activations per batch, so batched vectors are close to,
    # not equal to, the text alone (see TextEncoder's docstring).
    alone = np.stack([encoder.encode([t])[0] for t in TEXTS])
    for batch_size in (2, 3, 32):
        batched = encoder.encode(TEXTS, batch_size=batch_size)
        cosines = np.sum(batched * alone, axis=1)
        assert cosines.min() > 0.93, (batch_size, cosines)
        assert cosines.mean() > 0.97, (batch_size, cosines)


def test_batched_rows_come_back_in_input_order(encoder: TextEncoder) -> None:
    forward = encoder.encode(TEXTS)
    backward = encoder.encode(TEXTS[::-1])[::-1]
    # One batch with the same members either way: the same vectors.
    assert np.abs(forward - backward).max() < 1e-4
    # Each row is nearest to its own text encoded alone, never a neighbour's.
    alone = np.stack([encoder.encode([t])[0] for t in TEXTS])
    assert (np.argmax(forward @ alone.T, axis=1) == np.arange(len(TEXTS))).all()


def test_long_texts_are_truncated_not_refused(encoder: TextEncoder) -> None:
    long_text = "please help me with my account " * 200
    vectors = encoder.encode([long_text, "short"])
    assert vectors.shape == (2, 384)
    assert np.isfinite(vectors).all()


def test_paraphrases_are_closer_than_unrelated_sentences(encoder: TextEncoder) -> None:
    a, b, c, d = encoder.encode(
        [
            "how do I reset my password",
            "I forgot my password and need to change it",
            "what will the weather be in Durban on Saturday",
            "is it going to rain in Durban this weekend",
        ]
    )
    assert a @ b > a @ c + 0.3
    assert c @ d > c @ b + 0.3
    assert a @ b > 0.6
