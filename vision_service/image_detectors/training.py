"""Runs one image-detector training job: stored images and boxes in, box head and mAP out.

Images are decoded in full (a JPEG at a reduced scale when it is far bigger than the
detector's input) and shrunk so the longer side is at most `MAX_SIDE`: the head sees a
512-pixel letterbox anyway. Boxes arrive in fractions of the image and are turned into
its pixels. Training needs torch (imported by `BoxDetector.fit`); the rest is numpy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from nlu_service.classifiers.service import DEFAULT_TEMPERATURE
from nlu_service.training.worker import TrainingFailed, TrainingOutcome
from shared import ModelStoreClient
from vision_service.engine.average_precision import mean_average_precision
from vision_service.engine.box_detector import BoxDetector
from vision_service.engine.feature_maps import FeatureMaps
from vision_service.engine.images import ImageInputError, ImageLimits, decode_base64, decode_image
from vision_service.image_detectors.tenant import ALGORITHM, MODEL_TYPE

MAX_SIDE = 1024
# `num_epochs` above this is taken as this (a bound on one job's time).
MAX_EPOCHS = 200
# Detections down to this score count for the precision-recall curves of mAP.
EVAL_MIN_SCORE = 0.01

Box = tuple[str, float, float, float, float]


def decoded(sample: dict[str, Any], limits: ImageLimits) -> tuple[np.ndarray, list[Box]]:
    """Return a stored sample's image (longer side at most MAX_SIDE) and its boxes in its pixels."""
    try:
        image = decode_image(
            decode_base64(sample.get("image") or "", limits), limits, target=MAX_SIDE
        )
    except ImageInputError as exc:
        raise TrainingFailed(f"sample {sample.get('uuid')}: {exc.message}") from exc
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR)
    width, height = image.size
    boxes = [
        (
            e["entity"],
            e["box"][0] * width,
            e["box"][1] * height,
            e["box"][2] * width,
            e["box"][3] * height,
        )
        for e in sample.get("entities") or []
    ]
    return np.asarray(image), boxes


def schedule(params: dict[str, Any]) -> dict[str, Any]:
    """Return the training schedule: `num_epochs` of the train request, when given, is exact.

    Without it the detector's own schedule applies (24 epochs, more for small sets).
    """
    epochs = (params.get("train_details") or {}).get("num_epochs")
    if isinstance(epochs, int) and epochs > 0:
        return {"epochs": min(epochs, MAX_EPOCHS), "min_steps": 0}
    return {}


def average_precision(
    detector: BoxDetector, maps: FeatureMaps, images: Sequence[np.ndarray], truths: list[list[Box]]
) -> tuple[float | None, dict[str, float]]:
    """Return mAP@0.5 of the detector on the images, and AP per label (None without boxes)."""
    if not any(truths):
        return None, {}
    found = [detector.detect(image, maps, min_score=EVAL_MIN_SCORE) for image in images]
    report = mean_average_precision(found, truths, iou=0.5)
    return report.mean, dict(report.per_class)


async def run_image_detector_job(
    store: ModelStoreClient, maps: FeatureMaps, limits: ImageLimits, job: dict[str, Any]
) -> TrainingOutcome:
    """Fetch the job's samples (as its tenant), train the box head in a thread, measure it."""
    tenant, name, params = job["tenant"], job["model_name"], job.get("params") or {}
    training = await store.get_samples(tenant, MODEL_TYPE, name, "training")
    testing = await store.get_samples(tenant, MODEL_TYPE, name, "testing")

    def fit() -> tuple[BoxDetector, dict[str, Any]]:
        started = time.perf_counter()
        train = [decoded(s, limits) for s in training]
        test = [decoded(s, limits) for s in testing]
        try:
            detector = BoxDetector.fit(
                [i for i, _ in train], [b for _, b in train], features=maps, **schedule(params)
            )
        except ValueError as exc:
            raise TrainingFailed(str(exc)) from exc
        training_map, _ = average_precision(
            detector, maps, [i for i, _ in train], [b for _, b in train]
        )
        testing_map, testing_ap = average_precision(
            detector, maps, [i for i, _ in test], [b for _, b in test]
        )
        metrics = {
            "clsfr_algorithm": ALGORITHM,
            "threshold": float(params.get("threshold") or 0.0),
            "temperature": float(params.get("temperature", DEFAULT_TEMPERATURE)),
            "training_map": training_map,
            "testing_map": testing_map,
            "testing_ap": testing_ap,
            "num_training_samples": len(training),
            "num_testing_samples": len(testing),
            "seconds": round(time.perf_counter() - started, 3),
            "fit": dict(detector.stats),
            "train_details": dict(params.get("train_details") or {}),
        }
        return detector, metrics

    detector, metrics = await asyncio.to_thread(fit)
    return TrainingOutcome(
        artifact=detector.to_bytes(),
        labels=list(detector.labels),
        metrics=metrics,
        message=f"box detector on {len(training)} training and {len(testing)} testing images",
    )
