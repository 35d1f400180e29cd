"""Runs one image-classifier training job: stored images in, head artifact and metrics out.

The job decodes the samples' images in chunks (a worker thread), takes their backbone
features through the bulk queue (retrieve calls go first), and fits the family's head on
those features with the same trainer, reports and metrics as the text classifiers: the
features are looked up by sample uuid where the text trainer would encode texts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import numpy as np

from nlu_service.classifiers.service import DEFAULT_TEMPERATURE, DEFAULT_THRESHOLD
from nlu_service.classifiers.training import build_metrics
from nlu_service.engine import LabelledText, train_routed_classifier
from nlu_service.training.worker import TrainingFailed, TrainingOutcome
from shared import BaobabError, ModelStoreClient
from vision_service.engine.images import ImageLimits
from vision_service.features import ImageBatcher
from vision_service.image_classifiers.service import MODEL_TYPE
from vision_service.inputs import model_input

# Images decoded at once: bounds the job's memory (a decoded square is 150 KB).
DECODE_CHUNK = 64


class FeatureTable:
    """An encoder look-alike for the text trainer: sample uuid in, stored features out."""

    def __init__(self, keys: Sequence[str], features: np.ndarray) -> None:
        self.dim = int(features.shape[1])
        self._rows = dict(zip(keys, features, strict=True))

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._rows[t] for t in texts]).astype(np.float32)


def embed_samples(
    batcher: ImageBatcher, samples: Sequence[dict[str, Any]], limits: ImageLimits
) -> np.ndarray:
    """Return the features [n, dim] of the samples' stored images. Blocking: a worker thread."""
    parts = []
    for start in range(0, len(samples), DECODE_CHUNK):
        chunk = samples[start : start + DECODE_CHUNK]
        squares = []
        for s in chunk:
            try:
                squares.append(model_input(s.get("image") or "", "image", limits))
            except BaobabError as exc:
                raise TrainingFailed(f"sample {s.get('uuid')}: {exc.detail}") from exc
        parts.append(batcher.encode_blocking(squares))
    if not parts:
        return np.zeros((0, batcher.dim), dtype=np.float32)
    return np.concatenate(parts, axis=0)


async def run_image_classifier_job(
    store: ModelStoreClient, batcher: ImageBatcher, limits: ImageLimits, job: dict[str, Any]
) -> TrainingOutcome:
    """Fetch the job's samples (as its tenant), fit the head in a thread, and describe it."""
    tenant, name, params = job["tenant"], job["model_name"], job.get("params") or {}
    training = await store.get_samples(tenant, MODEL_TYPE, name, "training")
    testing = await store.get_samples(tenant, MODEL_TYPE, name, "testing")
    train = [LabelledText(s["uuid"], s["label"], s["uuid"]) for s in training]
    test = [LabelledText(s["uuid"], s["label"], s["uuid"]) for s in testing]
    threshold = params.get("threshold")

    def fit() -> tuple[bytes, Any]:
        samples = [*training, *testing]
        table = FeatureTable([s["uuid"] for s in samples], embed_samples(batcher, samples, limits))
        classifier, routed = train_routed_classifier(
            table,  # type: ignore[arg-type]  # duck-typed TextEncoder: uuid -> features
            train,
            test,
            params.get("algorithm"),
            temperature=float(params.get("temperature", DEFAULT_TEMPERATURE)),
            threshold=DEFAULT_THRESHOLD if threshold is None else float(threshold),
        )
        return classifier.to_bytes(), routed

    artifact, routed = await asyncio.to_thread(fit)
    report = routed.report
    metrics = build_metrics(report, params, train, test)
    message = f"{report.algorithm} on {len(train)} training and {len(test)} testing images"
    return TrainingOutcome(
        artifact=artifact, labels=list(report.labels), metrics=metrics, message=message
    )
