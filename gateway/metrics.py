"""Prometheus series of the gateway's own: calls per tenant and operation, on `/metrics`."""

from __future__ import annotations

from prometheus_client import Counter

from gateway.usage.service import operation_of

# The operations of the public API (Feersum 2.0.46/2.0.55 paths and ours). The operation
# label is one of these or "other", so made-up paths cannot grow the number of series.
KNOWN_OPERATIONS = frozenset(
    {
        "create",
        "list",
        "get",
        "update",
        "delete",
        "curate",
        "labels",
        "online_training_samples",
        "params",
        "retrieve",
        "samples",
        "samples_all",
        "test",
        "testing_samples",
        "testing_samples_all",
        "train",
        "training_samples",
        "training_samples_all",
        "tsne",
        "untrash",
        "vaporise",
    }
)

# Defined at import (default registry): several apps in one test process share it.
TENANT_CALLS = Counter(
    "baobab_tenant_calls",
    "Authenticated calls by tenant and operation (retrieve, train, create, ...; other).",
    ["tenant", "operation"],
)


def operation_label(method: str, path: str) -> str:
    """Return the operation a public call counts under: a known operation, else "other"."""
    op = operation_of(method, path)
    return op[0] if op is not None and op[0] in KNOWN_OPERATIONS else "other"


def count_tenant_call(tenant: str, method: str, path: str) -> None:
    """Count one authenticated call of `tenant` in `baobab_tenant_calls_total`."""
    TENANT_CALLS.labels(tenant, operation_label(method, path)).inc()
