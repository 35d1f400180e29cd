"""Wire shapes of training jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from model_store.deps import MODEL_TYPE_PATTERN, SERVICE_PATTERN
from model_store.schema_types import IsoDatetime, RequestBody, ResponseBody

if TYPE_CHECKING:
    from model_store.tables import TrainingJob

JobState = Literal["queued", "running", "succeeded", "failed"]
ServiceName = Annotated[str, StringConstraints(pattern=SERVICE_PATTERN)]
WorkerId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
# Lease lengths are checked against the settings' maximum in the service.
LeaseSeconds = Annotated[float, Field(gt=0)]
ModelTypeName = Annotated[str, StringConstraints(pattern=MODEL_TYPE_PATTERN)]
# A worker names the model types it has trainers for; a service has a handful.
MAX_CLAIM_MODEL_TYPES = 32
ClaimModelTypes = Annotated[
    list[ModelTypeName], Field(min_length=1, max_length=MAX_CLAIM_MODEL_TYPES)
]


class JobCreate(RequestBody):
    service: ServiceName
    params: dict[str, Any] = Field(default_factory=dict)


class JobClaim(RequestBody):
    service: ServiceName
    worker_id: WorkerId
    lease_s: LeaseSeconds
    # The model types this worker can train: only their jobs are claimed. None: any type.
    model_types: ClaimModelTypes | None = None

    @field_validator("model_types")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("model_types must not repeat a model type")
        return value


class JobHeartbeat(RequestBody):
    worker_id: WorkerId
    lease_s: LeaseSeconds


class JobComplete(RequestBody):
    worker_id: WorkerId
    artifact_b64: str
    labels: list[str] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    message: str = ""


class JobFail(RequestBody):
    worker_id: WorkerId
    error: str


class JobOut(ResponseBody):
    id: str
    tenant: str
    model_id: str
    model_type: str
    model_name: str
    service: str
    state: JobState
    params: dict[str, Any]
    attempts: int
    error: str | None
    worker_id: str | None
    lease_expires_at: IsoDatetime | None
    revision_id: str | None
    created_at: IsoDatetime
    started_at: IsoDatetime | None
    finished_at: IsoDatetime | None

    @classmethod
    def of(cls, job: TrainingJob, model_type: str, model_name: str) -> JobOut:
        return cls(
            id=job.id,
            tenant=job.tenant,
            model_id=job.model_id,
            model_type=model_type,
            model_name=model_name,
            service=job.service,
            state=job.state,  # type: ignore[arg-type]
            params=job.params,
            attempts=job.attempts,
            error=job.error,
            worker_id=job.worker_id,
            lease_expires_at=job.lease_expires_at,
            revision_id=job.revision_id,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )
