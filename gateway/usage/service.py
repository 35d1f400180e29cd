"""Counting calls per API key without slowing requests: in memory, flushed in batches.

Every authenticated call adds one to its key's count here; a background task writes the
counts to the database every `usage_flush_interval_s` (and once more at shutdown) as
increments, so any number of replicas can count the same key. Successful proxied calls are
also counted by operation and model type for `call_count_breakdown`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.tables import ApiKeyUsage
from gateway.usage.repository import OperationKey, UsageRepository

log = logging.getLogger("baobab.gateway.usage")

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PREFIXES = ("/nlu/v2/", "/vision/v2/")
_INSTANCE_OPS = {
    "GET": "get",
    "POST": "update",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}

# Called after a flush with {key_id: calls written} and the time the flush started.
FlushedHook = Callable[[dict[str, int], float], None]


def operation_of(method: str, path: str) -> tuple[str, str] | None:
    """Return `(operation, model_type)` of a public API path, e.g. ("retrieve", "faq_matchers")."""
    prefix = next((p for p in _PREFIXES if path.startswith(p)), None)
    if prefix is None:
        return None
    parts = [p for p in path[len(prefix) :].split("/") if p]
    if not parts:
        return None
    model_type = parts[0]
    if len(parts) == 1:
        operation = "create" if method == "POST" else "list"
    elif len(parts) == 2:
        operation = _INSTANCE_OPS.get(method, method.lower())
    else:
        operation = parts[2]
    if not (_NAME_RE.match(model_type) and _NAME_RE.match(operation)):
        return None
    return operation, model_type


def breakdown_of(rows: list[ApiKeyUsage]) -> dict[str, Any]:
    """Return `{operation: {"call_count": n, "by_model_type": {model_type: n}}}`."""
    out: dict[str, Any] = {}
    for row in rows:
        entry = out.setdefault(row.operation, {"call_count": 0, "by_model_type": {}})
        entry["call_count"] += row.call_count
        entry["by_model_type"][row.model_type] = row.call_count
    return out


class UsageLedger:
    """Calls counted in memory since the last flush, by key and by operation."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        interval_s: float,
        on_flushed: FlushedHook | None = None,
    ) -> None:
        self._sessions = sessions
        self._interval_s = interval_s
        self._on_flushed = on_flushed
        self._calls: Counter[uuid.UUID] = Counter()
        self._operations: Counter[OperationKey] = Counter()
        # Calls taken by a flush that has not committed yet still count against limits.
        self._in_flight: Counter[uuid.UUID] = Counter()
        self._key_ids: dict[uuid.UUID, str] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def count_call(self, key_uuid: uuid.UUID, key_id: str) -> None:
        self._calls[key_uuid] += 1
        self._key_ids[key_uuid] = key_id

    def count_operation(self, key_uuid: uuid.UUID, method: str, path: str) -> None:
        op = operation_of(method, path)
        if op is not None:
            self._operations[(key_uuid, *op)] += 1

    def unflushed(self, key_uuid: uuid.UUID) -> int:
        """Return the calls of this key counted here and not yet in the database."""
        return self._calls[key_uuid] + self._in_flight[key_uuid]

    async def flush(self) -> None:
        """Write the counted calls to the database; on failure keep them for the next try."""
        async with self._lock:
            if not self._calls and not self._operations:
                return
            calls, self._calls = self._calls, Counter()
            operations, self._operations = self._operations, Counter()
            self._in_flight = Counter(calls)
            started = time.time()
            try:
                async with self._sessions() as session:
                    repo = UsageRepository(session)
                    await repo.add_calls(calls)
                    await repo.add_operations(operations)
                    await session.commit()
            except Exception:
                log.exception("could not write usage counts; keeping them for the next flush")
                self._calls.update(calls)
                self._operations.update(operations)
                return
            finally:
                self._in_flight = Counter()
            flushed = {self._key_ids[k]: n for k, n in calls.items() if k in self._key_ids}
            for key_uuid in calls:
                if key_uuid not in self._calls:
                    self._key_ids.pop(key_uuid, None)
            if self._on_flushed is not None:
                self._on_flushed(flushed, started)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.flush()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="usage-flush")

    async def aclose(self) -> None:
        """Stop the flush loop and write what is left."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self.flush()
