"""Classifier families: the Feersum operations over the model store, the encoder and hot heads.

One implementation serves text classifiers, intent classifiers and FAQ matchers; a
`ClassifierFamily` says which. The model store keeps everything durable under the family's
model type. Its free `params` object holds what this service owns:

- `threshold`, `temperature`: values set at run time through `POST .../params`,
- `params_revision`: the revision they were set for (`""` before the first training), and
- `lid_model_file`: the language-identification model named at create or through params
  (one of the shipped files, `lid_za`).

Language routing (intent classifiers and FAQ matchers, `family.routes_languages`): a model
trained on samples in two or more languages has a head per language beside the
all-languages head (`engine.RoutedClassifier`). Retrieve uses the head of the request's
`lang_code` hint when it is one of the 11 codes, else of the language `lid_model_file`
identifies; a language without a head of its own, or no language, gets the all-languages
head. A sample's `lang_code` must be one of the 11 codes (any case; stored lower case).

Values set for the current revision override the ones it was trained with; a newer
revision starts from its own trained values (a training request without threshold or
temperature takes the values in effect when it was made).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np

from nlu_service.classifiers.family import ClassifierFamily
from nlu_service.config import Settings
from nlu_service.encoding import BatchingEncoder
from nlu_service.engine import (
    LANGUAGES,
    RoutedClassifier,
    normalise_lang_code,
    tsne_points,
)
from nlu_service.engine.lid import MODEL_FILES, LanguageIdentifier
from nlu_service.labelled_samples import (
    check_sample_count,
    check_string,
    rows_to_add,
    rows_to_delete,
    rows_to_update,
    sample_out,
)
from nlu_service.language_models import check_train_details
from shared import HotModelCache, InvalidInput, ModelStoreClient
from shared.wire import (
    ClassLabelPair,
    LabelledLanguageModel,
    ModelParams,
    ScoredLabel,
    TextInput,
    TrainDetails,
    TsneSample,
    TsneSettings,
    WireModel,
)

log = logging.getLogger("baobab.nlu.classifiers")

DEFAULT_THRESHOLD = 0.0
DEFAULT_TEMPERATURE = 1.0
SampleKind = Literal["training", "testing"]
MATRIX_KINDS: dict[str, SampleKind] = {
    "train": "training",
    "training": "training",
    "test": "testing",
    "testing": "testing",
}
TERMINAL_JOB_STATES = ("succeeded", "failed")
MAX_LID_MODEL_FILE_CHARS = 100


def training_stamp(record: dict[str, Any]) -> str:
    """Return when the current revision was trained, Feersum style; "" while training or untrained."""
    revision = record.get("current_revision")
    if record.get("active_job") or not revision:
        return ""
    created = datetime.fromisoformat(str(revision["created_at"]))
    if created.tzinfo is not None:
        created = created.astimezone(UTC).replace(tzinfo=None)
    return created.strftime("%Y-%m-%d %H:%M:%S.%f")


async def wait_for_job(
    store: ModelStoreClient, settings: Settings, tenant: str, job: dict[str, Any]
) -> dict[str, Any]:
    """Return the job once it is finished, or as it is when the immediate-mode wait runs out."""
    deadline = time.monotonic() + settings.immediate_mode_timeout_s
    while job["state"] not in TERMINAL_JOB_STATES and time.monotonic() < deadline:
        await asyncio.sleep(settings.immediate_mode_poll_s)
        job = await store.get_job(tenant, job["id"])
    return job


def effective_params(record: dict[str, Any]) -> tuple[float, float]:
    """Return the (threshold, temperature) a model answers with now."""
    params = record.get("params") or {}
    revision = record.get("current_revision")
    metrics = (revision or {}).get("metrics") or {}
    own = params.get("params_revision") == (revision["id"] if revision else "")
    threshold = metrics.get("threshold", DEFAULT_THRESHOLD)
    temperature = metrics.get("temperature", DEFAULT_TEMPERATURE)
    if own and params.get("threshold") is not None:
        threshold = params["threshold"]
    if own and params.get("temperature") is not None:
        temperature = params["temperature"]
    return float(threshold), float(temperature)


def head_nbytes(classifier: RoutedClassifier) -> int:
    """Return the memory a loaded head holds (its arrays and any index built from them)."""
    return classifier.nbytes


def threshold_override(record: dict[str, Any]) -> float | None:
    """Return the threshold set through params for the current revision; None if none was."""
    params = record.get("params") or {}
    revision = record.get("current_revision")
    if params.get("params_revision") != (revision["id"] if revision else ""):
        return None
    value = params.get("threshold")
    return None if value is None else float(value)


def retrieve_view(record: dict[str, Any]) -> dict[str, Any]:
    """Return the part of a model record retrieve needs: what the hot cache keeps per model.

    Metrics can be large (the curate index lists every sample's uuid); retrieve reads only
    the trained threshold and temperature.
    """
    revision = record.get("current_revision")
    slim_revision = None
    if revision:
        metrics = revision.get("metrics") or {}
        slim_revision = {
            "id": revision["id"],
            "labels": revision.get("labels") or [],
            "metrics": {k: metrics[k] for k in ("threshold", "temperature") if k in metrics},
        }
    return {
        "id": record["id"],
        "name": record["name"],
        "params": record.get("params") or {},
        "current_revision": slim_revision,
    }


def details_of(family: ClassifierFamily, record: dict[str, Any]) -> WireModel:
    """Return the family's Feersum instance detail of a model record."""
    revision = record.get("current_revision")
    metrics: dict[str, Any] = (revision or {}).get("metrics") or {}
    threshold, temperature = effective_params(record)
    last_job = record.get("last_job")
    error = None
    if last_job and last_job.get("state") == "failed" and not record.get("active_job"):
        error = last_job.get("error") or "training failed"
    fields: dict[str, Any] = dict(
        name=record["name"],
        id=revision["id"] if revision else record["id"],
        long_name=record.get("long_name") or "",
        desc=record.get("desc") or "",
        readonly=bool(record.get("readonly")),
        training_accuracy=metrics.get("training_accuracy"),
        training_f1=metrics.get("training_f1"),
        training_cm=metrics.get("training_cm") or {},
        testing_accuracy=metrics.get("testing_accuracy"),
        testing_f1=metrics.get("testing_f1"),
        testing_cm=metrics.get("testing_cm") or {},
        cm_labels=metrics.get("cm_labels") or {},
        training_stamp=training_stamp(record),
        num_training_samples=int(record.get("num_training_samples") or 0),
        num_testing_samples=int(record.get("num_testing_samples") or 0),
        clsfr_algorithm=metrics.get("clsfr_algorithm"),
        language_model_list=[
            LabelledLanguageModel(**m) for m in metrics.get("language_model_list") or []
        ],
        threshold=threshold,
        temperature=temperature,
        training_error=error,
    )
    fields.update(family.extra_details(metrics))
    return family.detail_schema(**fields)


def _check_threshold(value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InvalidInput(f"threshold must be between 0 and 1, not {value}")


def _check_lid_model_file(value: str | None) -> None:
    if value is not None and not (value.strip() and len(value) <= MAX_LID_MODEL_FILE_CHARS):
        raise InvalidInput(
            f"lid_model_file must be a non-empty name of at most {MAX_LID_MODEL_FILE_CHARS} characters"
        )
    if value is not None and value not in MODEL_FILES:
        raise InvalidInput(
            f"unknown lid_model_file '{value}'; known model files: {', '.join(MODEL_FILES)}"
        )


def _check_lang_codes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the rows with each given `lang_code` in lower case; 400 for one not of the 11."""
    for i, row in enumerate(rows):
        if "lang_code" not in row:
            continue
        code = normalise_lang_code(row["lang_code"])
        if code is None:
            raise InvalidInput(
                f"samples[{i}].lang_code '{row['lang_code']}' is not one of {', '.join(LANGUAGES)}"
            )
        row["lang_code"] = code
    return rows


def _check_temperature(value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value > 0.0):
        raise InvalidInput(f"temperature must be a number greater than 0, not {value}")


class ClassifierService:
    """Every operation of one classifier family, for one verified tenant at a time."""

    def __init__(
        self,
        family: ClassifierFamily,
        store: ModelStoreClient,
        cache: HotModelCache[RoutedClassifier],
        encoder: BatchingEncoder,
        settings: Settings,
        *,
        wake_worker: Callable[[], None] | None = None,
        identifiers: Mapping[str, LanguageIdentifier] | None = None,
    ) -> None:
        """`identifiers`: the loaded language-identification models by file name (`lid_za`)."""
        self.family = family
        self.store = store
        self.cache = cache
        self.encoder = encoder
        self.settings = settings
        self._wake_worker = wake_worker or (lambda: None)
        self.identifiers = dict(identifiers or {})

    # -- input checks -----------------------------------------------------------------

    def _check_text(self, text: object, what: str = "text") -> str:
        return check_string(text, what, self.settings.max_text_chars)

    def _check_count(self, samples: Sequence[object]) -> None:
        check_sample_count(samples, self.settings.max_samples_per_call)

    async def _writable(self, tenant: str, name: str) -> dict[str, Any]:
        """Return the model's record; 400 when it is read-only."""
        record = await self.store.get_model(tenant, self.family.model_type, name)
        if record.get("readonly"):
            raise InvalidInput(
                f"model '{name}' is read-only; set readonly to false through its params first"
            )
        return record

    # -- models -----------------------------------------------------------------------

    async def create(self, tenant: str, details: Any) -> WireModel:
        """Create the model (or restore it from the trash); `details` is the family's create schema."""
        lid_model_file = getattr(details, "lid_model_file", None)
        _check_lid_model_file(lid_model_file)
        record = await self.store.create_model(
            tenant,
            self.family.model_type,
            details.name,
            long_name=details.long_name or "",
            desc=details.desc or "",
            params={"lid_model_file": lid_model_file} if lid_model_file else {},
            load_from_store=details.load_from_store,
            revision_uuid=details.revision_uuid if details.load_from_store else None,
        )
        await self.cache.bump(tenant, self.family.model_type, details.name, model_id=record["id"])
        return details_of(self.family, record)

    async def list_all(self, tenant: str) -> list[WireModel]:
        return [
            details_of(self.family, r)
            for r in await self.store.list_models(tenant, self.family.model_type)
        ]

    async def details(self, tenant: str, name: str) -> WireModel:
        return details_of(
            self.family, await self.store.get_model(tenant, self.family.model_type, name)
        )

    async def trash(self, tenant: str, name: str) -> WireModel:
        record = await self.store.trash_model(tenant, self.family.model_type, name)
        await self.cache.bump(tenant, self.family.model_type, name, model_id=record["id"])
        return details_of(self.family, record)

    async def vaporise(self, tenant: str, name: str) -> WireModel:
        record = await self.store.vaporise_model(tenant, self.family.model_type, name)
        await self.cache.bump(tenant, self.family.model_type, name, model_id=record["id"])
        return details_of(self.family, record)

    # -- samples ----------------------------------------------------------------------

    # Hooks: how the family's wire samples become store rows and back (text samples here).

    async def rows_to_add(self, samples: Sequence[Any]) -> list[dict[str, Any]]:
        """Return the store rows of new samples; 400 on a bad one."""
        return _check_lang_codes(rows_to_add(samples, self.settings.max_text_chars))

    async def rows_to_update(self, samples: Sequence[Any]) -> list[dict[str, Any]]:
        """Return the store rows of changes by uuid; 400 on a bad one."""
        return _check_lang_codes(rows_to_update(samples, self.settings.max_text_chars))

    async def rows_to_delete(self, samples: Sequence[Any]) -> list[dict[str, Any]]:
        """Return the store rows naming samples to delete; 400 when one names nothing."""
        return rows_to_delete(samples)

    def sample_out(self, sample: dict[str, Any]) -> WireModel:
        """Return the wire form of a stored sample."""
        return sample_out(sample)

    async def add_samples(
        self, tenant: str, name: str, kind: SampleKind, samples: Sequence[Any]
    ) -> list[Any]:
        self._check_count(samples)
        rows = await self.rows_to_add(samples)
        await self._writable(tenant, name)
        added = await self.store.add_samples(tenant, self.family.model_type, name, kind, rows)
        return [self.sample_out(s) for s in added]

    async def update_samples(
        self, tenant: str, name: str, kind: SampleKind, samples: Sequence[Any]
    ) -> list[Any]:
        self._check_count(samples)
        rows = await self.rows_to_update(samples)
        await self._writable(tenant, name)
        updated = await self.store.update_samples(tenant, self.family.model_type, name, kind, rows)
        return [self.sample_out(s) for s in updated]

    async def get_samples(
        self, tenant: str, name: str, kind: SampleKind, index: int, length: int | None
    ) -> list[Any]:
        if index < 0 or (length is not None and length < 0):
            raise InvalidInput("index and len must be 0 or more")
        samples = await self.store.get_samples(
            tenant, self.family.model_type, name, kind, index=index, length=length
        )
        return [self.sample_out(s) for s in samples]

    async def delete_samples(
        self, tenant: str, name: str, kind: SampleKind, samples: Sequence[Any]
    ) -> list[Any]:
        self._check_count(samples)
        rows = await self.rows_to_delete(samples)
        await self._writable(tenant, name)
        deleted = await self.store.delete_samples(tenant, self.family.model_type, name, kind, rows)
        return [self.sample_out(s) for s in deleted]

    async def delete_all_samples(self, tenant: str, name: str, kind: SampleKind) -> list[Any]:
        await self._writable(tenant, name)
        deleted = await self.store.delete_all_samples(tenant, self.family.model_type, name, kind)
        return [self.sample_out(s) for s in deleted]

    # -- training ---------------------------------------------------------------------

    async def train(self, tenant: str, name: str, details: TrainDetails) -> WireModel:
        algorithms = self.family.algorithms
        algorithm = details.clsfr_algorithm or self.family.default_algorithm
        if algorithm not in algorithms:
            raise InvalidInput(
                f"unknown clsfr_algorithm '{algorithm}'; known algorithms: {', '.join(algorithms)}"
            )
        _check_temperature(details.temperature)
        _check_threshold(details.threshold)
        check_train_details(details)
        record = await self._writable(tenant, name)
        language_models = [m.model_dump() for m in details.language_model_list or []]
        job = await self._queue_training(
            record,
            algorithm,
            details.threshold,
            details.temperature,
            language_models,
            details.model_dump(mode="json", exclude_none=True),
        )
        if not details.immediate_mode:
            return details_of(
                self.family, await self.store.get_model(tenant, self.family.model_type, name)
            )
        job = await wait_for_job(self.store, self.settings, tenant, job)
        if job["state"] == "failed":
            raise InvalidInput(
                f"training model '{name}' failed: {job.get('error') or 'unknown error'}"
            )
        if job["state"] == "succeeded":
            # The worker bumps too, but only after the store has marked the job done: bump
            # here as well, so a retrieve sent on this answer sees the new revision anywhere.
            await self.cache.bump(tenant, self.family.model_type, name)
        return details_of(
            self.family, await self.store.get_model(tenant, self.family.model_type, name)
        )

    def _check_trainable(self, record: dict[str, Any]) -> None:
        name = record["name"]
        if int(record.get("num_training_samples") or 0) < 1:
            raise InvalidInput(f"model '{name}' has no training samples; add some before training")
        if int(record.get("num_training_labels") or 0) < 2:
            raise InvalidInput(
                f"model '{name}' needs training samples with at least 2 different labels; "
                f"it has {int(record.get('num_training_labels') or 0)}"
            )

    async def _queue_training(
        self,
        record: dict[str, Any],
        algorithm: str,
        threshold: float | None,
        temperature: float | None,
        language_models: list[dict[str, Any]],
        train_details: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        self._check_trainable(record)
        current_threshold, current_temperature = effective_params(record)
        if threshold is None and not self.family.calibrates_threshold:
            threshold = current_threshold
        params = {
            "algorithm": algorithm,
            # None: the worker calibrates the threshold from the training data.
            "threshold": threshold,
            "temperature": current_temperature if temperature is None else temperature,
            "language_model_list": language_models,
            # The request as made, kept with the revision (word manifolds, epochs: accepted, unused).
            "train_details": train_details or {},
        }
        job = await self.store.create_job(
            record["tenant"],
            self.family.model_type,
            record["name"],
            self.family.worker_service,
            params,
        )
        self._wake_worker()
        return job

    async def online_training_samples(
        self, tenant: str, name: str, samples: Sequence[Any]
    ) -> list[Any]:
        added = await self.add_samples(tenant, name, "training", samples)
        record = await self.store.get_model(tenant, self.family.model_type, name)
        active = record.get("active_job")
        if active and active.get("state") == "queued":
            return added  # the queued job reads the samples when it starts
        if int(record.get("num_training_labels") or 0) < 2:
            return added  # nothing trainable yet: the samples wait for more labels
        revision = record.get("current_revision")
        last_params = (record.get("last_job") or {}).get("params") or {}
        metrics = (revision or {}).get("metrics") or {}
        default = self.family.default_algorithm
        algorithm = metrics.get("clsfr_algorithm") or last_params.get("algorithm") or default
        if algorithm not in self.family.algorithms:
            algorithm = default
        await self._queue_training(
            record,
            algorithm,
            None,
            None,
            metrics.get("language_model_list") or [],
            {"clsfr_algorithm": algorithm, "online_training_samples": len(added)},
        )
        return added

    # -- inference --------------------------------------------------------------------

    async def retrieve(self, tenant: str, name: str, text_input: TextInput) -> list[ScoredLabel]:
        text = self._check_text(text_input.text)
        record = await self.cache.resolve(tenant, self.family.model_type, name)
        revision = record.get("current_revision")
        if not revision:
            raise InvalidInput(f"model '{name}' has not been trained")
        routed = await self.cache.head(tenant, record["id"], revision["id"])
        threshold, temperature = effective_params(record)
        if routed.heads:
            embedding, lang_code = await asyncio.gather(
                self.encoder.encode([text]), self._language(record, text, text_input.lang_code)
            )
        else:
            embedding, lang_code = await self.encoder.encode([text]), None
        language, head = routed.head_for(lang_code)
        if language is not None and threshold_override(record) is None:
            # A language head calibrated its own threshold; one set through params applies to all.
            threshold = head.threshold
        # Scoring is CPU work (n-gram features, the scope floor, fuzzy matching): off the loop.
        ranked = await asyncio.to_thread(
            head.rank, embedding, temperature=temperature, threshold=threshold, texts=[text]
        )
        return [ScoredLabel(label=label, probability=float(p)) for label, p in ranked[0]]

    async def _language(self, record: dict[str, Any], text: str, hint: str | None) -> str | None:
        """Return the text's language: the hint when it is one of the 11 codes, else LID's."""
        code = normalise_lang_code(hint)
        if code is not None:
            return code
        identifier = self.identifiers.get((record.get("params") or {}).get("lid_model_file") or "")
        if identifier is None:
            return None
        ranked = await asyncio.to_thread(identifier.rank, text)
        return ranked[0][0] if ranked else None

    async def labels(self, tenant: str, name: str) -> list[str]:
        record = await self.store.get_model(tenant, self.family.model_type, name)
        revision = record.get("current_revision")
        return list(revision.get("labels") or []) if revision else []

    # -- params -----------------------------------------------------------------------

    async def get_params(self, tenant: str, name: str) -> ModelParams:
        record = await self.store.get_model(tenant, self.family.model_type, name)
        threshold, temperature = effective_params(record)
        return ModelParams(
            desc=record.get("desc") or "",
            long_name=record.get("long_name") or "",
            readonly=bool(record.get("readonly")),
            threshold=threshold,
            temperature=temperature,
            lid_model_file=(record.get("params") or {}).get("lid_model_file"),
        )

    async def set_params(self, tenant: str, name: str, params: ModelParams) -> WireModel:
        _check_threshold(params.threshold)
        _check_temperature(params.temperature)
        _check_lid_model_file(params.lid_model_file)
        record = await self.store.get_model(tenant, self.family.model_type, name)
        changes_other = any(
            v is not None
            for v in (
                params.long_name,
                params.desc,
                params.threshold,
                params.temperature,
                params.lid_model_file,
            )
        )
        if record.get("readonly") and params.readonly is not False and changes_other:
            raise InvalidInput(f"model '{name}' is read-only; set readonly to false to change it")
        revision = record.get("current_revision")
        tag = revision["id"] if revision else ""
        overrides: dict[str, Any] = {}
        if params.threshold is not None or params.temperature is not None:
            old = record.get("params") or {}
            stale = old.get("params_revision") != tag
            # A value set for an older revision must not come back to life under this tag.
            overrides = {
                "threshold": params.threshold
                if params.threshold is not None
                else (None if stale else old.get("threshold")),
                "temperature": params.temperature
                if params.temperature is not None
                else (None if stale else old.get("temperature")),
                "params_revision": tag,
            }
        if params.lid_model_file is not None:
            overrides["lid_model_file"] = params.lid_model_file
        updated = await self.store.update_model(
            tenant,
            self.family.model_type,
            name,
            long_name=params.long_name,
            desc=params.desc,
            readonly=params.readonly,
            params=overrides or None,
        )
        await self.cache.bump(tenant, self.family.model_type, name)
        return details_of(self.family, updated)

    # -- curation and t-SNE -----------------------------------------------------------

    async def curate(self, tenant: str, name: str, pair: ClassLabelPair) -> list[Any]:
        kind = MATRIX_KINDS.get(pair.matrix_name)
        if kind is None:
            raise InvalidInput(f"matrix_name must be 'train' or 'test', not '{pair.matrix_name}'")
        record = await self.store.get_model(tenant, self.family.model_type, name)
        revision = record.get("current_revision")
        if not revision:
            return []
        index = ((revision.get("metrics") or {}).get("curate") or {}).get(
            "train" if kind == "training" else "test"
        ) or {}
        wanted = set((index.get(pair.true_label) or {}).get(pair.predicted_label) or [])
        if not wanted:
            return []
        samples = await self.store.get_samples(tenant, self.family.model_type, name, kind)
        return [self.sample_out(s) for s in samples if s.get("uuid") in wanted]

    async def tsne_start(self, tenant: str, name: str, settings: TsneSettings) -> None:
        if settings.n_components not in (2, 3):
            raise InvalidInput(f"n_components must be 2 or 3, not {settings.n_components}")
        if not (math.isfinite(settings.perplexity) and settings.perplexity > 0):
            raise InvalidInput("perplexity must be a number greater than 0")
        if not (math.isfinite(settings.learning_rate) and settings.learning_rate > 0):
            raise InvalidInput("learning_rate must be a number greater than 0")
        samples = await self.store.get_samples(
            tenant,
            self.family.model_type,
            name,
            "training",
            index=0,
            length=self.settings.tsne_max_samples,
        )
        if len(samples) < 2:
            raise InvalidInput(
                f"t-SNE needs at least 2 training samples; model '{name}' has {len(samples)}"
            )
        texts = [s["text"] for s in samples]
        # t-SNE refuses a perplexity of n or more; small models get the largest that works.
        perplexity = min(settings.perplexity, max(1.0, (len(texts) - 1) / 3))

        def compute() -> np.ndarray:
            embeddings = self.encoder.encode_blocking(texts)
            return tsne_points(
                embeddings,
                n_components=settings.n_components,
                perplexity=perplexity,
                learning_rate=settings.learning_rate,
            )

        try:
            points = await asyncio.to_thread(compute)
        except ValueError as exc:
            raise InvalidInput(f"t-SNE could not run with these settings: {exc}") from exc
        out = []
        for s, p in zip(samples, points, strict=True):
            point: dict[str, Any] = {
                "text": s["text"],
                "label": s["label"],
                "x": float(p[0]),
                "y": float(p[1]),
            }
            if settings.n_components == 3:
                point["z"] = float(p[2])
            out.append(point)
        await self.store.put_tsne(tenant, self.family.model_type, name, out)

    async def tsne_get(self, tenant: str, name: str) -> list[TsneSample]:
        record = await self.store.get_model(tenant, self.family.model_type, name)
        return [TsneSample(**p) for p in record.get("tsne") or []]
