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
from nlu_service.labelled_samples import (
    check_sample_count,
    rows_to_add,
    rows_to_delete,
    rows_to_update,
    sample_out,
)
from nlu_service.records.service import detail_fields
from nlu_service.text_datasets.schemas import TextDatasetCreateDetails, TextDatasetInstanceDetail
from shared import InvalidInput, ModelStoreClient
from shared.wire import LabelledTextSample, ModelParams

MODEL_TYPE = "text_dataset"
KIND = "training"
# `model_params` fields a dataset has; setting any other one is refused rather than ignored.
EDITABLE = ("long_name", "desc", "readonly")


def details_of(record: dict[str, Any]) -> TextDatasetInstanceDetail:
    """Return the Feersum instance detail of a model record."""
    return TextDatasetInstanceDetail(
        **detail_fields(record),
        num_samples=int(record.get("num_training_samples") or 0),
        num_labels=int(record.get("num_training_labels") or 0),
    )


class TextDatasetService:
    """Every text-dataset operation, for one verified tenant at a time."""

    def __init__(self, store: ModelStoreClient, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    # -- input checks -----------------------------------------------------------------

    def _check_count(self, samples: Sequence[object]) -> None:
        check_sample_count(samples, self.settings.max_samples_per_call)

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
        rows = rows_to_add(samples, self.settings.max_text_chars)
        await self._writable(tenant, name)
        added = await self.store.add_samples(tenant, MODEL_TYPE, name, KIND, rows)
        return [sample_out(s) for s in added]

    async def update_samples(
        self, tenant: str, name: str, samples: Sequence[LabelledTextSample]
    ) -> list[LabelledTextSample]:
        self._check_count(samples)
        rows = rows_to_update(samples, self.settings.max_text_chars)
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
        rows = rows_to_delete(samples)
        await self._writable(tenant, name)
        deleted = await self.store.delete_samples(tenant, MODEL_TYPE, name, KIND, rows)
        return [sample_out(s) for s in deleted]

    async def delete_all_samples(self, tenant: str, name: str) -> list[LabelledTextSample]:
        await self._writable(tenant, name)
        deleted = await self.store.delete_all_samples(tenant, MODEL_TYPE, name, KIND)
        return [sample_out(s) for s in deleted]

    async def labels(self, tenant: str, name: str) -> list[str]:
        """Return the distinct labels of the dataset's samples, sorted."""
        return await self.store.get_sample_labels(tenant, MODEL_TYPE, name, KIND)

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
