"""Image classifiers: the `image_classifier` family of the shared classifier service.

Everything but what makes them about images lives in `nlu_service.classifiers.service`
(lifecycle, training queue, params, labels, curate). Here:

- a sample is an encoded image (JPEG, PNG, WebP or GIF, base64) with a label. It is
  decoded once when added, so a broken or oversized image is a 4xx then, not a failed
  training job later. The store keeps its bytes and, as the sample's text, a content key
  (`sha256:<hex>` of the bytes): the same image with the same label is kept once, and
  delete without a uuid deletes every sample of that image.
- retrieve decodes the image in a worker thread, takes the backbone's features through
  the batching queue and scores them with the model's head.
- heads are the embedding-only algorithms (`IMAGE_ALGORITHMS`), logistic regression by
  default; there is no t-SNE, and no language routing.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from nlu_service.classifiers.family import ClassifierFamily
from nlu_service.classifiers.service import ClassifierService, effective_params
from nlu_service.engine import ALGORITHMS, TEXT_ALGORITHMS
from nlu_service.labelled_samples import check_string
from shared import HotModelCache, InvalidInput, ModelStoreClient
from shared.wire import ModelParams, ScoredLabel, WireModel
from vision_service.config import Settings
from vision_service.engine.images import (
    ImageInputError,
    decode_base64,
)
from vision_service.features import ImageBatcher
from vision_service.image_classifiers.schemas import (
    ImageClassifierCreateDetails,
    ImageClassifierInstanceDetail,
    ImageInput,
    LabelledImageSample,
)
from vision_service.inputs import ImageInputs, checked_image, image_error, image_limits

MODEL_TYPE = "image_classifier"
# Heads that score the backbone's features alone (the n-gram and fuzzy heads read texts).
IMAGE_ALGORITHMS: tuple[str, ...] = tuple(a for a in ALGORITHMS if a not in TEXT_ALGORITHMS)
DEFAULT_IMAGE_ALGORITHM = "logistic_regression"


def _no_extra_details(metrics: dict[str, Any]) -> dict[str, Any]:
    return {}


IMAGE_CLASSIFIERS = ClassifierFamily(
    model_type=MODEL_TYPE,
    path="/vision/v2/image_classifiers",
    noun="image classifier",
    create_schema=ImageClassifierCreateDetails,
    detail_schema=ImageClassifierInstanceDetail,
    extra_details=_no_extra_details,
    sample_schema=LabelledImageSample,
    input_schema=ImageInput,
    sample_noun="image",
    retrieve_summary="Classify an image.",
    algorithms=IMAGE_ALGORITHMS,
    default_algorithm=DEFAULT_IMAGE_ALGORITHM,
    tsne=False,
    worker_service="vision",
)
# The same operations under the path clients older than 2.0.46 call.
LEGACY_IMAGE_CLASSIFIERS = dataclasses.replace(IMAGE_CLASSIFIERS, path="/nlu/v2/image_classifiers")


def content_key(raw: bytes) -> str:
    """Return the key an image sample is stored under: the SHA-256 of its encoded bytes."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


class ImageClassifierService(ClassifierService):
    """Every image-classifier operation, for one verified tenant at a time."""

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[Any],
        batcher: ImageBatcher,
        settings: Settings,
        *,
        wake_worker: Callable[[], None] | None = None,
        family: ClassifierFamily = IMAGE_CLASSIFIERS,
    ) -> None:
        super().__init__(family, store, cache, batcher, settings, wake_worker=wake_worker)
        self.limits = image_limits(settings)
        self.inputs = ImageInputs.from_settings(settings)

    # -- samples ----------------------------------------------------------------------

    def _image_fields(self, raw: bytes) -> dict[str, Any]:
        return {"text": content_key(raw), "image": base64.b64encode(raw).decode("ascii")}

    def target_fields(self, sample: Any, what: str, adding: bool) -> dict[str, Any]:
        """Return the store fields of what a sample teaches (here its label); 400 when bad.

        `adding`: a new sample, which must have it; a change sets only what it gives.
        Families whose samples teach something else (a value, boxes) override this.
        """
        if not adding and sample.label is None:
            return {}
        return {"label": check_string(sample.label, f"{what}.label", self.settings.max_text_chars)}

    def _row(self, sample: Any, i: int, adding: bool) -> dict[str, Any]:
        """Return one sample's store row: its target, its image (decoded to check it), comment."""
        what = f"samples[{i}]"
        row: dict[str, Any] = {}
        if not adding:
            if not sample.uuid:
                raise InvalidInput(f"{what}.uuid is required to update a sample")
            row["uuid"] = sample.uuid
        row |= self.target_fields(sample, what, adding)
        if adding or sample.image is not None:
            row |= self._image_fields(checked_image(sample.image, f"{what}.image", self.limits))
        if sample.comment is not None:
            row["comment"] = sample.comment
        return row

    async def rows_to_add(self, samples: Sequence[Any]) -> list[dict[str, Any]]:
        # Decoding each image to check it is CPU work: off the event loop.
        return await asyncio.to_thread(
            lambda: [self._row(s, i, True) for i, s in enumerate(samples)]
        )

    async def rows_to_update(self, samples: Sequence[Any]) -> list[dict[str, Any]]:
        return await asyncio.to_thread(
            lambda: [self._row(s, i, False) for i, s in enumerate(samples)]
        )

    async def rows_to_delete(self, samples: Sequence[Any]) -> list[dict[str, Any]]:
        def build() -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            for i, s in enumerate(samples):
                if s.uuid:
                    rows.append({"uuid": s.uuid})
                elif s.image:
                    try:
                        raw = decode_base64(s.image, self.limits)
                    except ImageInputError as exc:
                        raise image_error(exc, f"samples[{i}].image") from exc
                    rows.append({"text": content_key(raw)})
                else:
                    raise InvalidInput(
                        f"samples[{i}] needs a uuid or an image to say which samples to delete"
                    )
            return rows

        return await asyncio.to_thread(build)

    def sample_out(self, sample: dict[str, Any]) -> WireModel:
        return LabelledImageSample(
            image=sample.get("image"),
            label=sample.get("label"),
            comment=sample.get("comment"),
            uuid=sample.get("uuid"),
        )

    # -- inference --------------------------------------------------------------------

    async def retrieve(self, tenant: str, name: str, image_input: Any) -> list[ScoredLabel]:
        """Classify one image: its labels by probability, those under the threshold left out."""
        given: ImageInput = image_input
        record = await self.cache.resolve(tenant, self.family.model_type, name)
        revision = record.get("current_revision")
        if not revision:
            raise InvalidInput(f"model '{name}' has not been trained")
        routed = await self.cache.head(tenant, record["id"], revision["id"])
        square = await self.inputs.square(given)
        features = await self.encoder.encode([square])
        threshold, temperature = effective_params(record)
        _, head = routed.head_for(None)
        ranked = await asyncio.to_thread(
            head.rank, features, temperature=temperature, threshold=threshold
        )
        return [ScoredLabel(label=label, probability=float(p)) for label, p in ranked[0]]

    # -- params -----------------------------------------------------------------------

    async def set_params(self, tenant: str, name: str, params: ModelParams) -> WireModel:
        if params.lid_model_file is not None:
            raise InvalidInput("image classifiers take no lid_model_file")
        return await super().set_params(tenant, name, params)
