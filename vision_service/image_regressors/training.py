"""Runs one image-regressor training job: stored images and values in, ridge head and errors out."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np

from nlu_service.training.worker import TrainingFailed, TrainingOutcome
from shared import ModelStoreClient
from vision_service.engine.images import ImageLimits
from vision_service.engine.regression import ImageRegressor, RegressionReport
from vision_service.features import ImageBatcher
from vision_service.image_classifiers.training import embed_samples
from vision_service.image_regressors.service import ALGORITHM, MODEL_TYPE


def _figures(prefix: str, report: RegressionReport | None) -> dict[str, Any]:
    if report is None:
        return {f"{prefix}_mae": None, f"{prefix}_rmse": None, f"{prefix}_r2": None}
    return {f"{prefix}_mae": report.mae, f"{prefix}_rmse": report.rmse, f"{prefix}_r2": report.r2}


async def run_image_regressor_job(
    store: ModelStoreClient, batcher: ImageBatcher, limits: ImageLimits, job: dict[str, Any]
) -> TrainingOutcome:
    """Fetch the job's samples (as its tenant), fit the ridge head in a thread, and describe it."""
    tenant, name, params = job["tenant"], job["model_name"], job.get("params") or {}
    training = await store.get_samples(tenant, MODEL_TYPE, name, "training")
    testing = await store.get_samples(tenant, MODEL_TYPE, name, "testing")
    train_y = np.array([float(s["label"]) for s in training])
    test_y = np.array([float(s["label"]) for s in testing])

    def fit() -> tuple[ImageRegressor, dict[str, Any]]:
        started = time.perf_counter()
        features = embed_samples(batcher, [*training, *testing], limits)
        train_x, test_x = features[: len(training)], features[len(training) :]
        try:
            head = ImageRegressor.fit(train_x, train_y)
        except ValueError as exc:
            raise TrainingFailed(str(exc)) from exc
        testing_report = RegressionReport.of(test_y, head.predict(test_x)) if len(test_y) else None
        baseline = (
            RegressionReport.of(test_y, np.full(len(test_y), train_y.mean())).mae
            if len(test_y)
            else None
        )
        metrics = {
            "clsfr_algorithm": ALGORITHM,
            "alpha": head.alpha,
            **_figures("training", RegressionReport.of(train_y, head.predict(train_x))),
            **_figures("testing", testing_report),
            "testing_baseline_mae": baseline,
            "num_training_samples": len(training),
            "num_testing_samples": len(testing),
            "seconds": round(time.perf_counter() - started, 3),
            "train_details": dict(params.get("train_details") or {}),
        }
        return head, metrics

    head, metrics = await asyncio.to_thread(fit)
    return TrainingOutcome(
        artifact=head.to_bytes(),
        labels=[],
        metrics=metrics,
        message=f"ridge (alpha {head.alpha:g}) on {len(training)} training and {len(testing)} testing images",
    )
