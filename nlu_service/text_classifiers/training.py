"""Runs one text-classifier training job: the shared classifier job for this family."""

from __future__ import annotations

from typing import Any

from nlu_service.classifiers.training import build_metrics, curate_index, run_classifier_job
from nlu_service.encoding import BulkEncoderView
from nlu_service.text_classifiers.service import TEXT_CLASSIFIERS
from nlu_service.training.worker import TrainingOutcome
from shared import ModelStoreClient


async def run_text_classifier_job(
    store: ModelStoreClient, encoder: BulkEncoderView, job: dict[str, Any]
) -> TrainingOutcome:
    """Fetch the job's samples (as its tenant), fit the head in a thread, and describe it."""
    return await run_classifier_job(TEXT_CLASSIFIERS, store, encoder, job)


__all__ = ["build_metrics", "curate_index", "run_text_classifier_job"]
