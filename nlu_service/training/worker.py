"""The training worker every NLU replica runs: claim a job, train, store the revision.

Jobs live in the model store; its claim is a conditional update with a lease, so any
number of replicas may run workers and each job has one owner. While a job trains the
worker renews its lease; a worker that dies loses it and the job is claimed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from shared import BaobabError, Conflict, ModelStoreClient, NotFound

log = logging.getLogger("baobab.nlu.worker")


@dataclass(frozen=True, slots=True)
class TrainingOutcome:
    """What a trainer hands back: the artifact of the new revision and what to store with it."""

    artifact: bytes
    labels: list[str]
    metrics: dict[str, Any]
    message: str = ""


class TrainingFailed(Exception):
    """A job that cannot succeed; its message is what the user reads in `training_error`."""


Trainer = Callable[[dict[str, Any]], Awaitable[TrainingOutcome]]
OnTrained = Callable[[dict[str, Any]], Awaitable[None]]


class TrainingWorker:
    """Claims `service` jobs of the model types it has trainers for and runs their trainers."""

    def __init__(
        self,
        store: ModelStoreClient,
        trainers: dict[str, Trainer],
        *,
        service: str = "nlu",
        lease_s: float = 60.0,
        heartbeat_s: float = 10.0,
        poll_interval_s: float = 1.0,
        on_trained: OnTrained | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.store = store
        self.trainers = trainers
        self.service = service
        self.lease_s = lease_s
        self.heartbeat_s = min(heartbeat_s, lease_s / 3)
        self.poll_interval_s = poll_interval_s
        self.on_trained = on_trained
        self.worker_id = worker_id or f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self.jobs_succeeded = 0
        self.jobs_failed = 0

    def wake(self) -> None:
        """Look for a job now instead of at the next poll (a train call on this replica)."""
        self._wake.set()

    async def run(self) -> None:
        """Claim and run jobs until cancelled."""
        log.info("training worker %s started", self.worker_id)
        failing = False
        while True:
            try:
                worked = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the store is down or answered oddly: try again later
                # Warn once per outage, not once per poll.
                log.log(
                    logging.DEBUG if failing else logging.WARNING,
                    "cannot claim training jobs: %s",
                    exc,
                )
                failing, worked = True, False
            else:
                if failing:
                    log.info("training worker %s can claim jobs again", self.worker_id)
                failing = False
            if worked:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)

    @property
    def model_types(self) -> list[str]:
        """The model types this worker has trainers for: the only jobs it claims."""
        return sorted(self.trainers)

    async def run_once(self) -> bool:
        """Claim one job of a model type it can train and run it; return False when there was none.

        Jobs of other model types stay queued for a worker that has their trainer.
        """
        if not self.trainers:
            return False
        job = await self.store.claim_job(
            self.service, self.worker_id, self.lease_s, self.model_types
        )
        if job is None:
            return False
        await self._run_job(job)
        return True

    async def _run_job(self, job: dict[str, Any]) -> None:
        job_id = job["id"]
        log.info(
            "training %s '%s' of tenant %s (job %s, attempt %s)",
            job.get("model_type"),
            job.get("model_name"),
            job.get("tenant"),
            job_id,
            job.get("attempts"),
        )
        lost = asyncio.Event()
        heartbeat = asyncio.create_task(self._heartbeat(job_id, lost))
        try:
            outcome = await self._train(job)
        except TrainingFailed as exc:
            await self._fail(job, str(exc), lost)
            return
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        if lost.is_set():
            log.warning("job %s: lease lost while training; another worker owns it now", job_id)
            return
        try:
            completed = await self.store.complete_job(
                job_id,
                self.worker_id,
                outcome.artifact,
                outcome.labels,
                outcome.metrics,
                outcome.message,
            )
        except (Conflict, NotFound) as exc:
            log.warning("job %s could not be completed: %s", job_id, exc.detail)
            return
        if completed.get("state") != "succeeded":
            # The store refuses a revision for a model trashed while it trained.
            log.info("job %s ended %s: %s", job_id, completed.get("state"), completed.get("error"))
            return
        self.jobs_succeeded += 1
        if self.on_trained is not None:
            await self.on_trained(job)

    async def _train(self, job: dict[str, Any]) -> TrainingOutcome:
        """Return the trainer's outcome; every failure becomes `TrainingFailed` with a clear message."""
        trainer = self.trainers.get(str(job.get("model_type")))
        if trainer is None:
            raise TrainingFailed(
                f"no trainer for model type '{job.get('model_type')}' in the nlu service"
            )
        try:
            return await trainer(job)
        except asyncio.CancelledError:
            raise
        except NotFound as exc:
            raise TrainingFailed(f"the model was deleted while training: {exc.detail}") from exc
        except BaobabError as exc:
            raise TrainingFailed(exc.detail) from exc
        except ValueError as exc:  # the engine's TrainingDataError and UnknownAlgorithm
            raise TrainingFailed(str(exc)) from exc
        except Exception as exc:
            log.exception("job %s crashed", job["id"])
            raise TrainingFailed(f"training crashed: {type(exc).__name__}: {exc}") from exc

    async def _fail(self, job: dict[str, Any], error: str, lost: asyncio.Event) -> None:
        self.jobs_failed += 1
        log.warning("job %s failed: %s", job["id"], error)
        if lost.is_set():
            return
        try:
            await self.store.fail_job(job["id"], self.worker_id, error)
        except (Conflict, NotFound) as exc:
            log.warning("job %s could not be marked failed: %s", job["id"], exc.detail)

    async def _heartbeat(self, job_id: str, lost: asyncio.Event) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await self.store.heartbeat_job(job_id, self.worker_id, self.lease_s)
            except (Conflict, NotFound):
                lost.set()
                return
            except Exception as exc:  # a blip: the lease is long enough for the next beat
                log.warning("job %s heartbeat failed: %s", job_id, exc)
