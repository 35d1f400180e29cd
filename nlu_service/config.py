"""The NLU service's settings, read from `BAOBAB_*` environment variables."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from shared import ServiceSettings


class Settings(ServiceSettings):
    """Text models: the shared encoder, its batching queue, hot models and training workers."""

    # Encoder: ONNX intra-op threads, and how the micro-batching queue groups requests.
    encoder_threads: int = Field(default=2, ge=1)
    batch_max_size: int = Field(default=32, ge=1)
    batch_max_wait_ms: float = Field(default=2.0, ge=0)
    # Texts waiting in the interactive queue; one more is refused with 429 at once.
    queue_capacity: int = Field(default=512, ge=1)

    # Hot models: loaded heads kept in memory, pointers to current revisions, Redis TTLs.
    lru_size: int = Field(default=512, ge=1)
    lru_max_mb: float = Field(default=512.0, gt=0)
    pointer_cache_size: int = Field(default=8192, ge=1)
    artifact_ttl_s: int = Field(default=24 * 3600, ge=1)
    pointer_ttl_s: float = Field(default=60.0, gt=0)
    # Without working Redis a replica cannot hear other replicas' changes: re-read this often.
    degraded_pointer_ttl_s: float = Field(default=2.0, gt=0)

    def cache_options(self) -> dict[str, Any]:
        """Return the `HotModelCache` keywords these settings give (Redis, sizes, TTLs)."""
        return {
            "redis_url": self.redis_url,
            "namespace": self.cache_namespace,
            "lru_size": self.lru_size,
            "lru_max_bytes": int(self.lru_max_mb * 1024 * 1024),
            "pointer_size": self.pointer_cache_size,
            "artifact_ttl_s": self.artifact_ttl_s,
            "pointer_ttl_s": self.pointer_ttl_s,
            "degraded_pointer_ttl_s": self.degraded_pointer_ttl_s,
        }

    # Training worker: every replica runs one unless disabled.
    worker_enabled: bool = True
    worker_lease_s: float = Field(default=60.0, gt=0)
    worker_heartbeat_s: float = Field(default=10.0, gt=0)
    worker_poll_interval_s: float = Field(default=1.0, gt=0)

    # How long `immediate_mode: true` waits for its job before answering with the stamp empty.
    immediate_mode_timeout_s: float = Field(default=120.0, gt=0)
    immediate_mode_poll_s: float = Field(default=0.1, gt=0)

    # t-SNE runs over at most this many training samples.
    tsne_max_samples: int = Field(default=2_000, ge=2)

    # Date parsers: relative dates count from now in this IANA zone, which dates without one get.
    date_parser_timezone: str = "Africa/Johannesburg"

    # Data objects: the largest JSON object one may hold (bytes of its compact UTF-8 JSON).
    data_object_max_bytes: int = Field(default=1024 * 1024, ge=2)
