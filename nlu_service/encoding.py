"""The micro-batching encoder: one thread runs the ONNX encoder for every request.

Requests from the event loop wait in a bounded *interactive* queue; work from other
threads (training, t-SNE) waits in a *bulk* queue that never refuses but only runs when no
interactive request is waiting. One worker thread drains them: it takes the oldest
interactive requests up to `max_batch` texts, waits at most `max_wait_s` (counted from the
oldest request's arrival, and only while the last batch served several callers) for the
batch to fill, encodes it in one call and hands each
caller its rows through `loop.call_soon_threadsafe`. The encoder never runs on the event
loop, and a full interactive queue answers 429 at once instead of queueing forever.
(Architecture after michaelfeil/infinity's `BatchHandler`.)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from shared import RateLimited, Unavailable

log = logging.getLogger("baobab.nlu.encoder")


class SentenceEncoder(Protocol):
    """What the pool needs from `engine.TextEncoder`."""

    dim: int

    def encode(self, texts: Sequence[Any], batch_size: int = 32) -> np.ndarray: ...


@dataclass(slots=True, eq=False)
class _Request:
    texts: list[Any]
    enqueued_at: float
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future[np.ndarray] | None = None
    sync_future: concurrent.futures.Future[np.ndarray] | None = None
    bulk: bool = False

    def cancelled(self) -> bool:
        if self.future is not None:
            return self.future.cancelled()
        return self.sync_future is not None and self.sync_future.cancelled()

    def resolve(self, result: np.ndarray | None, error: BaseException | None) -> None:
        if self.future is not None and self.loop is not None:
            try:
                self.loop.call_soon_threadsafe(_settle, self.future, result, error)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                pass
        elif self.sync_future is not None and not self.sync_future.cancelled():
            if error is not None:
                self.sync_future.set_exception(error)
            else:
                assert result is not None
                self.sync_future.set_result(result)


def _settle(
    future: asyncio.Future[np.ndarray], result: np.ndarray | None, error: BaseException | None
) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


@dataclass(slots=True)
class EncoderStats:
    batches: int = 0
    texts: int = 0
    requests: int = 0
    rejected: int = 0
    busy_s: float = 0.0
    max_batch_seen: int = 0
    batch_sizes: dict[int, int] = field(default_factory=dict)

    @property
    def mean_batch_size(self) -> float:
        return self.texts / self.batches if self.batches else 0.0


class BatchingEncoder:
    """Encodes texts for many concurrent callers in shared batches on one worker thread."""

    def __init__(
        self,
        encoder: SentenceEncoder,
        *,
        max_batch: int = 32,
        max_wait_s: float = 0.002,
        capacity: int = 512,
    ) -> None:
        self.encoder = encoder
        self.dim = encoder.dim
        self.max_batch = max(1, max_batch)
        self.max_wait_s = max(0.0, max_wait_s)
        self.capacity = max(1, capacity)
        self._interactive: deque[_Request] = deque()
        self._bulk: deque[_Request] = deque()
        self._queued_texts = 0
        self._cond = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._stats = EncoderStats()
        self._last_batch_requests = 0
        self.warmed = False
        # Called on the worker thread after each batch with (inputs, seconds): `/metrics`.
        self.batch_observer: Callable[[int, float], None] | None = None

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="encoder-batcher", daemon=True)
            self._thread.start()

    async def warmup(self) -> None:
        """Encode once through the queue so the first real request pays no start-up cost."""
        await self.encode(["warm up the encoder", "a second sentence"])
        self.warmed = True

    async def aclose(self) -> None:
        """Stop the worker thread; requests still queued fail with `Unavailable`."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 30)
            self._thread = None

    # -- submitting -------------------------------------------------------------------

    async def encode(self, texts: Sequence[Any]) -> np.ndarray:
        """Return the embeddings of `texts` (float32 [n, dim]); call from the event loop.

        Raises `RateLimited` at once when the interactive queue is full.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        loop = asyncio.get_running_loop()
        request = _Request(list(texts), time.monotonic(), loop=loop, future=loop.create_future())
        with self._cond:
            if self._closed:
                raise Unavailable("the encoder is shutting down")
            if self._queued_texts and self._queued_texts + len(request.texts) > self.capacity:
                self._stats.rejected += 1
                raise RateLimited("the encoder queue is full; retry shortly", retry_after_s=1)
            self._interactive.append(request)
            self._queued_texts += len(request.texts)
            self._stats.requests += 1
            self._cond.notify()
        assert request.future is not None
        return await request.future

    def encode_blocking(self, texts: Sequence[Any], batch_size: int | None = None) -> np.ndarray:
        """Return the embeddings of `texts`, waiting as long as it takes: for worker threads.

        Bulk work is cut into `max_batch` pieces so interactive requests can slip between them.
        Never call this on the event loop.
        """
        del batch_size  # the pool decides the batch size
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        futures: list[concurrent.futures.Future[np.ndarray]] = []
        with self._cond:
            if self._closed:
                raise Unavailable("the encoder is shutting down")
            for start in range(0, len(texts), self.max_batch):
                fut: concurrent.futures.Future[np.ndarray] = concurrent.futures.Future()
                chunk = list(texts[start : start + self.max_batch])
                self._bulk.append(_Request(chunk, time.monotonic(), sync_future=fut, bulk=True))
                futures.append(fut)
            self._stats.requests += 1
            self._cond.notify()
        return np.concatenate([f.result() for f in futures], axis=0)

    def as_text_encoder(self) -> BulkEncoderView:
        """Return an object with `TextEncoder`'s `encode` that feeds the bulk queue."""
        return BulkEncoderView(self)

    # -- the worker thread ------------------------------------------------------------

    def _take_batch(self) -> list[_Request] | None:
        """Return the next batch to encode, or None when closed and drained. Holds the lock."""
        with self._cond:
            while not self._interactive and not self._bulk:
                if self._closed:
                    return None
                self._cond.wait()
            if self._closed:
                return self._drain_all()
            if not self._interactive:
                return [self._bulk.popleft()]
            # Wait for company only under concurrent load (the last batch served several
            # callers): a lone caller would just pay max_wait_s of latency for nothing.
            wait_s = self.max_wait_s if self._last_batch_requests > 1 else 0.0
            deadline = self._interactive[0].enqueued_at + wait_s
            while True:
                queued = sum(len(r.texts) for r in self._interactive)
                remaining = deadline - time.monotonic()
                if queued >= self.max_batch or remaining <= 0 or self._closed:
                    break
                self._cond.wait(remaining)
            batch: list[_Request] = []
            size = 0
            while self._interactive and (
                not batch or size + len(self._interactive[0].texts) <= self.max_batch
            ):
                request = self._interactive.popleft()
                self._queued_texts -= len(request.texts)
                batch.append(request)
                size += len(request.texts)
            self._last_batch_requests = len(batch)
            return batch

    def _drain_all(self) -> list[_Request]:
        batch = list(self._interactive) + list(self._bulk)
        self._interactive.clear()
        self._bulk.clear()
        self._queued_texts = 0
        for request in batch:
            request.resolve(None, Unavailable("the encoder is shutting down"))
        return []

    def _run(self) -> None:
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            batch = [r for r in batch if not r.cancelled()]
            if not batch:
                continue
            texts = [t for r in batch for t in r.texts]
            started = time.perf_counter()
            try:
                vectors = self.encoder.encode(texts, batch_size=max(self.max_batch, len(texts)))
            except Exception as exc:  # a failure belongs to the callers, not to this thread
                log.exception("encoding a batch of %d texts failed", len(texts))
                for request in batch:
                    request.resolve(None, exc)
                continue
            elapsed = time.perf_counter() - started
            stats = self._stats
            stats.batches += 1
            stats.texts += len(texts)
            stats.busy_s += elapsed
            stats.max_batch_seen = max(stats.max_batch_seen, len(texts))
            stats.batch_sizes[len(texts)] = stats.batch_sizes.get(len(texts), 0) + 1
            if self.batch_observer is not None:
                self.batch_observer(len(texts), elapsed)
            offset = 0
            for request in batch:
                n = len(request.texts)
                request.resolve(vectors[offset : offset + n], None)
                offset += n

    # -- observing --------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Return counters for `/metrics`: batches, texts, mean batch size, queue depth."""
        s = self._stats
        with self._cond:
            queued = self._queued_texts
            bulk = sum(len(r.texts) for r in self._bulk)
        return {
            "batches": s.batches,
            "texts": s.texts,
            "requests": s.requests,
            "rejected": s.rejected,
            "mean_batch_size": round(s.mean_batch_size, 3),
            "max_batch_size": s.max_batch_seen,
            "busy_s": round(s.busy_s, 3),
            "queued_texts": queued,
            "queued_bulk_texts": bulk,
        }


class BulkEncoderView:
    """A `TextEncoder` look-alike for training code running in a worker thread."""

    def __init__(self, pool: BatchingEncoder) -> None:
        self._pool = pool
        self.dim = pool.dim
        self.max_tokens = getattr(pool.encoder, "max_tokens", 0)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._pool.encode_blocking(texts, batch_size)
