"""Language routing: one head per language beside the head trained on every language.

Intent classifiers and FAQ matchers whose training samples carry two or more distinct
`lang_code`s train a head per language on that language's samples, plus the
all-languages head on every sample (a sample without a known `lang_code` counts in the
all-languages head only). A language gets a head of its own only when its samples number
at least `MIN_LANGUAGE_SAMPLES` and carry at least two labels; the others fall back to the
all-languages head. Retrieve picks the head of the text's language when the model has one.

    routed, report = train_routed_classifier(encoder, train, test)
    artifact = routed.to_bytes()
    RoutedClassifier.from_bytes(artifact).rank(x, texts=["sawubona"], lang_code="zul")

Artifacts: a model without language heads is stored exactly as its `TextClassifier`
(`to_bytes` gives the plain head's bytes), so single-language models and every artifact
written before routing existed load unchanged. A routed artifact is a compressed npz (no
pickles) holding

- `header`: UTF-8 JSON as uint8, `{"format": "baobab.routed_classifier", "version": 1,
  "languages": ["eng", "zul"]}`;
- `head_all`: the all-languages head's `TextClassifier.to_bytes()` as uint8;
- `head_<code>`: each language head's bytes, one per listed language.

`RoutedClassifier.from_bytes` takes either form; anything else raises ValueError.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from nlu_service.engine._classifier import TextClassifier, read_artifact
from nlu_service.engine._encoder import TextEncoder
from nlu_service.engine._metrics import EvalReport
from nlu_service.engine._training import LabelledText, TrainReport, train_text_classifier

#: The ISO 639-3 codes of the Feersum `lang_code` (the 11 official South African languages).
LANGUAGES: tuple[str, ...] = (
    "eng",
    "afr",
    "nbl",
    "xho",
    "zul",
    "ssw",
    "nso",
    "sot",
    "tsn",
    "ven",
    "tso",
)
#: The fewest samples of one language that train a head of its own.
MIN_LANGUAGE_SAMPLES = 6
FORMAT_NAME = "baobab.routed_classifier"
FORMAT_VERSION = 1
_ALL_HEAD = "head_all"
_HEAD_PREFIX = "head_"


def normalise_lang_code(value: object) -> str | None:
    """Return the lower-case code when `value` names one of `LANGUAGES` (any case), else None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower()
    return code if code in LANGUAGES else None


class RoutedClassifier:
    """The all-languages head and a head per language: picks one per text (numpy only)."""

    def __init__(
        self, default: TextClassifier, heads: Mapping[str, TextClassifier] | None = None
    ) -> None:
        """`default`: the head trained on every sample; `heads`: {lang_code: its own head}.

        Every language head must score the same embeddings (width) and know only labels the
        all-languages head knows; ValueError otherwise.
        """
        self.default = default
        self.heads: dict[str, TextClassifier] = dict(heads or {})
        known = set(default.labels)
        for code, head in self.heads.items():
            if code not in LANGUAGES:
                raise ValueError(f"unknown language {code!r}; known: {', '.join(LANGUAGES)}")
            if head.dim != default.dim:
                raise ValueError(
                    f"the {code} head scores {head.dim}-d embeddings, the all-languages head "
                    f"{default.dim}-d"
                )
            if not set(head.labels) <= known:
                raise ValueError(f"the {code} head has labels the all-languages head lacks")

    def __repr__(self) -> str:
        return f"RoutedClassifier(default={self.default!r}, languages={list(self.languages)})"

    @property
    def labels(self) -> list[str]:
        """Return every label (the all-languages head's)."""
        return self.default.labels

    @property
    def languages(self) -> tuple[str, ...]:
        """Return the languages with a head of their own, sorted."""
        return tuple(sorted(self.heads))

    @property
    def nbytes(self) -> int:
        """Return the memory every loaded head holds together."""
        return self.default.nbytes + sum(head.nbytes for head in self.heads.values())

    def head_for(self, lang_code: str | None) -> tuple[str | None, TextClassifier]:
        """Return (language, head) for a text of `lang_code`: its own head, else (None, all)."""
        code = normalise_lang_code(lang_code)
        if code is not None and code in self.heads:
            return code, self.heads[code]
        return None, self.default

    def rank(
        self,
        embeddings: npt.ArrayLike,
        temperature: float | None = None,
        threshold: float | None = None,
        *,
        texts: Sequence[str] | None = None,
        lang_code: str | None = None,
    ) -> list[list[tuple[str, float]]]:
        """Return `TextClassifier.rank` of the head `lang_code` picks, for every row.

        The threshold defaults to the picked head's own (each head calibrates its own).
        """
        _, head = self.head_for(lang_code)
        return head.rank(embeddings, temperature, threshold, texts=texts)

    def predict(
        self,
        embeddings: npt.ArrayLike,
        *,
        texts: Sequence[str] | None = None,
        lang_codes: Sequence[str | None] | None = None,
    ) -> list[str]:
        """Return the most probable label per row, each row scored by its language's head."""
        x = np.asarray(embeddings, dtype=np.float32)
        codes = list(lang_codes) if lang_codes is not None else [None] * len(x)
        if len(codes) != len(x):
            raise ValueError(f"{len(x)} embeddings but {len(codes)} language codes")
        if texts is not None and len(texts) != len(x):
            raise ValueError(f"{len(x)} embeddings but {len(texts)} texts")
        out: list[str] = [""] * len(x)
        groups: dict[str | None, list[int]] = {}
        for i, code in enumerate(codes):
            groups.setdefault(self.head_for(code)[0], []).append(i)
        for code, rows in groups.items():
            head = self.heads[code] if code is not None else self.default
            row_texts = None if texts is None else [texts[i] for i in rows]
            for i, label in zip(rows, head.predict(x[rows], texts=row_texts), strict=True):
                out[i] = label
        return out

    # -- persistence ------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Return the artifact: the plain head's bytes without language heads, else the npz."""
        if not self.heads:
            return self.default.to_bytes()
        header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "languages": self.languages}
        arrays: dict[str, Any] = {
            "header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            _ALL_HEAD: np.frombuffer(self.default.to_bytes(), dtype=np.uint8),
        }
        for code in self.languages:
            arrays[_HEAD_PREFIX + code] = np.frombuffer(self.heads[code].to_bytes(), dtype=np.uint8)
        buffer = io.BytesIO()
        # Compressed although the heads' npz bytes are already: stored as is, a head's own
        # end-of-archive record would lie in the bytes, and a truncated routed artifact
        # would read as that plain head.
        np.savez_compressed(buffer, allow_pickle=False, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RoutedClassifier:
        """Return the classifier in a routed or a plain head's artifact; ValueError otherwise."""
        header, arrays = read_artifact(data, "classifier")
        if isinstance(header, dict) and header.get("format") != FORMAT_NAME:
            return cls(TextClassifier.from_bytes(data))
        return cls._from_parts(header, arrays)

    @classmethod
    def _from_parts(cls, header: Any, arrays: dict[str, npt.NDArray[Any]]) -> RoutedClassifier:
        if not isinstance(header, dict):
            raise ValueError("not a routed classifier artifact: bad header")
        if header.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"unsupported routed classifier format version {header.get('version')!r}"
            )
        languages = header.get("languages")
        if (
            not isinstance(languages, list)
            or not languages
            or not all(isinstance(code, str) and code in LANGUAGES for code in languages)
            or len(set(languages)) != len(languages)
        ):
            raise ValueError("routed classifier artifact has an invalid language list")
        expected = {_ALL_HEAD, *(_HEAD_PREFIX + code for code in languages)}
        if set(arrays) != expected:
            raise ValueError(
                f"routed classifier artifact arrays {sorted(arrays)} do not match its languages"
            )
        for name, array in arrays.items():
            if array.dtype != np.uint8 or array.ndim != 1:
                raise ValueError(f"routed classifier artifact array {name} is not bytes")
        default = TextClassifier.from_bytes(arrays[_ALL_HEAD].tobytes())
        heads = {
            code: TextClassifier.from_bytes(arrays[_HEAD_PREFIX + code].tobytes())
            for code in languages
        }
        return cls(default, heads)


# -- training -----------------------------------------------------------------------------


@dataclass
class RoutedTrainReport:
    """What routed training produced, besides the classifier itself.

    `report`: the all-languages head's, except that `training` and `testing` score each
    sample with the head its `lang_code` picks (as a retrieve with that hint would).
    """

    report: TrainReport
    # The report of each language's own head.
    languages: dict[str, TrainReport] = field(default_factory=dict)
    # Languages of the training samples without a head of their own, and why.
    fallbacks: dict[str, str] = field(default_factory=dict)


def language_groups(
    samples: Sequence[LabelledText], min_samples: int = MIN_LANGUAGE_SAMPLES
) -> tuple[dict[str, list[LabelledText]], dict[str, str]]:
    """Return ({language: its samples} for languages that get a head, {language: why not}).

    Nothing is routed (two empty dicts) unless the samples carry two or more distinct
    known `lang_code`s.
    """
    by_language: dict[str, list[LabelledText]] = {}
    for sample in samples:
        code = normalise_lang_code(sample.lang_code)
        if code is not None:
            by_language.setdefault(code, []).append(sample)
    if len(by_language) < 2:
        return {}, {}
    groups: dict[str, list[LabelledText]] = {}
    fallbacks: dict[str, str] = {}
    for code in sorted(by_language):
        group = by_language[code]
        n_labels = len({s.label for s in group})
        if n_labels < 2:
            fallbacks[code] = f"its {len(group)} samples have a single label"
        elif len(group) < min_samples:
            fallbacks[code] = f"{len(group)} samples; a language head needs {min_samples}"
        else:
            groups[code] = group
    return groups, fallbacks


class _EmbeddingMemo:
    """Encodes each distinct text once across the heads trained from the same samples."""

    def __init__(self, encoder: TextEncoder) -> None:
        self._encoder = encoder
        self._known: dict[str, npt.NDArray[np.float32]] = {}

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> npt.NDArray[np.float32]:
        texts = list(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        if missing:
            vectors = np.asarray(self._encoder.encode(missing), dtype=np.float32)
            self._known.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.zeros((0, int(self._encoder.dim)), dtype=np.float32)
        return np.stack([self._known[t] for t in texts])


def train_routed_classifier(
    encoder: TextEncoder,
    train: Sequence[LabelledText],
    test: Sequence[LabelledText] = (),
    algorithm: str | None = None,
    *,
    temperature: float = 1.0,
    threshold: float | None = 0.0,
    validate: bool = False,
    seed: int = 0,
    min_samples: int = MIN_LANGUAGE_SAMPLES,
) -> tuple[RoutedClassifier, RoutedTrainReport]:
    """Return the all-languages head with a head per routed language, and their reports.

    Every head is trained by `train_text_classifier` with the same arguments (so with
    `threshold=None` each calibrates its own threshold). Without routed languages this is
    `train_text_classifier` wrapped. Blocking: async callers run it in a worker thread.
    """
    started = time.perf_counter()
    memo = _EmbeddingMemo(encoder)
    options: dict[str, Any] = dict(
        temperature=temperature, threshold=threshold, validate=validate, seed=seed
    )
    default, report = train_text_classifier(memo, train, test, algorithm, **options)  # type: ignore[arg-type]
    groups, fallbacks = language_groups(train, min_samples)
    heads: dict[str, TextClassifier] = {}
    reports: dict[str, TrainReport] = {}
    for code, group in groups.items():
        tests = [s for s in test if normalise_lang_code(s.lang_code) == code]
        heads[code], reports[code] = train_text_classifier(
            memo,  # type: ignore[arg-type]
            group,
            tests,
            report.algorithm,
            **options,
        )
    routed = RoutedClassifier(default, heads)
    if heads:
        report = replace(
            report,
            training=_routed_evaluation(routed, memo, train),
            testing=_routed_evaluation(routed, memo, test) if test else None,
            seconds=time.perf_counter() - started,
        )
    return routed, RoutedTrainReport(report=report, languages=reports, fallbacks=fallbacks)


def _routed_evaluation(
    routed: RoutedClassifier, memo: _EmbeddingMemo, samples: Sequence[LabelledText]
) -> EvalReport:
    texts = [s.text for s in samples]
    predicted = routed.predict(
        memo.encode(texts), texts=texts, lang_codes=[s.lang_code for s in samples]
    )
    return EvalReport.from_predictions([s.label for s in samples], predicted)
