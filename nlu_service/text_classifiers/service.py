"""Text classifiers: the `text_classifier` family of the shared classifier service.

Everything but the family's description lives in `nlu_service.classifiers.service`; the
names below stay importable from here. Text classifiers keep the threshold they are given
(0 by default: retrieve returns every label).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nlu_service.classifiers.family import ClassifierFamily
from nlu_service.classifiers.service import (
    DEFAULT_TEMPERATURE,
    DEFAULT_THRESHOLD,
    ClassifierService,
    SampleKind,
    effective_params,
    head_nbytes,
    retrieve_view,
    training_stamp,
)
from nlu_service.config import Settings
from nlu_service.encoding import BatchingEncoder
from nlu_service.engine import RoutedClassifier
from nlu_service.labelled_samples import sample_out
from shared import HotModelCache, ModelStoreClient
from shared.wire import TextClassifierCreateDetails, TextClassifierInstanceDetail

MODEL_TYPE = "text_classifier"


def _no_extra_details(metrics: dict[str, Any]) -> dict[str, Any]:
    return {}


TEXT_CLASSIFIERS = ClassifierFamily(
    model_type=MODEL_TYPE,
    path="/nlu/v2/text_classifiers",
    noun="text classifier",
    create_schema=TextClassifierCreateDetails,
    detail_schema=TextClassifierInstanceDetail,
    extra_details=_no_extra_details,
)


class TextClassifierService(ClassifierService):
    """Every text-classifier operation, for one verified tenant at a time."""

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[RoutedClassifier],
        encoder: BatchingEncoder,
        settings: Settings,
        *,
        wake_worker: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(TEXT_CLASSIFIERS, store, cache, encoder, settings, wake_worker=wake_worker)


__all__ = [
    "DEFAULT_TEMPERATURE",
    "DEFAULT_THRESHOLD",
    "MODEL_TYPE",
    "TEXT_CLASSIFIERS",
    "SampleKind",
    "TextClassifierService",
    "effective_params",
    "head_nbytes",
    "retrieve_view",
    "sample_out",
    "training_stamp",
]
