"""Language routing: a head per language beside the all-languages head (`engine._routing`).

The heads here are logistic regressions over small synthetic embeddings (no encoder): each
text's vector sits near its label's centre, so every head is exact and fast to fit.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Sequence

import numpy as np
import pytest

from nlu_service.engine import (
    LabelledText,
    RoutedClassifier,
    TextClassifier,
    normalise_lang_code,
    train_routed_classifier,
)

DIM = 16
ALGORITHM = "logistic_regression"
CENTRES = {
    label: i for i, label in enumerate(("greeting", "weather", "banking", "thanks", "smalltalk"))
}


def _vector(text: str) -> np.ndarray:
    """Return the text's embedding: its label's centre (first word) plus a little noise."""
    rng = np.random.default_rng(zlib.crc32(text.encode()))
    v = rng.normal(0.0, 0.05, DIM)
    v[CENTRES[text.split()[0]]] += 1.0
    return (v / np.linalg.norm(v)).astype(np.float32)


class StubEncoder:
    """A `TextEncoder` look-alike: `_vector` per text; counts the texts it encodes."""

    dim = DIM

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.encoded += list(texts)
        return np.stack([_vector(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)


def _samples(labels: Sequence[str], lang_code: str | None, n: int = 6) -> list[LabelledText]:
    tag = lang_code or "none"
    return [
        LabelledText(f"{label} {tag} {i}", label, f"{tag}-{label}-{i}", lang_code)
        for label in labels
        for i in range(n)
    ]


def _fit(samples: list[LabelledText]) -> TextClassifier:
    x = np.stack([_vector(s.text) for s in samples])
    return TextClassifier.fit(x, [s.label for s in samples], ALGORITHM)


ENG = ("greeting", "weather", "banking")
ZUL = ("greeting", "weather", "thanks")


@pytest.fixture(scope="module")
def routed() -> RoutedClassifier:
    eng, zul = _samples(ENG, "eng"), _samples(ZUL, "zul")
    return RoutedClassifier(_fit(eng + zul), {"eng": _fit(eng), "zul": _fit(zul)})


def _labels_of(routed: RoutedClassifier, text: str, lang_code: str | None) -> set[str]:
    ranked = routed.rank(_vector(text)[None, :], threshold=0.0, lang_code=lang_code)[0]
    return {label for label, _ in ranked}


def test_lang_codes_are_the_eleven_in_any_case() -> None:
    assert normalise_lang_code("ZUL") == "zul"
    assert normalise_lang_code(" eng ") == "eng"
    for bad in ("zu", "english", "", None, 5, "xxx"):
        assert normalise_lang_code(bad) is None


def test_the_hint_picks_its_languages_head_else_the_all_languages_head(
    routed: RoutedClassifier,
) -> None:
    assert routed.languages == ("eng", "zul")
    assert sorted(routed.labels) == sorted({*ENG, *ZUL})
    text = "weather zul query"
    assert _labels_of(routed, text, "zul") == set(ZUL)
    assert _labels_of(routed, text, "ZUL") == set(ZUL)
    assert _labels_of(routed, text, "eng") == set(ENG)
    # No hint, a language without its own head, or no language at all: every label.
    for hint in (None, "afr", "klingon"):
        assert _labels_of(routed, text, hint) == {*ENG, *ZUL}, hint
    assert routed.head_for("zul") == ("zul", routed.heads["zul"])
    assert routed.head_for("afr") == (None, routed.default)
    top = routed.rank(_vector("thanks zul x")[None, :], lang_code="zul")[0][0]
    assert top[0] == "thanks"


def test_predict_routes_each_row_by_its_own_language(routed: RoutedClassifier) -> None:
    texts = ["banking a", "thanks b", "banking c"]
    x = np.stack([_vector(t) for t in texts])
    # The zul head knows no "banking": its row gets a zul label instead.
    predicted = routed.predict(x, lang_codes=["eng", "zul", None])
    assert predicted[0] == "banking" and predicted[2] == "banking"
    assert predicted[1] == "thanks"
    assert routed.predict(x[1:2], lang_codes=["eng"]) != ["thanks"]
    with pytest.raises(ValueError):
        routed.predict(x, lang_codes=["eng"])


def test_round_trip_keeps_every_head(routed: RoutedClassifier) -> None:
    again = RoutedClassifier.from_bytes(routed.to_bytes())
    assert again.languages == routed.languages
    assert again.labels == routed.labels
    assert again.nbytes == routed.nbytes
    x = np.stack([_vector(t) for t in ("weather a", "thanks b", "greeting c")])
    for code in (None, "eng", "zul"):
        assert again.rank(x, lang_code=code) == routed.rank(x, lang_code=code)


def test_a_model_without_language_heads_is_stored_as_its_plain_head(
    routed: RoutedClassifier,
) -> None:
    plain = RoutedClassifier(routed.default)
    data = plain.to_bytes()
    assert data == routed.default.to_bytes()
    assert TextClassifier.from_bytes(data).labels == routed.default.labels
    # Loading accepts plain artifacts (every one written before routing existed).
    loaded = RoutedClassifier.from_bytes(routed.default.to_bytes())
    assert loaded.heads == {} and loaded.labels == routed.default.labels


def _pack(arrays: dict[str, np.ndarray], header: object) -> bytes:
    buffer = io.BytesIO()
    encoded = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez_compressed(buffer, allow_pickle=False, header=encoded, **arrays)
    return buffer.getvalue()


def test_corrupt_artifacts_are_refused(routed: RoutedClassifier) -> None:
    data = routed.to_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays.pop("header").tobytes().decode())
    other = _fit(_samples(("banking", "smalltalk"), "afr"))
    bad: list[bytes] = [
        b"",
        b"not an artifact",
        # Cut anywhere, never read as one of the heads inside.
        *(data[:cut] for cut in range(100, len(data), max(1, len(data) // 50))),
        _pack(arrays, {**header, "version": 2}),
        _pack(arrays, {**header, "languages": ["eng"]}),  # an array left over
        _pack(arrays, {**header, "languages": ["eng", "zul", "afr"]}),  # a head missing
        _pack(arrays, {**header, "languages": ["eng", "xx"]}),
        _pack(arrays, {**header, "languages": []}),
        _pack(arrays, [1, 2]),
        _pack({**arrays, "head_zul": arrays["head_zul"][:-40]}, header),
        _pack({**arrays, "head_zul": np.zeros(8, dtype=np.float32)}, header),
        # A language head with a label the all-languages head lacks.
        _pack({**arrays, "head_zul": np.frombuffer(other.to_bytes(), np.uint8)}, header),
    ]
    for i, blob in enumerate(bad):
        with pytest.raises(ValueError):
            RoutedClassifier.from_bytes(blob)
            pytest.fail(f"bad[{i}] loaded")


def test_heads_must_match_the_all_languages_head(routed: RoutedClassifier) -> None:
    narrow = TextClassifier.fit(np.eye(4, 8, dtype=np.float32), ["a", "b", "a", "b"], ALGORITHM)
    with pytest.raises(ValueError, match="embeddings"):
        RoutedClassifier(routed.default, {"eng": narrow})
    with pytest.raises(ValueError, match="unknown language"):
        RoutedClassifier(routed.default, {"en": routed.heads["eng"]})


def test_training_heads_per_language_with_fallbacks() -> None:
    eng, zul = _samples(ENG, "eng"), _samples(ZUL, "ZUL")
    afr_one_label = _samples(("greeting",), "afr", 3)
    xho_too_few = _samples(("greeting", "thanks"), "xho", 2)
    untagged = _samples(("banking",), None, 3)
    train = eng + zul + afr_one_label + xho_too_few + untagged
    test = [LabelledText("thanks zul t", "thanks", None, "zul")]
    encoder = StubEncoder()
    routed, report = train_routed_classifier(
        encoder,  # type: ignore[arg-type]
        train,
        test,
        ALGORITHM,
        threshold=None,
    )
    assert routed.languages == ("eng", "zul")
    assert set(report.fallbacks) == {"afr", "xho"}
    assert "single label" in report.fallbacks["afr"] and "needs 6" in report.fallbacks["xho"]
    # Untagged samples and fallback languages count in the all-languages head only.
    assert sorted(routed.labels) == sorted({*ENG, *ZUL})
    assert sorted(routed.heads["eng"].labels) == sorted(ENG)
    assert sorted(routed.heads["zul"].labels) == sorted(ZUL)
    assert report.languages["zul"].training.n == len(zul)
    assert report.report.training.n == len(train)
    assert report.report.testing is not None and report.report.testing.accuracy == 1.0
    # Each head calibrated its own threshold; each text was encoded once.
    calibration = report.languages["zul"].calibration
    assert calibration is not None and report.languages["eng"].calibration is not None
    assert routed.heads["zul"].threshold == calibration.threshold
    assert sorted(encoder.encoded) == sorted({s.text for s in train + test})


def test_one_language_trains_the_plain_head_only() -> None:
    train = _samples(ENG, "eng") + _samples(("thanks",), None, 6)
    routed, report = train_routed_classifier(
        StubEncoder(),  # type: ignore[arg-type]
        train,
        algorithm=ALGORITHM,
    )
    assert routed.heads == {} and report.languages == {} and report.fallbacks == {}
    assert TextClassifier.from_bytes(routed.to_bytes()).labels == routed.labels
    few = _samples(ENG, "eng") + _samples(ZUL, "zul", 1)
    routed, report = train_routed_classifier(
        StubEncoder(),  # type: ignore[arg-type]
        few,
        algorithm=ALGORITHM,
    )
    assert routed.languages == ("eng",) and set(report.fallbacks) == {"zul"}
