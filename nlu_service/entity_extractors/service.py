"""CRF and synonym entity extractors: samples with entity spans, trained taggers, retrieve.

Both kinds share one implementation (`EntityExtractorService`, told which by an
`ExtractorKind`). Samples go to the model store with their entity list in the sample's
`entities` (intent in `label`, `""` when absent). Training runs in the NLU training
worker; retrieve loads the revision's artifact through the entity-extractor hot cache and
runs the tagger on a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from nlu_service.classifiers.service import training_stamp, wait_for_job
from nlu_service.config import Settings
from nlu_service.engine.crf import CrfTagger
from nlu_service.engine.synonyms import SynonymMatcher
from nlu_service.entity_extractors.schemas import (
    CrfEntity,
    CrfSample,
    EntityExtractorCreateDetails,
    EntityExtractorInstanceDetail,
    SynonymEntity,
    SynonymSample,
)
from nlu_service.labelled_samples import check_sample_count, rows_to_delete
from nlu_service.records.service import RecordService
from nlu_service.sentiment_detectors.service import check_text
from shared import HotModelCache, InvalidInput, ModelStoreClient, TooLarge
from shared.wire import ModelParams, TextInput, TrainDetails, WireModel

SERVICE = "nlu"
SampleKind = Literal["training", "testing"]
CRF_MODEL_TYPE = "crf_entity_extractor"
SYNONYM_MODEL_TYPE = "synonym_entity_extractor"
MAX_SYNONYMS_PER_ENTITY = 1000


@dataclass(frozen=True)
class ExtractorKind:
    model_type: str
    path: str
    noun: str
    sample_schema: type[CrfSample] | type[SynonymSample]

    @property
    def tag(self) -> str:
        return self.path.rsplit("/", 1)[-1]


CRF = ExtractorKind(
    CRF_MODEL_TYPE, "/nlu/v2/crf_entity_extractors", "crf entity extractor", CrfSample
)
SYNONYM = ExtractorKind(
    SYNONYM_MODEL_TYPE,
    "/nlu/v2/synonym_entity_extractors",
    "synonym entity extractor",
    SynonymSample,
)


def load_extractor(data: bytes) -> CrfTagger | SynonymMatcher:
    """Return the extractor an artifact holds (either kind, told apart by its magic)."""
    if data.startswith(b"BAOBAB-SYN-1\n"):
        return SynonymMatcher.from_bytes(data)
    return CrfTagger.from_bytes(data)


def details_of(record: dict[str, Any]) -> EntityExtractorInstanceDetail:
    revision = record.get("current_revision")
    metrics: dict[str, Any] = (revision or {}).get("metrics") or {}
    last_job = record.get("last_job")
    error = None
    if last_job and last_job.get("state") == "failed" and not record.get("active_job"):
        error = last_job.get("error") or "training failed"
    return EntityExtractorInstanceDetail(
        name=record["name"],
        id=revision["id"] if revision else record["id"],
        long_name=record.get("long_name") or "",
        desc=record.get("desc") or "",
        readonly=bool(record.get("readonly")),
        training_accuracy=metrics.get("training_accuracy"),
        training_f1=metrics.get("training_f1"),
        testing_accuracy=metrics.get("testing_accuracy"),
        testing_f1=metrics.get("testing_f1"),
        training_stamp=training_stamp(record),
        num_training_samples=int(record.get("num_training_samples") or 0),
        num_testing_samples=int(record.get("num_testing_samples") or 0),
        threshold=metrics.get("threshold"),
        training_error=error,
    )


class EntityExtractorService(
    RecordService[EntityExtractorCreateDetails, EntityExtractorInstanceDetail, ModelParams]
):
    """Every operation of one extractor kind, for one verified tenant at a time.

    The model lifecycle (create, list, details, trash, vaporise, params) is `RecordService`'s.
    """

    def __init__(
        self,
        kind: ExtractorKind,
        store: ModelStoreClient,
        cache: HotModelCache[Any],
        settings: Settings,
        *,
        wake_worker: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(store, cache, settings)
        self.kind = kind
        self.model_type = kind.model_type
        self._wake_worker = wake_worker or (lambda: None)

    def details_of(self, record: dict[str, Any]) -> EntityExtractorInstanceDetail:
        return details_of(record)

    # -- samples: wire <-> store ------------------------------------------------------

    def _check_count(self, samples: Sequence[object]) -> None:
        check_sample_count(samples, self.settings.max_samples_per_call)

    def _entities(self, i: int, sample: Any, text: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for j, e in enumerate(sample.entity_list or []):
            where = f"samples[{i}].entity_list[{j}]"
            if not e.entity.strip():
                raise InvalidInput(f"{where}.entity must be a non-empty string")
            item: dict[str, Any] = {"entity": e.entity}
            has_span = e.index is not None or e.len is not None
            if has_span:
                if e.index is None or e.len is None:
                    raise InvalidInput(f"{where}: give both index and len")
                if e.index < 0 or e.len < 1 or e.index + e.len > len(text):
                    raise InvalidInput(
                        f"{where}: the span index={e.index}, len={e.len} is outside the "
                        f"{len(text)}-character text"
                    )
                item["index"], item["len"] = e.index, e.len
            if isinstance(e, SynonymEntity):
                syn_set = [s for s in e.syn_set or [] if isinstance(s, str) and s.strip()]
                if len(syn_set) > MAX_SYNONYMS_PER_ENTITY:
                    raise TooLarge(f"{where}: at most {MAX_SYNONYMS_PER_ENTITY} synonyms")
                if any(len(s) > self.settings.max_text_chars for s in syn_set):
                    raise InvalidInput(f"{where}: a synonym is too long")
                if not syn_set and not has_span:
                    raise InvalidInput(f"{where}: give a syn_set or an index and len")
                if syn_set:
                    item["syn_set"] = syn_set
                for flag in ("ignore_case", "ignore_word_boundaries"):
                    if getattr(e, flag) is not None:
                        item[flag] = getattr(e, flag)
            out.append(item)
        return out

    def _row(self, i: int, sample: Any, *, for_update: bool = False) -> dict[str, Any]:
        text = sample.text
        if text is not None and len(text) > self.settings.max_text_chars:
            raise InvalidInput(
                f"samples[{i}].text is longer than {self.settings.max_text_chars} characters"
            )
        row: dict[str, Any] = {}
        if for_update:
            if not sample.uuid:
                raise InvalidInput(f"samples[{i}].uuid is required to update a sample")
            row["uuid"] = sample.uuid
            if text is not None:
                if not text.strip():
                    raise InvalidInput(f"samples[{i}].text must be a non-empty string")
                row["text"] = text
            if sample.intent:
                row["label"] = sample.intent
            if sample.entity_list is not None:
                if text is None:
                    raise InvalidInput(f"samples[{i}]: give the text with a changed entity_list")
                row["entities"] = self._entities(i, sample, text)
            return row
        entities = self._entities(i, sample, text or "")
        if self.kind is CRF:
            # An utterance without entities is a useful negative example for the tagger.
            if not (text and text.strip()):
                raise InvalidInput(f"samples[{i}].text must be a non-empty string")
        elif not entities:
            raise InvalidInput(f"samples[{i}].entity_list must give at least one synonym entity")
        row = {"text": text or "", "entities": entities}
        if sample.intent:
            row["label"] = sample.intent
        return row

    def sample_out(self, s: dict[str, Any]) -> WireModel:
        text = s.get("text") or ""
        entity_list: list[CrfEntity | SynonymEntity] = []
        for e in s.get("entities") or []:
            fields = dict(e)
            if "index" in e and "len" in e:
                fields["value"] = text[e["index"] : e["index"] + e["len"]]
            if self.kind is CRF:
                entity_list.append(CrfEntity(**fields))
            else:
                entity_list.append(SynonymEntity(**fields))
        schema = self.kind.sample_schema
        return schema(
            text=text,
            intent=s.get("label") or None,
            entity_list=entity_list,  # type: ignore[arg-type]
            uuid=s.get("uuid"),
        )

    async def _writable(self, tenant: str, name: str) -> dict[str, Any]:
        record = await self.store.get_model(tenant, self.model_type, name)
        if record.get("readonly"):
            raise InvalidInput(
                f"model '{name}' is read-only; set readonly to false through its params first"
            )
        return record

    async def add_samples(
        self, tenant: str, name: str, kind: SampleKind, samples: Sequence[Any]
    ) -> list[WireModel]:
        self._check_count(samples)
        rows = [self._row(i, s) for i, s in enumerate(samples)]
        await self._writable(tenant, name)
        added = await self.store.add_samples(tenant, self.model_type, name, kind, rows)
        return [self.sample_out(s) for s in added]

    async def update_samples(
        self, tenant: str, name: str, kind: SampleKind, samples: Sequence[Any]
    ) -> list[WireModel]:
        self._check_count(samples)
        rows = [self._row(i, s, for_update=True) for i, s in enumerate(samples)]
        await self._writable(tenant, name)
        updated = await self.store.update_samples(tenant, self.model_type, name, kind, rows)
        return [self.sample_out(s) for s in updated]

    async def get_samples(
        self, tenant: str, name: str, kind: SampleKind, index: int, length: int | None
    ) -> list[WireModel]:
        if index < 0 or (length is not None and length < 0):
            raise InvalidInput("index and len must be 0 or more")
        samples = await self.store.get_samples(
            tenant, self.model_type, name, kind, index=index, length=length
        )
        return [self.sample_out(s) for s in samples]

    async def delete_samples(
        self, tenant: str, name: str, kind: SampleKind, samples: Sequence[Any]
    ) -> list[WireModel]:
        self._check_count(samples)
        rows = rows_to_delete(samples)
        await self._writable(tenant, name)
        deleted = await self.store.delete_samples(tenant, self.model_type, name, kind, rows)
        return [self.sample_out(s) for s in deleted]

    async def delete_all_samples(self, tenant: str, name: str, kind: SampleKind) -> list[WireModel]:
        await self._writable(tenant, name)
        deleted = await self.store.delete_all_samples(tenant, self.model_type, name, kind)
        return [self.sample_out(s) for s in deleted]

    # -- training and inference -------------------------------------------------------

    async def train(
        self, tenant: str, name: str, details: TrainDetails
    ) -> EntityExtractorInstanceDetail:
        record = await self._writable(tenant, name)
        if int(record.get("num_training_samples") or 0) < 1:
            raise InvalidInput(f"model '{name}' has no training samples; add some before training")
        job = await self.store.create_job(
            tenant,
            self.model_type,
            name,
            SERVICE,
            {"train_details": details.model_dump(mode="json", exclude_none=True)},
        )
        self._wake_worker()
        if details.immediate_mode:
            job = await wait_for_job(self.store, self.settings, tenant, job)
            if job["state"] == "failed":
                raise InvalidInput(
                    f"training model '{name}' failed: {job.get('error') or 'unknown error'}"
                )
            if job["state"] == "succeeded":
                # As for classifiers: a retrieve sent on this answer must see the new revision.
                await self.cache.bump(tenant, self.model_type, name)
        return details_of(await self.store.get_model(tenant, self.model_type, name))

    async def retrieve(self, tenant: str, name: str, text_input: TextInput) -> list[WireModel]:
        text = check_text(text_input.text, self.settings.max_text_chars)
        record = await self.cache.resolve(tenant, self.model_type, name)
        revision = record.get("current_revision")
        if not revision:
            raise InvalidInput(f"model '{name}' has not been trained")
        extractor = await self.cache.head(tenant, record["id"], revision["id"])
        found = await asyncio.to_thread(extractor.extract, text)
        if self.kind is CRF:
            return [CrfEntity(**e) for e in found]
        return [SynonymEntity(**e) for e in found]

    async def labels(self, tenant: str, name: str) -> list[str]:
        record = await self.store.get_model(tenant, self.model_type, name)
        revision = record.get("current_revision")
        return list(revision.get("labels") or []) if revision else []
