"""All SQL over the training_jobs table.

Every change of a job's state is a conditional UPDATE that names the state it expects
(and, for a worker, that it still owns the job), so two workers racing for one job can
never both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from model_store.tables import Model, TrainingJob
from shared import InternalCaller

ACTIVE_STATES = ("queued", "running")
FINISHED_STATES = ("succeeded", "failed")


@dataclass(frozen=True, slots=True)
class JobRow:
    """A job with the type and name of its model, as the wire shape needs them."""

    job: TrainingJob
    model_type: str
    model_name: str


@dataclass(frozen=True, slots=True)
class ClaimCandidate:
    id: str
    state: str
    attempts: int
    max_attempts: int
    model_trashed: bool
    model_type: str
    started_at: datetime | None


class JobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def scoped(caller: InternalCaller) -> Select[TrainingJob, str, str]:
        """Return a select of the jobs the caller may see: its tenant's, or all for the system."""
        stmt = select(TrainingJob, Model.model_type, Model.name).join(
            Model, Model.id == TrainingJob.model_id
        )
        if not caller.is_system:
            stmt = stmt.where(TrainingJob.tenant == caller.tenant)
        return stmt.execution_options(populate_existing=True)

    async def get(self, caller: InternalCaller, job_id: str) -> JobRow | None:
        row = (
            await self.session.execute(self.scoped(caller).where(TrainingJob.id == job_id))
        ).first()
        return JobRow(row[0], row[1], row[2]) if row else None

    async def active_of_tenant(self, tenant: str) -> int:
        """Return how many of the tenant's jobs are queued or running."""
        stmt = select(func.count(TrainingJob.id)).where(
            TrainingJob.tenant == tenant, TrainingJob.state.in_(("queued", "running"))
        )
        return int(await self.session.scalar(stmt) or 0)

    async def count_by_state(self) -> dict[str, int]:
        """Return how many jobs of every tenant are in each state (states with none are absent)."""
        stmt = select(TrainingJob.state, func.count(TrainingJob.id)).group_by(TrainingJob.state)
        return {state: int(n) for state, n in (await self.session.execute(stmt)).tuples()}

    async def add(self, job: TrainingJob) -> None:
        self.session.add(job)
        await self.session.flush()

    # The methods below take model ids the caller got from a tenant-scoped model lookup.

    async def active_and_last(
        self, model_ids: Collection[str]
    ) -> tuple[dict[str, TrainingJob], dict[str, TrainingJob]]:
        """Return each model's oldest unfinished job and its most recently finished one."""
        active: dict[str, TrainingJob] = {}
        last: dict[str, TrainingJob] = {}
        ids = list(model_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            active_rank = (
                func.row_number()
                .over(
                    partition_by=TrainingJob.model_id,
                    order_by=(TrainingJob.created_at, TrainingJob.id),
                )
                .label("rank")
            )
            last_rank = (
                func.row_number()
                .over(
                    partition_by=TrainingJob.model_id,
                    order_by=(TrainingJob.finished_at.desc(), TrainingJob.created_at.desc()),
                )
                .label("rank")
            )
            for states, rank, into in (
                (ACTIVE_STATES, active_rank, active),
                (FINISHED_STATES, last_rank, last),
            ):
                ranked = (
                    select(TrainingJob.id, rank)
                    .where(TrainingJob.model_id.in_(chunk), TrainingJob.state.in_(states))
                    .subquery()
                )
                stmt = (
                    select(TrainingJob)
                    .join(ranked, ranked.c.id == TrainingJob.id)
                    .where(ranked.c.rank == 1)
                    .execution_options(populate_existing=True)
                )
                for job in (await self.session.scalars(stmt)).all():
                    into[job.model_id] = job
        return active, last

    @property
    def locks_rows(self) -> bool:
        """Whether `claim_candidates` locks what it reads (PostgreSQL) or not (SQLite)."""
        return self.session.get_bind().dialect.name == "postgresql"

    async def claim_candidates(
        self,
        service: str,
        now: datetime,
        limit: int,
        model_types: Collection[str] | None = None,
    ) -> list[ClaimCandidate]:
        """Return the oldest claimable jobs: queued, or running with an expired lease.

        With `model_types`, only jobs of models of those types (the ones the claiming
        worker can train); the others stay for a worker that can. On PostgreSQL the rows
        are locked and rows locked by another claimer are skipped, so concurrent claimers
        spread over different jobs instead of queueing on one.
        """
        stmt = (
            select(
                TrainingJob.id,
                TrainingJob.state,
                TrainingJob.attempts,
                TrainingJob.max_attempts,
                Model.trashed,
                Model.model_type,
                TrainingJob.started_at,
            )
            .join(Model, Model.id == TrainingJob.model_id)
            .where(TrainingJob.service == service, self._claimable(now))
            .order_by(TrainingJob.created_at, TrainingJob.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=TrainingJob)
        )
        if model_types is not None:
            stmt = stmt.where(Model.model_type.in_(list(model_types)))
        return [ClaimCandidate(*row) for row in (await self.session.execute(stmt)).tuples()]

    @staticmethod
    def _claimable(now: datetime) -> ColumnElement[bool]:
        return or_(
            TrainingJob.state == "queued",
            and_(TrainingJob.state == "running", TrainingJob.lease_expires_at < now),
        )

    async def transition(
        self,
        job_id: str,
        *,
        expect_state: str | Collection[str],
        expect_attempts: int | None = None,
        expect_worker: str | None = None,
        claimable_at: datetime | None = None,
        values: dict[str, object],
    ) -> bool:
        """Apply `values` to the job only if it is still as expected; return whether it was."""
        states = [expect_state] if isinstance(expect_state, str) else list(expect_state)
        stmt = update(TrainingJob).where(TrainingJob.id == job_id, TrainingJob.state.in_(states))
        if expect_attempts is not None:
            stmt = stmt.where(TrainingJob.attempts == expect_attempts)
        if expect_worker is not None:
            stmt = stmt.where(TrainingJob.worker_id == expect_worker)
        if claimable_at is not None:
            stmt = stmt.where(self._claimable(claimable_at))
        stmt = stmt.values(**values).returning(TrainingJob.id)
        result = await self.session.execute(stmt.execution_options(synchronize_session=False))
        return result.first() is not None

    async def fail_queued_of_model(self, model_id: str, error: str, now: datetime) -> None:
        await self.session.execute(
            update(TrainingJob)
            .where(TrainingJob.model_id == model_id, TrainingJob.state == "queued")
            .values(state="failed", error=error, finished_at=now)
            .execution_options(synchronize_session=False)
        )
