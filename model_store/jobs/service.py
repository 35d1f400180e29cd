"""Training jobs: queue, claim under a lease, heartbeat, complete (a new revision) or fail."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from model_store.catalog.repository import ModelRepository
from model_store.catalog.service import MODEL_DELETED, require_live_model
from model_store.config import Settings
from model_store.jobs.metrics import observe_finished
from model_store.jobs.repository import ClaimCandidate, JobRepository, JobRow
from model_store.jobs.schemas import JobClaim, JobComplete, JobCreate, JobOut
from model_store.revisions.repository import RevisionRepository
from model_store.tables import ModelRevision, TrainingJob, new_id, utcnow
from shared import SYSTEM_TENANT, Conflict, InternalCaller, InvalidInput, NotFound, RateLimited

# PostgreSQL locks each candidate it reads (SKIP LOCKED), so a claim reads one job at a
# time: locking more would hide them from other claimers. SQLite cannot lock rows; a claim
# reads a few and tries each. Every lost race means another claimer won, so the rounds end.
_CLAIM_BATCH_LOCKED = 1
_CLAIM_BATCH_UNLOCKED = 8
_CLAIM_ROUNDS = 100
_MAX_ERROR_CHARS = 4_000
_SYSTEM = InternalCaller(tenant=SYSTEM_TENANT, request_id="")


class JobQueue:
    """Training jobs of every tenant; works inside the request's transaction."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.jobs = JobRepository(session)
        self.models = ModelRepository(session)
        self.revisions = RevisionRepository(session)

    def _lease(self, lease_s: float) -> timedelta:
        if lease_s > self.settings.job_max_lease_s:
            raise InvalidInput(f"lease_s may be at most {self.settings.job_max_lease_s:g} seconds")
        return timedelta(seconds=lease_s)

    async def _row(self, caller: InternalCaller, job_id: str) -> JobRow:
        row = await self.jobs.get(caller, job_id)
        if row is None:
            raise NotFound(f"job {job_id} not found")
        return row

    async def _out(self, caller: InternalCaller, job_id: str) -> JobOut:
        row = await self._row(caller, job_id)
        return JobOut.of(row.job, row.model_type, row.model_name)

    async def create(self, tenant: str, model_type: str, name: str, body: JobCreate) -> JobOut:
        model = await require_live_model(self.session, tenant, model_type, name)
        cap = self.settings.max_active_jobs_per_tenant
        if await self.jobs.active_of_tenant(tenant) >= cap:
            raise RateLimited(
                f"this tenant already has {cap} training jobs queued or running; "
                "train again when one of them is done",
                retry_after_s=5,
            )
        job = TrainingJob(
            tenant=tenant,
            model_id=model.id,
            service=body.service,
            state="queued",
            params=body.params,
            attempts=0,
            max_attempts=self.settings.job_max_attempts,
            created_at=utcnow(),
        )
        await self.jobs.add(job)
        return JobOut.of(job, model.model_type, model.name)

    async def get(self, caller: InternalCaller, job_id: str) -> JobOut:
        return await self._out(caller, job_id)

    async def claim(self, body: JobClaim) -> JobOut | None:
        """Claim the oldest claimable job of the service (of the worker's model types, when it
        names them) for the worker; None when there is none."""
        lease = self._lease(body.lease_s)
        batch = _CLAIM_BATCH_LOCKED if self.jobs.locks_rows else _CLAIM_BATCH_UNLOCKED
        for _ in range(_CLAIM_ROUNDS):
            now = utcnow()
            candidates = await self.jobs.claim_candidates(
                body.service, now, batch, body.model_types
            )
            if not candidates:
                return None
            for candidate in candidates:
                if await self._try_claim(candidate, now, now + lease, body.worker_id):
                    return await self._out(_SYSTEM, candidate.id)
        return None

    async def _try_claim(
        self, c: ClaimCandidate, now: datetime, lease_until: datetime, worker_id: str
    ) -> bool:
        """Take the job for the worker if nobody changed it since it was read; return whether we did."""

        async def move(values: dict[str, object]) -> bool:
            return await self.jobs.transition(
                c.id,
                expect_state=c.state,
                expect_attempts=c.attempts,
                claimable_at=now,
                values=values,
            )

        if c.attempts >= c.max_attempts:
            # Its last worker died holding it (a worker that gives up calls fail instead).
            if await move(self._finished("failed", now, error=f"worker died {c.attempts} times")):
                observe_finished(self.session, c.model_type, "failed", c.started_at, now)
            return False
        if c.model_trashed:
            if await move(self._finished("failed", now, error=MODEL_DELETED)):
                observe_finished(self.session, c.model_type, "failed", c.started_at, now)
            return False
        return await move(
            {
                "state": "running",
                "attempts": c.attempts + 1,
                "worker_id": worker_id,
                "lease_expires_at": lease_until,
                "started_at": now,
                "error": None,
            }
        )

    async def heartbeat(
        self, caller: InternalCaller, job_id: str, worker_id: str, lease_s: float
    ) -> JobOut:
        lease = self._lease(lease_s)
        row = await self._row(caller, job_id)
        owned = await self.jobs.transition(
            job_id,
            expect_state="running",
            expect_worker=worker_id,
            values={"lease_expires_at": utcnow() + lease},
        )
        if not owned:
            raise self._not_owned(row, worker_id)
        return await self._out(caller, job_id)

    async def complete(self, caller: InternalCaller, job_id: str, body: JobComplete) -> JobOut:
        """Store the artifact as the model's next revision and make it current, in one transaction."""
        try:
            artifact = base64.b64decode(body.artifact_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(f"artifact_b64 is not valid base64: {exc}") from exc
        row = await self._row(caller, job_id)
        if row.job.state != "running" or row.job.worker_id != body.worker_id:
            raise self._not_owned(row, body.worker_id)
        now = utcnow()
        # The model row is locked before the job's, in the same order as trashing takes them.
        model = await self.models.get_unscoped(row.job.model_id, for_update=True)
        if model is None or model.trashed:
            if not await self.jobs.transition(
                job_id,
                expect_state="running",
                expect_worker=body.worker_id,
                values=self._finished("failed", now, error=MODEL_DELETED),
            ):
                raise self._not_owned(row, body.worker_id)
            observe_finished(self.session, row.model_type, "failed", row.job.started_at, now)
            return await self._out(caller, job_id)
        revision_id = new_id()
        if not await self.jobs.transition(
            job_id,
            expect_state="running",
            expect_worker=body.worker_id,
            values={**self._finished("succeeded", now), "revision_id": revision_id},
        ):
            raise self._not_owned(row, body.worker_id)
        observe_finished(self.session, row.model_type, "succeeded", row.job.started_at, now)
        revision = ModelRevision(
            id=revision_id,
            model_id=model.id,
            version=await self.revisions.next_version(model.id),
            artifact=artifact,
            labels=body.labels,
            metrics=body.metrics,
            message=body.message,
            created_at=now,
        )
        await self.revisions.add(revision)
        model.current_revision_id = revision.id
        model.updated_at = now
        await self.session.flush()
        return await self._out(caller, job_id)

    async def fail(self, caller: InternalCaller, job_id: str, worker_id: str, error: str) -> JobOut:
        row = await self._row(caller, job_id)
        now = utcnow()
        if not await self.jobs.transition(
            job_id,
            expect_state="running",
            expect_worker=worker_id,
            values=self._finished("failed", now, error=error[:_MAX_ERROR_CHARS] or "failed"),
        ):
            raise self._not_owned(row, worker_id)
        observe_finished(self.session, row.model_type, "failed", row.job.started_at, now)
        return await self._out(caller, job_id)

    @staticmethod
    def _finished(state: str, now: datetime, error: str | None = None) -> dict[str, object]:
        return {"state": state, "finished_at": now, "lease_expires_at": None, "error": error}

    @staticmethod
    def _not_owned(row: JobRow, worker_id: str) -> Conflict:
        return Conflict(f"job {row.job.id} is {row.job.state} and not owned by worker {worker_id}")
