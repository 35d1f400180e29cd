"""Counting calls per API key without slowing requests: in memory, flushed in batches.

Every authenticated call adds one to its key's count here; a background task writes the
counts to the database every `usage_flush_interval_s` (and once more at shutdown) as
increments, so any number of replicas can count the same key. Successful proxied calls are
also counted by operation and model type, per key for `call_count_breakdown` and per key
and UTC day (`api_key_daily_usage`, with the units billed: the samples a `train` trained on)
for the usage report; all in the same transaction.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.tables import ApiKeyUsage
from gateway.usage.pricing import COST_PLACES, PriceTable
from gateway.usage.repository import DailyKey, OperationKey, UsageRepository
from gateway.usage.schemas import UsageReport
from shared import InvalidInput

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
# The operation whose calls carry units: the samples trained on.
TRAIN = "train"
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# (key, days since 1970-01-01 in UTC, operation, model type): cheap to take per call.
_CountKey = tuple[uuid.UUID, int, str, str]


def utc_day(epoch_s: float) -> int:
    """Return the UTC day of an instant, as days since 1970-01-01."""
    return int(epoch_s // 86400)


def day_of(day_number: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + day_number)


def trained_samples(body: bytes | memoryview | None) -> int:
    """Return `num_training_samples` of a train answer (a model's details), or 0 without one."""
    if not body:
        return 0
    try:
        details = json.loads(bytes(body))
    except ValueError:
        return 0
    value = details.get("num_training_samples") if isinstance(details, dict) else None
    # bool is an int; a count is not.
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0


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
        # Successful calls and their units, by key, UTC day, operation and model type.
        self._operations: Counter[_CountKey] = Counter()
        self._units: Counter[_CountKey] = Counter()
        # Calls taken by a flush that has not committed yet still count against limits.
        self._in_flight: Counter[uuid.UUID] = Counter()
        self._key_ids: dict[uuid.UUID, str] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        # Which UTC day a call is on (tests move it across midnight).
        self.clock: Callable[[], float] = time.time

    def count_call(self, key_uuid: uuid.UUID, key_id: str) -> None:
        self._calls[key_uuid] += 1
        self._key_ids[key_uuid] = key_id

    def count_operation(
        self,
        key_uuid: uuid.UUID,
        method: str,
        path: str,
        body: bytes | memoryview | None = None,
    ) -> None:
        """Count a successful call on today's (UTC) row; `body`, the answer, is read only for
        `train` (its `num_training_samples`, the units billed)."""
        op = operation_of(method, path)
        if op is None:
            return
        counted = (key_uuid, utc_day(self.clock()), *op)
        self._operations[counted] += 1
        if op[0] == TRAIN and (samples := trained_samples(body)):
            self._units[counted] += samples

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
            units, self._units = self._units, Counter()
            self._in_flight = Counter(calls)
            started = time.time()
            by_key: Counter[OperationKey] = Counter()
            daily: dict[DailyKey, tuple[int, int]] = {}
            for counted, n in operations.items():
                key_uuid, day_number, operation, model_type = counted
                by_key[(key_uuid, operation, model_type)] += n
                daily[(key_uuid, day_of(day_number), operation, model_type)] = (n, units[counted])
            try:
                async with self._sessions() as session:
                    repo = UsageRepository(session)
                    await repo.add_calls(calls)
                    await repo.add_operations(by_key)
                    await repo.add_daily(daily)
                    await session.commit()
            except Exception:
                log.exception("could not write usage counts; keeping them for the next flush")
                self._calls.update(calls)
                self._operations.update(operations)
                self._units.update(units)
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


# The usage report ----------------------------------------------------------------------

REPORT_GROUPS = ("day", "tenant", "api_key", "operation", "model_type")
DEFAULT_GROUP_BY = ("day", "operation", "model_type")
DEFAULT_REPORT_DAYS = 31
MAX_REPORT_DAYS = 366
CSV_FIELDS = ("call_count", "units", "cost", "currency")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(name: str, value: str | None) -> date | None:
    """Return the date `value` (YYYY-MM-DD), None when absent; 400 when it is not one."""
    if value is None or value == "":
        return None
    if _DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{name} must be a date written YYYY-MM-DD, not {value[:40]!r}")


def parse_group_by(value: str | None) -> list[str]:
    """Return the report's groups from a comma-separated list; 400 for an unknown one."""
    if value is None:
        return list(DEFAULT_GROUP_BY)
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in REPORT_GROUPS]
    if unknown or not names:
        raise InvalidInput(
            f"group_by takes a comma-separated list of {', '.join(REPORT_GROUPS)}; "
            f"got {value[:80]!r}"
        )
    return list(dict.fromkeys(names))


def report_range(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """Return the report's first and last day (defaults: the 31 days up to today)."""
    end = end or today
    start = start or end - timedelta(days=DEFAULT_REPORT_DAYS - 1)
    if start > end:
        raise InvalidInput(f"from ({start}) is after to ({end})")
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise InvalidInput(f"a report covers at most {MAX_REPORT_DAYS} days; ask for less")
    return start, end


class UsageReportService:
    """Builds the usage report of one tenant (a tenant's key) or of any (the admin key)."""

    def __init__(self, session: AsyncSession, prices: PriceTable) -> None:
        self.repo = UsageRepository(session)
        self.prices = prices

    async def report(
        self,
        tenant_id: str | None,
        *,
        api_key: str | None,
        start: date,
        end: date,
        group_by: list[str],
    ) -> UsageReport:
        """Return the usage of `tenant_id` (None: every tenant), priced by the price table."""
        rows = await self.repo.daily_report(
            tenant_id, start=start, end=end, group_by=group_by, api_key_id=api_key
        )
        groups: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in rows:
            cost = self.prices.cost(
                row["operation"], row["model_type"], int(row["call_count"]), int(row["units"])
            )
            group = groups.setdefault(
                tuple(row[n] for n in group_by),
                {
                    **{n: row[n] for n in group_by},
                    "call_count": 0,
                    "units": 0,
                    "cost": Decimal(0),
                },
            )
            group["call_count"] += int(row["call_count"])
            group["units"] += int(row["units"])
            group["cost"] += cost
        total_cost = sum((g["cost"] for g in groups.values()), Decimal(0))
        return UsageReport.model_validate(
            {
                "tenant": tenant_id,
                "api_key": api_key,
                "from": start,
                "to": end,
                "group_by": group_by,
                "currency": self.prices.currency,
                "rows": [{**g, "cost": float(g["cost"])} for g in groups.values()],
                "total": {
                    "call_count": sum(g["call_count"] for g in groups.values()),
                    "units": sum(g["units"] for g in groups.values()),
                    "cost": float(total_cost),
                },
            }
        )


def report_json(report: UsageReport) -> dict[str, Any]:
    """Return the report as JSON, each row with only the fields it is grouped by."""
    data = report.model_dump(mode="json", by_alias=True, exclude={"rows"})
    data["rows"] = [row.model_dump(mode="json", exclude_none=True) for row in report.rows]
    return data


def report_csv(report: UsageReport) -> str:
    """Return the report as CSV: a header, then one line per row (no total line)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*report.group_by, *CSV_FIELDS])
    for row in report.rows:
        values = row.model_dump(mode="json")
        writer.writerow(
            [
                *(values[n] for n in report.group_by),
                row.call_count,
                row.units,
                f"{Decimal(str(row.cost)).quantize(COST_PLACES)}",
                report.currency,
            ]
        )
    return out.getvalue()
