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

import numpy as np

from nlu_service.classifiers.family import ClassifierFamily
from nlu_service.classifiers.service import ClassifierService, effective_params
from nlu_service.engine import ALGORITHMS, TEXT_ALGORITHMS
from nlu_service.labelled_samples import check_string
from shared import BaobabError, HotModelCache, InvalidInput, ModelStoreClient, TooLarge
from shared.wire import ModelParams, ScoredLabel, WireModel
from vision_service.config import Settings
from vision_service.engine.images import (
    ImageInputError,
    ImageLimits,
    decode_base64,
    decode_image,
    fit_square,
)
from vision_service.features import ImageBatcher
from vision_service.image_classifiers.schemas import (
    ImageClassifierCreateDetails,
    ImageClassifierInstanceDetail,
    ImageInput,
    LabelledImageSample,
)

MODEL_TYPE = "image_classifier"
# Heads that score the backbone's features alone (the n-gram and fuzzy heads read texts).
IMAGE_ALGORITHMS: tuple[str, ...] = tuple(a for a in ALGORITHMS if a not in TEXT_ALGORITHMS)
DEFAULT_IMAGE_ALGORITHM = "logistic_regression"
INPUT_SIZE = 224


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


def image_limits(settings: Settings) -> ImageLimits:
    """Return the limits on one image input that the settings give."""
    return ImageLimits(settings.max_image_bytes, settings.max_image_pixels)


def content_key(raw: bytes) -> str:
    """Return the key an image sample is stored under: the SHA-256 of its encoded bytes."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def image_error(exc: ImageInputError, what: str) -> BaobabError:
    """Return the HTTP error (400 or 413) for a refused image input."""
    error = TooLarge if exc.status == 413 else InvalidInput
    return error(f"{what}: {exc.message}", extra={"reason": exc.code})


def checked_image(value: object, what: str, limits: ImageLimits) -> bytes:
    """Return the encoded bytes of a base64 image that decodes within the limits; 4xx otherwise.

    Blocking (it decodes the image): call it in a worker thread.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be a base64-encoded JPEG, PNG, WebP or GIF image")
    try:
        raw = decode_base64(value, limits)
        decode_image(raw, limits, target=INPUT_SIZE)
    except ImageInputError as exc:
        raise image_error(exc, what) from exc
    return raw


def model_input(value: str, what: str, limits: ImageLimits) -> np.ndarray:
    """Return a base64 image as the backbone's (224, 224, 3) uint8 square; 4xx when refused.

    Blocking: call it in a worker thread.
    """
    try:
        raw = decode_base64(value, limits)
        return fit_square(decode_image(raw, limits, target=INPUT_SIZE), INPUT_SIZE)
    except ImageInputError as exc:
        raise image_error(exc, what) from exc


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

    # -- samples ----------------------------------------------------------------------

    def _label(self, value: object, what: str) -> str:
        return check_string(value, what, self.settings.max_text_chars)

    def _image_fields(self, raw: bytes) -> dict[str, Any]:
        return {"text": content_key(raw), "image": base64.b64encode(raw).decode("ascii")}

    async def rows_to_add(self, samples: Sequence[Any]) -> list[dict[str, Any]]:
        def build() -> list[dict[str, Any]]:
            rows = []
            for i, s in enumerate(samples):
                row = {"label": self._label(s.label, f"samples[{i}].label")}
                row |= self._image_fields(
                    checked_image(s.image, f"samples[{i}].image", self.limits)
                )
                if s.comment is not None:
                    row["comment"] = s.comment
                rows.append(row)
            return rows

        return await asyncio.to_thread(build)

    async def rows_to_update(self, samples: Sequence[Any]) -> list[dict[str, Any]]:
        def build() -> list[dict[str, Any]]:
            rows = []
            for i, s in enumerate(samples):
                if not s.uuid:
                    raise InvalidInput(f"samples[{i}].uuid is required to update a sample")
                row: dict[str, Any] = {"uuid": s.uuid}
                if s.label is not None:
                    row["label"] = self._label(s.label, f"samples[{i}].label")
                if s.image is not None:
                    raw = checked_image(s.image, f"samples[{i}].image", self.limits)
                    row |= self._image_fields(raw)
                if s.comment is not None:
                    row["comment"] = s.comment
                rows.append(row)
            return rows

        return await asyncio.to_thread(build)

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

    def input_image(self, given: ImageInput) -> str:
        """Return the base64 image of a retrieve input; 400 when it has none."""
        if given.image is None:
            if given.url:
                raise InvalidInput(
                    "url inputs are not enabled on this server; send the image itself as base64"
                )
            raise InvalidInput("image is required: a base64-encoded JPEG, PNG, WebP or GIF")
        return given.image

    async def retrieve(self, tenant: str, name: str, image_input: Any) -> list[ScoredLabel]:
        """Classify one image: its labels by probability, those under the threshold left out."""
        given: ImageInput = image_input
        image = self.input_image(given)
        record = await self.cache.resolve(tenant, self.family.model_type, name)
        revision = record.get("current_revision")
        if not revision:
            raise InvalidInput(f"model '{name}' has not been trained")
        routed = await self.cache.head(tenant, record["id"], revision["id"])
        square = await asyncio.to_thread(model_input, image, "image", self.limits)
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
