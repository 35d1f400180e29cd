"""Routes over training jobs: queue one for a model, and the worker side (claim, heartbeat, finish)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from model_store.deps import (
    CallerDep,
    IdPath,
    ModelNamePath,
    ModelTypePath,
    SessionDep,
    SettingsDep,
    SystemCallerDep,
    TenantDep,
)
from model_store.jobs.schemas import JobClaim, JobComplete, JobCreate, JobFail, JobHeartbeat, JobOut
from model_store.jobs.service import JobQueue

router = APIRouter(tags=["jobs"])


@router.post("/models/{model_type}/{name}/jobs")
async def create_job(
    tenant: TenantDep,
    model_type: ModelTypePath,
    name: ModelNamePath,
    body: JobCreate,
    session: SessionDep,
    settings: SettingsDep,
) -> JobOut:
    return await JobQueue(session, settings).create(tenant, model_type, name, body)


@router.post(
    "/jobs/claim", response_model=JobOut, responses={204: {"description": "no job to claim"}}
)
async def claim_job(
    _: SystemCallerDep, body: JobClaim, session: SessionDep, settings: SettingsDep
) -> JobOut | Response:
    job = await JobQueue(session, settings).claim(body)
    return job if job is not None else Response(status_code=204)


@router.get("/jobs/{job_id}")
async def get_job(
    caller: CallerDep, job_id: IdPath, session: SessionDep, settings: SettingsDep
) -> JobOut:
    return await JobQueue(session, settings).get(caller, job_id)


@router.post("/jobs/{job_id}/heartbeat")
async def heartbeat_job(
    caller: CallerDep,
    job_id: IdPath,
    body: JobHeartbeat,
    session: SessionDep,
    settings: SettingsDep,
) -> JobOut:
    return await JobQueue(session, settings).heartbeat(caller, job_id, body.worker_id, body.lease_s)


@router.post("/jobs/{job_id}/complete")
async def complete_job(
    caller: CallerDep, job_id: IdPath, body: JobComplete, session: SessionDep, settings: SettingsDep
) -> JobOut:
    return await JobQueue(session, settings).complete(caller, job_id, body)


@router.post("/jobs/{job_id}/fail")
async def fail_job(
    caller: CallerDep, job_id: IdPath, body: JobFail, session: SessionDep, settings: SettingsDep
) -> JobOut:
    return await JobQueue(session, settings).fail(caller, job_id, body.worker_id, body.error)
