"""Text datasets: labelled samples kept in the model store, with no training.

The model store keeps each dataset as a model of type `text_dataset`; its samples are the
model's `training` samples, so a dataset has the store's sample semantics (insertion
order, a repeated (text, label) is skipped, update by uuid, delete by uuid or text).
A dataset is never trained: it has no revisions, and its `id` is the model's id.
A read-only dataset refuses sample changes until `readonly` is set to false.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from nlu_service.config import Settings
from nlu_service.text_datasets.schemas import TextDatasetCreateDetails, TextDatasetInstanceDetail
from shared import InvalidInput, ModelStoreClient, TooLarge
from shared.wire import LabelledTextSample, ModelParams

MODEL_TYPE = "text_dataset"
KIND = "training"
# `model_params` fields a dataset has; setting any other one is refused rather than ignored.
EDITABLE = ("long_name", "desc", "readonly")


def details_of(record: dict[str, Any]) -> TextDatasetInstanceDetail:
    """Return the Feersum instance detail of a model record."""
    return TextDatasetInstanceDetail(
        name=record["name"],
        id=record["id"],
        long_name=record.get("long_name") or "",
        desc=record.get("desc") or "",
        readonly=bool(record.get("readonly")),
        num_samples=int(record.get("num_training_samples") or 0),
        num_labels=int(record.get("num_training_labels") or 0),
    )


def sample_out(sample: dict[str, Any]) -> LabelledTextSample:
    return LabelledTextSample(
        text=sample.get("text"),
        label=sample.get("label"),
        lang_code=sample.get("lang_code"),
        comment=sample.get("comment"),
        uuid=sample.get("uuid"),
    )


class TextDatasetService:
    """Every text-dataset operation, for one verified tenant at a time."""

    def __init__(self, store: ModelStoreClient, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    # -- input checks -----------------------------------------------------------------

    def _check_string(self, value: object, what: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"{what} must be a non-empty string")
        if len(value) > self.settings.max_text_chars:
            raise InvalidInput(
                f"{what} is {len(value)} characters long; the limit is {self.settings.max_text_chars}"
            )
        return value

    def _check_count(self, samples: Sequence[object]) -> None:
        if not samples:
            raise InvalidInput("the list of samples is empty")
        if len(samples) > self.settings.max_samples_per_call:
            raise TooLarge(
                f"{len(samples)} samples in one call; the limit is {self.settings.max_samples_per_call}"
            )

    async def _writable(self, tenant: str, name: str) -> dict[str, Any]:
        """Return the dataset's record; 400 when it is read-only."""
        record = await self.store.get_model(tenant, MODEL_TYPE, name)
        if record.get("readonly"):
            raise InvalidInput(
                f"text dataset '{name}' is read-only; set readonly to false through its params first"
            )
        return record

    # -- datasets ---------------------------------------------------------------------

    async def create(
        self, tenant: str, details: TextDatasetCreateDetails
    ) -> TextDatasetInstanceDetail:
        record = await self.store.create_model(
            tenant,
            MODEL_TYPE,
            details.name,
            long_name=details.long_name or "",
            desc=details.desc or "",
            load_from_store=details.load_from_store,
            revision_uuid=details.revision_uuid if details.load_from_store else None,
        )
        return details_of(record)

    async def list_all(self, tenant: str) -> list[TextDatasetInstanceDetail]:
        return [details_of(r) for r in await self.store.list_models(tenant, MODEL_TYPE)]

    async def details(self, tenant: str, name: str) -> TextDatasetInstanceDetail:
        return details_of(await self.store.get_model(tenant, MODEL_TYPE, name))

    async def trash(self, tenant: str, name: str) -> TextDatasetInstanceDetail:
        return details_of(await self.store.trash_model(tenant, MODEL_TYPE, name))

    async def vaporise(self, tenant: str, name: str) -> TextDatasetInstanceDetail:
        return details_of(await self.store.vaporise_model(tenant, MODEL_TYPE, name))

    # -- samples ----------------------------------------------------------------------

    async def add_samples(
        self, tenant: str, name: str, samples: Sequence[LabelledTextSample]
    ) -> list[LabelledTextSample]:
        self._check_count(samples)
        rows = []
        for i, s in enumerate(samples):
            row: dict[str, Any] = {
                "text": self._check_string(s.text, f"samples[{i}].text"),
                "label": self._check_string(s.label, f"samples[{i}].label"),
            }
            if s.lang_code is not None:
                row["lang_code"] = s.lang_code
            if s.comment is not None:
                row["comment"] = s.comment
            rows.append(row)
        await self._writable(tenant, name)
        added = await self.store.add_samples(tenant, MODEL_TYPE, name, KIND, rows)
        return [sample_out(s) for s in added]

    async def update_samples(
        self, tenant: str, name: str, samples: Sequence[LabelledTextSample]
    ) -> list[LabelledTextSample]:
        self._check_count(samples)
        rows = []
        for i, s in enumerate(samples):
            if not s.uuid:
                raise InvalidInput(f"samples[{i}].uuid is required to update a sample")
            row: dict[str, Any] = {"uuid": s.uuid}
            if s.text is not None:
                row["text"] = self._check_string(s.text, f"samples[{i}].text")
            if s.label is not None:
                row["label"] = self._check_string(s.label, f"samples[{i}].label")
            if s.lang_code is not None:
                row["lang_code"] = s.lang_code
            if s.comment is not None:
                row["comment"] = s.comment
            rows.append(row)
        await self._writable(tenant, name)
        updated = await self.store.update_samples(tenant, MODEL_TYPE, name, KIND, rows)
        return [sample_out(s) for s in updated]

    async def get_samples(
        self, tenant: str, name: str, index: int, length: int | None, sub_sample: int | None
    ) -> list[LabelledTextSample]:
        """Return the samples from `index` (`length` of them, or all); `sub_sample` shuffles and keeps that many."""
        if index < 0 or (length is not None and length < 0):
            raise InvalidInput("index and len must be 0 or more")
        if sub_sample is not None and sub_sample < 0:
            raise InvalidInput("sub_sample must be 0 or more")
        samples = await self.store.get_samples(
            tenant, MODEL_TYPE, name, KIND, index=index, length=length
        )
        if sub_sample is not None:
            samples = random.sample(samples, min(sub_sample, len(samples)))
        return [sample_out(s) for s in samples]

    async def delete_samples(
        self, tenant: str, name: str, samples: Sequence[LabelledTextSample]
    ) -> list[LabelledTextSample]:
        self._check_count(samples)
        rows: list[dict[str, Any]] = []
        for i, s in enumerate(samples):
            if s.uuid:
                rows.append({"uuid": s.uuid})
            elif s.text:
                rows.append({"text": s.text})
            else:
                raise InvalidInput(
                    f"samples[{i}] needs a uuid or a text to say which samples to delete"
                )
        await self._writable(tenant, name)
        deleted = await self.store.delete_samples(tenant, MODEL_TYPE, name, KIND, rows)
        return [sample_out(s) for s in deleted]

    async def delete_all_samples(self, tenant: str, name: str) -> list[LabelledTextSample]:
        await self._writable(tenant, name)
        deleted = await self.store.delete_all_samples(tenant, MODEL_TYPE, name, KIND)
        return [sample_out(s) for s in deleted]

    async def labels(self, tenant: str, name: str) -> list[str]:
        """Return the distinct labels of the dataset's samples, sorted."""
        samples = await self.store.get_samples(tenant, MODEL_TYPE, name, KIND)
        return sorted({str(s["label"]) for s in samples if s.get("label")})

    # -- params -----------------------------------------------------------------------

    async def get_params(self, tenant: str, name: str) -> ModelParams:
        record = await self.store.get_model(tenant, MODEL_TYPE, name)
        return ModelParams(
            long_name=record.get("long_name") or "",
            desc=record.get("desc") or "",
            readonly=bool(record.get("readonly")),
        )

    async def set_params(
        self, tenant: str, name: str, params: ModelParams
    ) -> TextDatasetInstanceDetail:
        others = sorted(
            k for k, v in params.model_dump(exclude_none=True).items() if k not in EDITABLE
        )
        if others:
            raise InvalidInput(
                f"a text dataset has no {', '.join(others)}; its params are {', '.join(EDITABLE)}"
            )
        record = await self.store.get_model(tenant, MODEL_TYPE, name)
        changes_other = params.long_name is not None or params.desc is not None
        if record.get("readonly") and params.readonly is not False and changes_other:
            raise InvalidInput(
                f"text dataset '{name}' is read-only; set readonly to false to change it"
            )
        updated = await self.store.update_model(
            tenant,
            MODEL_TYPE,
            name,
            long_name=params.long_name,
            desc=params.desc,
            readonly=params.readonly,
        )
        return details_of(updated)
