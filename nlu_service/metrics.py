"""Prometheus series of the micro-batching encoder, served by `/metrics`.

One collector is registered in the default registry for the process; it sums the stats of
every live `BatchingEncoder` (one per app instance, so tests may hold several).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from nlu_service.encoding import BatchingEncoder


class _EncoderCollector(Collector):
    def __init__(self) -> None:
        self.encoders: set[BatchingEncoder] = set()

    def collect(self) -> Iterator[Metric]:
        stats = [e.stats() for e in list(self.encoders)]

        def total(key: str) -> float:
            return float(sum(s[key] for s in stats))

        batches = total("batches")
        texts = total("texts")
        yield CounterMetricFamily(
            "baobab_encoder_batches", "Batches the text encoder ran.", value=batches
        )
        yield CounterMetricFamily(
            "baobab_encoder_texts", "Texts the text encoder embedded.", value=texts
        )
        yield CounterMetricFamily(
            "baobab_encoder_rejected",
            "Requests refused because the encoder queue was full.",
            value=total("rejected"),
        )
        yield CounterMetricFamily(
            "baobab_encoder_busy_seconds",
            "Seconds the encoder thread spent encoding.",
            value=total("busy_s"),
        )
        yield GaugeMetricFamily(
            "baobab_encoder_mean_batch_size",
            "Mean texts per encoder batch.",
            value=texts / batches if batches else 0.0,
        )
        yield GaugeMetricFamily(
            "baobab_encoder_queued_texts",
            "Texts waiting in the interactive queue.",
            value=total("queued_texts"),
        )


_collector: _EncoderCollector | None = None
_lock = threading.Lock()


def register_encoder(encoder: BatchingEncoder) -> Callable[[], None]:
    """Include `encoder` in `/metrics`; return the function that takes it out again."""
    global _collector
    with _lock:
        if _collector is None:
            _collector = _EncoderCollector()
            REGISTRY.register(_collector)
        collector = _collector
        collector.encoders.add(encoder)
    return lambda: collector.encoders.discard(encoder)
