"""Image detectors: the pre-built `generic` one and tenants' own, trained from labelled boxes.

Tenant detectors are a family of the shared classifier service (lifecycle, samples, the
training queue, params, labels) with a box head on the shared feature maps
(`engine.box_detector`). A sample is an image and its boxes; a box is stored as an entity
`{"entity": label, "box": [x, y, w, h], "id": ...}` beside the image, in fractions of the
image's width and height, as retrieve answers them. Training runs in the vision worker
(it needs torch; retrieve does not) and reports mAP@0.5 on the training and testing
samples.

The name `generic` is the pre-built COCO detector (`service.ImageDetectorService`): it is
listed first, answers details, labels and retrieve, and refuses every change.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any, cast

from nlu_service.classifiers.family import ClassifierFamily
from nlu_service.classifiers.service import effective_params
from nlu_service.labelled_samples import check_string
from shared import HotModelCache, InvalidInput, ModelStoreClient
from shared.wire import ModelParams, WireModel
from vision_service.config import Settings
from vision_service.engine.box_detector import BoxDetector
from vision_service.engine.detector import COCO_CLASSES
from vision_service.engine.feature_maps import FeatureMaps
from vision_service.features import ImageBatcher
from vision_service.image_classifiers.schemas import ImageInput
from vision_service.image_classifiers.service import ImageClassifierService
from vision_service.image_detectors.schemas import (
    ImageDetection,
    ImageDetectorCreateDetails,
    ImageDetectorInstanceDetail,
    LabelledImageDetections,
    ScoredImageDetections,
)
from vision_service.image_detectors.service import (
    GENERIC,
    MAX_DETECTIONS,
    MIN_SCORE,
    ImageDetectorService,
    wire_detection,
)

MODEL_TYPE = "image_detector"
ALGORITHM = "box_detector"
# A box edge may pass the image's edge by this much (rounding in clients' fractions).
EDGE_SLACK = 1e-3


def _detector_details(metrics: dict[str, Any]) -> dict[str, Any]:
    return {key: metrics.get(key) for key in ("training_map", "testing_map", "testing_ap")}


IMAGE_DETECTORS = ClassifierFamily(
    model_type=MODEL_TYPE,
    path="/vision/v2/image_detectors",
    noun="image detector",
    create_schema=ImageDetectorCreateDetails,
    detail_schema=ImageDetectorInstanceDetail,
    extra_details=_detector_details,
    sample_schema=LabelledImageDetections,
    input_schema=ImageInput,
    sample_noun="image",
    retrieve_summary="Detect and classify objects in the image.",
    retrieve_description="Detect and classify objects in the image and return a probability "
    "sorted list of detections, boxes in fractions of the image's width and height. "
    f"`{GENERIC}` is the pre-built COCO detector.",
    retrieve_response=ScoredImageDetections,
    algorithms=(ALGORITHM,),
    default_algorithm=ALGORITHM,
    tsne=False,
    curate=False,
    worker_service="vision",
)


def box_entities(detections: object, what: str, max_chars: int) -> list[dict[str, Any]]:
    """Return the stored form of a sample's boxes; 400 unless each is a box inside the image."""
    if not isinstance(detections, list):
        raise InvalidInput(f"{what} must be a list of detections (an empty list: no objects)")
    out = []
    for j, d in enumerate(detections):
        where = f"{what}[{j}]"
        label = check_string(d.label, f"{where}.label", max_chars)
        x, y, w, h = d.box_x, d.box_y, d.box_w, d.box_h
        if not all(math.isfinite(v) for v in (x, y, w, h)):
            raise InvalidInput(f"{where}: the box must be finite numbers")
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > 1 + EDGE_SLACK or y + h > 1 + EDGE_SLACK:
            raise InvalidInput(
                f"{where}: the box must lie inside the image, in fractions of its width and "
                f"height (0-1), with a positive size; got x={x}, y={y}, w={w}, h={h}"
            )
        out.append({"entity": label, "box": [x, y, w, h], "id": d.id})
    return out


def sample_detections(sample: dict[str, Any]) -> list[ImageDetection]:
    """Return a stored sample's boxes in their wire form."""
    out = []
    for e in sample.get("entities") or []:
        x, y, w, h = e["box"]
        out.append(
            ImageDetection(label=e["entity"], box_x=x, box_y=y, box_w=w, box_h=h, id=e["id"])
        )
    return out


class DetectorService(ImageClassifierService):
    """Every image-detector operation: tenants' own detectors and the pre-built `generic`."""

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[BoxDetector],
        batcher: ImageBatcher,
        settings: Settings,
        *,
        generic: ImageDetectorService,
        maps: FeatureMaps,
        wake_worker: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(
            store, cache, batcher, settings, wake_worker=wake_worker, family=IMAGE_DETECTORS
        )
        self.generic = generic
        self.maps = maps

    def _refuse_generic(self, name: str) -> None:
        if name == GENERIC:
            raise InvalidInput(f"'{GENERIC}' is the pre-built detector: it cannot be changed")

    # -- the pre-built detector beside the tenant's ----------------------------------

    async def create(self, tenant: str, details: Any) -> WireModel:
        if details.name == GENERIC:
            raise InvalidInput(f"'{GENERIC}' is the pre-built detector's name: choose another")
        return await super().create(tenant, details)

    async def list_all(self, tenant: str) -> list[WireModel]:
        return [self.generic.generic, *await super().list_all(tenant)]

    async def details(self, tenant: str, name: str) -> WireModel:
        if name == GENERIC:
            return self.generic.generic
        return await super().details(tenant, name)

    async def trash(self, tenant: str, name: str) -> WireModel:
        self._refuse_generic(name)
        return await super().trash(tenant, name)

    async def vaporise(self, tenant: str, name: str) -> WireModel:
        self._refuse_generic(name)
        return await super().vaporise(tenant, name)

    async def _writable(self, tenant: str, name: str) -> dict[str, Any]:
        self._refuse_generic(name)
        return await super()._writable(tenant, name)

    async def get_samples(
        self, tenant: str, name: str, kind: Any, index: int, length: int | None
    ) -> list[Any]:
        if name == GENERIC:
            return []
        return await super().get_samples(tenant, name, kind, index, length)

    async def labels(self, tenant: str, name: str) -> list[str]:
        if name == GENERIC:
            return list(COCO_CLASSES)
        return await super().labels(tenant, name)

    async def get_params(self, tenant: str, name: str) -> ModelParams:
        if name == GENERIC:
            detail = self.generic.generic
            return ModelParams(
                long_name=detail.long_name, desc=detail.desc, readonly=True, threshold=MIN_SCORE
            )
        return await super().get_params(tenant, name)

    async def set_params(self, tenant: str, name: str, params: ModelParams) -> WireModel:
        self._refuse_generic(name)
        if params.temperature is not None:
            raise InvalidInput("image detectors take no temperature")
        return await super().set_params(tenant, name, params)

    # -- samples ----------------------------------------------------------------------

    def target_fields(self, sample: Any, what: str, adding: bool) -> dict[str, Any]:
        if not adding and sample.detections is None:
            return {}
        entities = box_entities(
            sample.detections, f"{what}.detections", self.settings.max_text_chars
        )
        # A new sample's label is empty: its boxes carry the labels.
        return {"label": "", "entities": entities} if adding else {"entities": entities}

    def sample_out(self, sample: dict[str, Any]) -> WireModel:
        return LabelledImageDetections(
            image=sample.get("image"),
            detections=sample_detections(sample),
            comment=sample.get("comment"),
            uuid=sample.get("uuid"),
        )

    def _check_trainable(self, record: dict[str, Any]) -> None:
        if int(record.get("num_training_samples") or 0) < 2:
            raise InvalidInput(
                f"model '{record['name']}' needs at least 2 training images with boxes"
            )

    # -- inference --------------------------------------------------------------------

    async def retrieve(self, tenant: str, name: str, image_input: Any) -> Any:
        """Return the objects found in one image, most probable first."""
        given: ImageInput = image_input
        if name == GENERIC:
            return await self.generic.retrieve(tenant, name, given)
        record = await self.cache.resolve(tenant, self.family.model_type, name)
        revision = record.get("current_revision")
        if not revision:
            raise InvalidInput(f"model '{name}' has not been trained")
        # This family's cache loads box detectors (see the app), not the type it is declared with.
        head = cast(BoxDetector, await self.cache.head(tenant, record["id"], revision["id"]))
        rgb = await self.inputs.pixels(given)
        threshold = effective_params(record)[0] or MIN_SCORE
        found = await asyncio.to_thread(
            head.detect, rgb, self.maps, min_score=threshold, max_detections=MAX_DETECTIONS
        )
        height, width = rgb.shape[:2]
        return ScoredImageDetections(
            scored_detections=[wire_detection(d, width, height) for d in found]
        )
