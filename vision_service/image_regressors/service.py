"""Image regressors (image assessment): Baobab's extension, shaped like image classifiers.

A sample is an image with a number (`value`); training fits a ridge regression head on
the backbone's features (`engine.regression`) and reports MAE, RMSE and R² on the training
and testing samples, beside the MAE of always answering the training mean; retrieve
answers `{"value": ...}`. Samples, lifecycle, the training queue and params come from the
image classifier service; a sample's value is stored as its label (the shortest text
that reads back as the same float), so distinct values count as labels.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any, cast

from nlu_service.classifiers.family import ClassifierFamily
from shared import HotModelCache, InvalidInput, ModelStoreClient
from shared.wire import ModelParams, WireModel
from vision_service.config import Settings
from vision_service.engine.regression import ImageRegressor
from vision_service.features import ImageBatcher
from vision_service.image_classifiers.schemas import ImageInput
from vision_service.image_classifiers.service import ImageClassifierService
from vision_service.image_regressors.schemas import (
    ImageRegressorCreateDetails,
    ImageRegressorInstanceDetail,
    LabelledImageValue,
    RegressionValue,
)

MODEL_TYPE = "image_regressor"
ALGORITHM = "ridge"
REGRESSION_METRICS = (
    "training_mae",
    "training_rmse",
    "training_r2",
    "testing_mae",
    "testing_rmse",
    "testing_r2",
    "testing_baseline_mae",
)
EXTENSION = "Baobab extension (not in the Feersum spec)."


def _regression_details(metrics: dict[str, Any]) -> dict[str, Any]:
    return {key: metrics.get(key) for key in REGRESSION_METRICS}


IMAGE_REGRESSORS = ClassifierFamily(
    model_type=MODEL_TYPE,
    path="/vision/v2/image_regressors",
    noun="image regressor",
    create_schema=ImageRegressorCreateDetails,
    detail_schema=ImageRegressorInstanceDetail,
    extra_details=_regression_details,
    sample_schema=LabelledImageValue,
    input_schema=ImageInput,
    sample_noun="image",
    retrieve_summary="Estimate an image's value.",
    retrieve_description=f"Return the model's estimate of the image's value. {EXTENSION}",
    retrieve_response=RegressionValue,
    algorithms=(ALGORITHM,),
    default_algorithm=ALGORITHM,
    tsne=False,
    labels=False,
    curate=False,
    worker_service="vision",
)
LEGACY_IMAGE_REGRESSORS = dataclasses.replace(IMAGE_REGRESSORS, path="/nlu/v2/image_regressors")


def value_label(value: object, what: str) -> str:
    """Return the stored form of a sample's value; 400 unless it is a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{what} must be a finite number")
    return repr(float(value))


class ImageRegressorService(ImageClassifierService):
    """Every image-regressor operation, for one verified tenant at a time."""

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[ImageRegressor],
        batcher: ImageBatcher,
        settings: Settings,
        *,
        wake_worker: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(
            store, cache, batcher, settings, wake_worker=wake_worker, family=IMAGE_REGRESSORS
        )

    def target_fields(self, sample: Any, what: str, adding: bool) -> dict[str, Any]:
        if not adding and sample.value is None:
            return {}
        return {"label": value_label(sample.value, f"{what}.value")}

    def sample_out(self, sample: dict[str, Any]) -> WireModel:
        return LabelledImageValue(
            image=sample.get("image"),
            value=float(sample["label"]),
            comment=sample.get("comment"),
            uuid=sample.get("uuid"),
        )

    def _check_trainable(self, record: dict[str, Any]) -> None:
        name = record["name"]
        if int(record.get("num_training_labels") or 0) < 2:
            raise InvalidInput(
                f"model '{name}' needs training samples with at least 2 different values"
            )

    async def retrieve(self, tenant: str, name: str, image_input: Any) -> Any:
        """Estimate one image's value."""
        given: ImageInput = image_input
        record = await self.cache.resolve(tenant, self.family.model_type, name)
        revision = record.get("current_revision")
        if not revision:
            raise InvalidInput(f"model '{name}' has not been trained")
        # This family's cache loads regressors (see the app), not the classifiers it is typed for.
        head = cast(ImageRegressor, await self.cache.head(tenant, record["id"], revision["id"]))
        square = await self.inputs.square(given)
        features = await self.encoder.encode([square])
        return RegressionValue(value=float(head.predict(features)[0]))

    async def set_params(self, tenant: str, name: str, params: ModelParams) -> WireModel:
        if params.threshold is not None or params.temperature is not None:
            raise InvalidInput("image regressors take no threshold or temperature")
        return await super().set_params(tenant, name, params)
