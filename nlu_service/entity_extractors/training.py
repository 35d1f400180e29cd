"""Runs one CRF or synonym extractor training job: samples in, artifact and metrics out."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from nlu_service.engine.crf import EntityText, Span, SpanScores, score, train_crf
from nlu_service.engine.synonyms import SynonymMatcher, synonyms_from_samples
from nlu_service.entity_extractors.service import CRF_MODEL_TYPE
from nlu_service.training.worker import TrainingFailed, TrainingOutcome
from shared import ModelStoreClient


def entity_texts(samples: list[dict[str, Any]]) -> list[EntityText]:
    """Return the samples with text as CRF data (synset-only samples carry no utterance)."""
    out = []
    for s in samples:
        if not (s.get("text") or "").strip():
            continue
        spans = [
            Span(e["entity"], e["index"], e["len"])
            for e in s.get("entities") or []
            if isinstance(e.get("index"), int) and isinstance(e.get("len"), int)
        ]
        out.append(EntityText(s["text"], spans, s.get("uuid")))
    return out


async def run_entity_extractor_job(store: ModelStoreClient, job: dict[str, Any]) -> TrainingOutcome:
    tenant, name, model_type = job["tenant"], job["model_name"], job["model_type"]
    training = await store.get_samples(tenant, model_type, name, "training")
    testing = await store.get_samples(tenant, model_type, name, "testing")
    train, test = entity_texts(training), entity_texts(testing)

    def fit() -> tuple[bytes, list[str], dict[str, Any]]:
        started = time.perf_counter()
        trained: SpanScores | None
        tested: SpanScores | None
        if model_type == CRF_MODEL_TYPE:
            try:
                tagger, report = train_crf(train, test)
            except ValueError as exc:
                raise TrainingFailed(str(exc)) from exc
            trained, tested = report.training, report.testing
            artifact, labels = tagger.to_bytes(), tagger.labels
        else:
            synonyms = synonyms_from_samples(training)
            if not synonyms:
                raise TrainingFailed("no synonyms: give samples with a syn_set or a span")
            matcher = SynonymMatcher.build(synonyms)
            trained = score(matcher, train) if train else None
            tested = score(matcher, test) if test else None
            artifact, labels = matcher.to_bytes(), matcher.labels
        metrics: dict[str, Any] = {
            "training_accuracy": trained.sentence_accuracy if trained else None,
            "training_f1": trained.f1 if trained else None,
            "testing_accuracy": tested.sentence_accuracy if tested else None,
            "testing_f1": tested.f1 if tested else None,
            "testing_per_entity": tested.per_entity if tested else {},
            "num_training_samples": len(training),
            "num_testing_samples": len(testing),
            "seconds": round(time.perf_counter() - started, 3),
            "train_details": dict((job.get("params") or {}).get("train_details") or {}),
        }
        return artifact, labels, metrics

    artifact, labels, metrics = await asyncio.to_thread(fit)
    message = f"{model_type} on {len(training)} training and {len(testing)} testing samples"
    return TrainingOutcome(artifact=artifact, labels=labels, metrics=metrics, message=message)
