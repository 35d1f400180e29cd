"""Image datasets: labelled images kept in the model store, with no training.

The model store keeps each dataset as a model of type `image_dataset`; its samples are
the model's `training` samples. A sample is checked and stored as an image classifier's
is (`ImageSampleRows`, the image classifier service's hooks): the image is decoded once
when added (a broken or oversized one is a 400 or 413), the store keeps its bytes and,
as the sample's text, its content key, so the same image with the same label is kept
once and delete without a uuid deletes every sample of that image.

The lifecycle and params are `RecordService`'s: a dataset has no params beyond
long_name, desc and readonly (any other is refused), no revisions (its `id` is the
model's id), and a read-only dataset refuses sample changes until `readonly` is false.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from nlu_service.labelled_samples import check_sample_count
from nlu_service.records.service import RecordService, detail_fields
from shared import HotModelCache, InvalidInput, ModelStoreClient
from shared.wire import ModelParams, WireModel
from vision_service.config import Settings
from vision_service.image_classifiers.schemas import LabelledImageSample
from vision_service.image_datasets.schemas import (
    ImageDatasetCreateDetails,
    ImageDatasetInstanceDetail,
)

MODEL_TYPE = "image_dataset"
KIND = "training"
# `model_params` fields a dataset has; setting any other one is refused rather than ignored.
EDITABLE = ("long_name", "desc", "readonly")


class ImageSampleRows(Protocol):
    """How labelled image samples become store rows and back (the image classifier service)."""

    async def rows_to_add(self, samples: Sequence[Any]) -> list[dict[str, Any]]: ...
    async def rows_to_update(self, samples: Sequence[Any]) -> list[dict[str, Any]]: ...
    async def rows_to_delete(self, samples: Sequence[Any]) -> list[dict[str, Any]]: ...
    def sample_out(self, sample: dict[str, Any]) -> WireModel: ...


class ImageDatasetService(
    RecordService[ImageDatasetCreateDetails, ImageDatasetInstanceDetail, ModelParams]
):
    """Every image-dataset operation, for one verified tenant at a time."""

    model_type = MODEL_TYPE

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[Any],
        settings: Settings,
        rows: ImageSampleRows,
    ) -> None:
        """`rows`: the image classifier service, whose sample checks datasets share.

        `cache` is only bumped on lifecycle changes (`RecordService`); datasets load no heads.
        """
        super().__init__(store, cache, settings)
        self.rows = rows

    # -- record hooks -----------------------------------------------------------------

    def details_of(self, record: dict[str, Any]) -> ImageDatasetInstanceDetail:
        return ImageDatasetInstanceDetail(
            **detail_fields(record),
            num_samples=int(record.get("num_training_samples") or 0),
            num_labels=int(record.get("num_training_labels") or 0),
        )

    async def param_changes(self, params: ModelParams) -> dict[str, Any]:
        others = sorted(
            k for k, v in params.model_dump(exclude_none=True).items() if k not in EDITABLE
        )
        if others:
            raise InvalidInput(
                f"an image dataset has no {', '.join(others)}; its params are {', '.join(EDITABLE)}"
            )
        return {}

    async def _writable(self, tenant: str, name: str) -> None:
        """404 without the dataset; 400 when it is read-only."""
        record = await self.record(tenant, name)
        if record.get("readonly"):
            raise InvalidInput(
                f"image dataset '{name}' is read-only; set readonly to false through its params first"
            )

    def _out(self, samples: list[dict[str, Any]]) -> list[LabelledImageSample]:
        return [LabelledImageSample.model_validate(self.rows.sample_out(s)) for s in samples]

    # -- samples ----------------------------------------------------------------------

    async def _write(
        self,
        tenant: str,
        name: str,
        samples: Sequence[LabelledImageSample],
        rows_of: Callable[[Sequence[Any]], Awaitable[list[dict[str, Any]]]],
        write: Callable[..., Awaitable[list[dict[str, Any]]]],
    ) -> list[LabelledImageSample]:
        """Check the samples, `write` their rows to the writable dataset; return what the store wrote."""
        check_sample_count(samples, self.settings.max_samples_per_call)
        rows = await rows_of(samples)
        await self._writable(tenant, name)
        return self._out(await write(tenant, MODEL_TYPE, name, KIND, rows))

    async def add_samples(
        self, tenant: str, name: str, samples: Sequence[LabelledImageSample]
    ) -> list[LabelledImageSample]:
        return await self._write(
            tenant, name, samples, self.rows.rows_to_add, self.store.add_samples
        )

    async def update_samples(
        self, tenant: str, name: str, samples: Sequence[LabelledImageSample]
    ) -> list[LabelledImageSample]:
        return await self._write(
            tenant, name, samples, self.rows.rows_to_update, self.store.update_samples
        )

    async def get_samples(
        self, tenant: str, name: str, index: int, length: int | None, sub_sample: int | None
    ) -> list[LabelledImageSample]:
        """Return the samples from `index` (`length` of them, or all); `sub_sample` shuffles and keeps that many."""
        if index < 0 or (length is not None and length < 0) or (sub_sample or 0) < 0:
            raise InvalidInput("index, len and sub_sample must be 0 or more")
        samples = await self.store.get_samples(
            tenant, MODEL_TYPE, name, KIND, index=index, length=length
        )
        if sub_sample is not None:
            samples = random.sample(samples, min(sub_sample, len(samples)))
        return self._out(samples)

    async def delete_samples(
        self, tenant: str, name: str, samples: Sequence[LabelledImageSample]
    ) -> list[LabelledImageSample]:
        return await self._write(
            tenant, name, samples, self.rows.rows_to_delete, self.store.delete_samples
        )

    async def delete_all_samples(self, tenant: str, name: str) -> list[LabelledImageSample]:
        await self._writable(tenant, name)
        return self._out(await self.store.delete_all_samples(tenant, MODEL_TYPE, name, KIND))

    async def labels(self, tenant: str, name: str) -> list[str]:
        """Return the distinct labels of the dataset's samples, sorted."""
        return await self.store.get_sample_labels(tenant, MODEL_TYPE, name, KIND)
