"""Durability with real processes: restarts keep samples, a killed worker's job is finished by
a restarted one, and the previous revision answers retrieve until the new one is complete."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.stack import Stack
from shared import sign_headers
from tests.e2e.conftest import free_port_block, stack_env

TOPICS = {
    "billing": ["invoice", "bill", "payment", "charge", "statement"],
    "delivery": ["parcel", "courier", "shipment", "delivery", "package"],
    "account": ["password", "login", "username", "profile", "account"],
    "weather": ["rain", "forecast", "sunshine", "temperature", "storm"],
}
TEMPLATES = [
    "question about my {w} number {i}",
    "help me with the {w} please, case {i}",
    "I have an issue with {w} ref {i}",
    "can you check the {w} for order {i}",
    "where is my {w}? ticket {i}",
]


def bulk_samples(n_per_label: int) -> list[dict[str, str]]:
    out = []
    for label, words in TOPICS.items():
        for i in range(n_per_label):
            word = words[i % len(words)]
            out.append({"text": TEMPLATES[i % len(TEMPLATES)].format(w=word, i=i), "label": label})
    return out


@pytest.fixture(scope="module")
def durable_stack(
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    redis_url: str | None,
    cache_namespace: str,
    models_dir: Path,
) -> Iterator[Stack]:
    var = tmp_path_factory.mktemp("durable-var")
    env = stack_env(
        database_url,
        redis_url,
        cache_namespace,
        models_dir,
        # A short lease, so a killed worker's job is reclaimed quickly.
        BAOBAB_WORKER_LEASE_S="4",
        BAOBAB_WORKER_HEARTBEAT_S="1",
    )
    s = Stack(
        base_port=free_port_block(),
        var_dir=var,
        env=env,
        log_prefix=False,
        log_file=var / "stack.log",
    )
    s.start()
    yield s
    s.stop()


class Store:
    """Reads the model store's internal API directly, signed like a service would."""

    def __init__(self, stack: Stack, tenant: str) -> None:
        self.base = stack.url("model_store")
        self.secret = stack.child_env()["BAOBAB_INTERNAL_SECRET"]
        self.tenant = tenant

    def get(self, path: str) -> Any:
        headers = sign_headers(self.secret, self.tenant, "GET", path)
        r = httpx.get(self.base + path, headers=headers, timeout=10, trust_env=False)
        r.raise_for_status()
        return r.json()


def wait_for(predicate: Any, timeout_s: float, what: str, interval_s: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def test_killed_worker_job_is_finished_and_old_revision_serves_meanwhile(
    durable_stack: Stack,
) -> None:
    stack = durable_stack
    gw = httpx.Client(
        base_url=stack.url("gateway"),
        headers={"X-Auth-Token": stack.admin_key},
        timeout=300,
        trust_env=False,
    )
    # The admin key acts as the tenant "admin", which lets this test read the store directly.
    store = Store(stack, "admin")
    name = f"durable-{uuid.uuid4().hex[:8]}"
    base = f"/nlu/v2/text_classifiers/{name}"
    assert (
        gw.post(
            "/nlu/v2/text_classifiers", json={"name": name, "load_from_store": False}
        ).status_code
        == 200
    )
    data = bulk_samples(300)
    for i in range(0, len(data), 1000):
        assert gw.post(f"{base}/training_samples", json=data[i : i + 1000]).status_code == 200
    first = gw.post(f"{base}/train", json={"immediate_mode": True})
    assert first.status_code == 200, first.text
    first_revision = store.get(f"/internal/v1/models/text_classifier/{name}")["current_revision"][
        "id"
    ]

    # Samples survive a restart of the model store and the NLU service.
    stack.restart("model_store")
    stack.restart("nlu")
    assert len(gw.get(f"{base}/training_samples").json()) == len(data)

    # Add a new label and retrain in the background.
    new = [{"text": f"tell me a joke number {i}", "label": "joke"} for i in range(40)]
    assert gw.post(f"{base}/training_samples", json=new).status_code == 200
    assert gw.post(f"{base}/train", json={"immediate_mode": False}).json()["training_stamp"] == ""

    def running_job() -> dict[str, Any] | None:
        job = store.get(f"/internal/v1/models/text_classifier/{name}")["active_job"]
        return job if job and job["state"] == "running" else None

    job = wait_for(running_job, 60, "the training job to be claimed")
    # While the new revision trains, the previous one keeps answering.
    during = gw.post(f"{base}/retrieve", json={"text": "tell me a joke"})
    assert during.status_code == 200
    assert "joke" not in {r["label"] for r in during.json()}

    stack.kill("nlu")
    after_kill = store.get(f"/internal/v1/jobs/{job['id']}")
    assert after_kill["state"] == "running", (
        "the job finished before the worker was killed; make it larger"
    )
    assert (
        store.get(f"/internal/v1/models/text_classifier/{name}")["current_revision"]["id"]
        == first_revision
    )

    stack.start_service("nlu")
    stack.wait_healthy(("nlu",))

    def finished() -> dict[str, Any] | None:
        j = store.get(f"/internal/v1/jobs/{job['id']}")
        return j if j["state"] in ("succeeded", "failed") else None

    final = wait_for(finished, 180, "the restarted worker to finish the job", interval_s=0.5)
    assert final["state"] == "succeeded", final
    assert final["attempts"] == 2
    answer = gw.post(f"{base}/retrieve", json={"text": "tell me a joke"}).json()
    assert answer[0]["label"] == "joke"
    assert gw.get(f"{base}").json()["num_training_samples"] == len(data) + len(new)
