"""Settings of the model store."""

from __future__ import annotations

from pydantic import Field

from shared import ServiceSettings


class Settings(ServiceSettings):
    """The model store's configuration, read from `BAOBAB_*` environment variables."""

    # Completing a training job carries the artifact (base64) in the body.
    max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # Training jobs one tenant may have queued or running at once; one more is a 429, so a
    # tenant cannot fill every worker's queue and starve the others.
    max_active_jobs_per_tenant: int = Field(default=8, ge=1)
    # How many times a training job may be claimed before it is marked failed.
    job_max_attempts: int = Field(default=3, ge=1)
    # Bounds on the lease a worker may ask for when it claims or heartbeats a job.
    job_max_lease_s: float = Field(default=3600.0, gt=0)
    # The largest encoded image one image sample may carry (decoded bytes, not base64).
    max_image_bytes: int = Field(default=10_000_000, ge=1)
    # A model's t-SNE plot: at most this many points.
    max_tsne_points: int = Field(default=100_000, ge=1)
    # How often the `baobab_training_jobs` gauge on /metrics is recounted in the database.
    job_metrics_interval_s: float = Field(default=15.0, gt=0)
