"""Prometheus series of training jobs: how many are in each state, and how long they ran.

`baobab_training_jobs{state}` is counted in the database (so it is the same whichever
replica is scraped) by `JobGaugeRefresher`, a background task of the lifespan: a scrape
only reads the last counts and never waits on the database. Each count is a GROUP BY over
the jobs table, cheap enough every `job_metrics_interval_s` (default 15 s).

`baobab_training_job_duration_seconds{model_type, outcome}` is observed when a job that
ran finishes (from its last claim to its end), once the transaction that finished it has
committed: a rolled-back finish is not counted. Jobs that end without ever running (queued
jobs of a deleted model) are not observed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import get_args

from prometheus_client import Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from model_store.jobs.repository import JobRepository
from model_store.jobs.schemas import JobState

log = logging.getLogger("baobab.model_store.jobs")

JOB_STATES: tuple[str, ...] = get_args(JobState)

# Defined at import (default registry): several apps in one test process share them.
TRAINING_JOBS = Gauge(
    "baobab_training_jobs", "Training jobs of every tenant in each state.", ["state"]
)
JOB_DURATION = Histogram(
    "baobab_training_job_duration_seconds",
    "Seconds a training job ran, from its last claim to its end, by outcome.",
    ["model_type", "outcome"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200),
)
for _state in JOB_STATES:
    TRAINING_JOBS.labels(_state)

_PENDING = "baobab_finished_jobs"


def observe_finished(
    session: AsyncSession,
    model_type: str,
    outcome: str,
    started_at: datetime | None,
    finished_at: datetime,
) -> None:
    """Observe a finished job's run time once `session` commits (nothing if it never ran)."""
    if started_at is None:
        return
    seconds = max(0.0, (finished_at - started_at).total_seconds())
    session.info.setdefault(_PENDING, []).append((model_type, outcome, seconds))


@event.listens_for(Session, "after_commit")
def _observe_committed(session: Session) -> None:
    for model_type, outcome, seconds in session.info.pop(_PENDING, ()):
        JOB_DURATION.labels(model_type, outcome).observe(seconds)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


async def refresh_job_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Count the jobs in each state in the database, set the gauge, and return the counts."""
    async with sessions() as session:
        counts = await JobRepository(session).count_by_state()
    for state in JOB_STATES:
        TRAINING_JOBS.labels(state).set(counts.get(state, 0))
    return counts


class JobGaugeRefresher:
    """Recounts `baobab_training_jobs` every `interval_s` seconds until closed."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], interval_s: float) -> None:
        self._sessions = sessions
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        failing = False
        while True:
            try:
                await refresh_job_counts(self._sessions)
            except Exception as exc:  # the database may be away for a while; keep trying
                if not failing:
                    log.warning("could not count training jobs for /metrics: %r", exc)
                failing = True
            else:
                failing = False
            await asyncio.sleep(self._interval_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="training-job-gauge")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
