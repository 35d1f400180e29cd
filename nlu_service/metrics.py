"""Prometheus series of the micro-batching queues (text encoder, image backbone), on `/metrics`.

One collector is registered in the default registry for the process; it sums the stats of
every live `BatchingEncoder` (one per app instance, so tests may hold several) by the
`backbone` label each was registered with (`minilm` in the NLU service, `efficientnet_lite0`
in the vision service).

Two histograms are observed by the encoder's thread after each batch:
`baobab_inference_seconds{backbone}` (the time one batch took) and
`baobab_encoder_batch_size{backbone}` (the inputs in it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import REGISTRY, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from nlu_service.encoding import BatchingEncoder


class _EncoderCollector(Collector):
    def __init__(self) -> None:
        self.encoders: dict[BatchingEncoder, str] = {}

    def collect(self) -> Iterator[Metric]:
        by_backbone: dict[str, list[dict[str, Any]]] = {}
        for encoder, backbone in list(self.encoders.items()):
            by_backbone.setdefault(backbone, []).append(encoder.stats())
        families: dict[str, CounterMetricFamily | GaugeMetricFamily] = {
            "batches": CounterMetricFamily(
                "baobab_encoder_batches", "Batches the backbone ran.", labels=["backbone"]
            ),
            "texts": CounterMetricFamily(
                "baobab_encoder_texts",
                "Inputs (texts or images) the backbone embedded.",
                labels=["backbone"],
            ),
            "rejected": CounterMetricFamily(
                "baobab_encoder_rejected",
                "Requests refused because the backbone's queue was full.",
                labels=["backbone"],
            ),
            "busy_s": CounterMetricFamily(
                "baobab_encoder_busy_seconds",
                "Seconds the backbone's thread spent running it.",
                labels=["backbone"],
            ),
            "mean": GaugeMetricFamily(
                "baobab_encoder_mean_batch_size", "Mean inputs per batch.", labels=["backbone"]
            ),
            "queued": GaugeMetricFamily(
                "baobab_encoder_queued_texts",
                "Inputs waiting in the interactive queue.",
                labels=["backbone"],
            ),
        }
        for backbone, stats in sorted(by_backbone.items()):

            def total(key: str, stats: list[dict[str, Any]] = stats) -> float:
                return float(sum(s[key] for s in stats))

            batches, inputs = total("batches"), total("texts")
            families["batches"].add_metric([backbone], batches)
            families["texts"].add_metric([backbone], inputs)
            families["rejected"].add_metric([backbone], total("rejected"))
            families["busy_s"].add_metric([backbone], total("busy_s"))
            families["mean"].add_metric([backbone], inputs / batches if batches else 0.0)
            families["queued"].add_metric([backbone], total("queued_texts"))
        yield from families.values()


# Defined at import (default registry): several apps in one test process share them.
INFERENCE_SECONDS = Histogram(
    "baobab_inference_seconds",
    "Seconds the backbone took for one batch.",
    ["backbone"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
BATCH_SIZE = Histogram(
    "baobab_encoder_batch_size",
    "Inputs (texts or images) in one backbone batch.",
    ["backbone"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)

_collector: _EncoderCollector | None = None
_lock = threading.Lock()


def register_encoder(encoder: BatchingEncoder, backbone: str = "minilm") -> Callable[[], None]:
    """Include `encoder` in `/metrics` under `backbone`; return the function that takes it out."""
    global _collector
    with _lock:
        if _collector is None:
            _collector = _EncoderCollector()
            REGISTRY.register(_collector)
        collector = _collector
        collector.encoders[encoder] = backbone
    seconds = INFERENCE_SECONDS.labels(backbone)
    sizes = BATCH_SIZE.labels(backbone)

    def observe(inputs: int, elapsed_s: float) -> None:
        seconds.observe(elapsed_s)
        sizes.observe(inputs)

    encoder.batch_observer = observe

    def unregister() -> None:
        collector.encoders.pop(encoder, None)
        encoder.batch_observer = None

    return unregister
