"""Two NLU replicas behind one gateway, real processes on loopback: both serve the model one
of them trained, both serve the retrained revision, and killing one under load fails only
the calls it held at that moment.

With Redis (`BAOBAB_TEST_REDIS_URL`) a retrain reaches the other replica through the shared
generation counter, while its pointers would otherwise live the default 60 s. Without
Redis each replica only hears its own changes; the other one re-reads the model after
`BAOBAB_POINTER_TTL_S` (the documented bound), which this run sets to 1 s.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.stack import Stack
from shared import sign_headers
from tests.e2e.conftest import free_port_block, stack_env
from tests.e2e.test_feersum_client import GOODBYES, GREETINGS, REFUNDS

REPLICAS = ("nlu", "nlu-2")
REFUND_TEXT = "could I get a refund for my order"
COOL_DOWN_S = 2.0
# prometheus-fastapi-instrumentator's request counter, by route template.
RETRIEVE_COUNT = re.compile(
    r'^http_requests_total\{[^}]*handler="/nlu/v2/intent_classifiers/\{instance_name\}/retrieve"'
    r"[^}]*\}\s+([0-9.e+]+)$",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def replica_stack(
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    redis_url: str | None,
    cache_namespace: str,
    models_dir: Path,
) -> Iterator[Stack]:
    var = tmp_path_factory.mktemp("replicas-var")
    # Without Redis, the documented staleness bound: pointers are re-read after this TTL.
    no_redis = {} if redis_url else {"BAOBAB_POINTER_TTL_S": "1"}
    env = stack_env(
        database_url,
        redis_url,
        cache_namespace,
        models_dir,
        BAOBAB_PROXY_REPLICA_COOLDOWN_S=str(COOL_DOWN_S),
        **no_redis,
    )
    s = Stack(
        # Replica 2 of the NLU service listens 10 ports above the first.
        base_port=free_port_block(size=12),
        var_dir=var,
        env=env,
        log_prefix=False,
        log_file=var / "stack.log",
        replicas={"nlu": 2},
    )
    try:
        s.start()
    except Exception:
        s.stop()
        print((var / "stack.log").read_text() if (var / "stack.log").exists() else "no log")
        raise
    yield s
    s.stop()


@dataclass
class Model:
    """An intent classifier of a fresh tenant, and ways to reach it."""

    stack: Stack
    key: str
    tenant: str
    name: str

    @property
    def path(self) -> str:
        return f"/nlu/v2/intent_classifiers/{self.name}"

    def gateway(self, timeout_s: float = 120) -> httpx.Client:
        return httpx.Client(
            base_url=self.stack.url("gateway"),
            headers={"X-Auth-Token": self.key},
            timeout=timeout_s,
            trust_env=False,
        )

    def retrieve_on(self, replica: str, text: str, tenant: str | None = None) -> httpx.Response:
        """Call one replica directly, signed as the gateway signs a call for the tenant."""
        path = f"{self.path}/retrieve"
        secret = self.stack.child_env()["BAOBAB_INTERNAL_SECRET"]
        headers = sign_headers(secret, tenant or self.tenant, "POST", path)
        return httpx.post(
            self.stack.url(replica) + path, json={"text": text}, headers=headers, timeout=30
        )

    def labels_on(self, replica: str, text: str) -> list[str]:
        response = self.retrieve_on(replica, text)
        assert response.status_code == 200, (replica, response.text)
        return [scored["label"] for scored in response.json()]


def retrieves_served(stack: Stack, replica: str) -> float:
    """Return how many intent retrieves a replica has answered, from its `/metrics`."""
    text = httpx.get(stack.url(replica) + "/metrics", timeout=10).text
    return sum(float(count) for count in RETRIEVE_COUNT.findall(text))


def wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def model(replica_stack: Stack) -> Model:
    """A trained intent classifier (greeting, goodbye) of a new tenant."""
    admin = {"X-Auth-Token": replica_stack.admin_key}
    created = httpx.post(
        replica_stack.url("gateway") + "/nlu/v2/api_keys",
        json={"desc": "replicas"},
        headers=admin,
        timeout=30,
    ).json()
    m = Model(replica_stack, created["api_key"], created["tenant"], f"bot-{uuid.uuid4().hex[:6]}")
    samples = [{"text": t, "label": "greeting"} for t in GREETINGS] + [
        {"text": t, "label": "goodbye"} for t in GOODBYES
    ]
    with m.gateway() as gw:
        assert gw.post(
            "/nlu/v2/intent_classifiers", json={"name": m.name, "load_from_store": False}
        ).is_success
        assert gw.post(f"{m.path}/training_samples", json=samples).is_success
        trained = gw.post(f"{m.path}/train", json={"immediate_mode": True})
        assert trained.status_code == 200 and trained.json()["training_stamp"], trained.text
    return m


def test_both_replicas_serve_a_model_and_its_retrained_revision(
    replica_stack: Stack, redis_url: str | None, model: Model
) -> None:
    # Each replica answers with the first revision (and now holds a pointer to it).
    for replica in REPLICAS:
        assert model.labels_on(replica, "hello there")[0] == "greeting"
        assert "refund" not in model.labels_on(replica, REFUND_TEXT)
        # Signed for another tenant, the same name is a missing model on every replica.
        assert model.retrieve_on(replica, "hello", tenant="t-somebody-else").status_code == 404

    # Through the gateway, calls take the replicas in turn.
    before = {replica: retrieves_served(replica_stack, replica) for replica in REPLICAS}
    with model.gateway() as gw:
        for _ in range(20):
            answer = gw.post(f"{model.path}/retrieve", json={"text": "good morning"})
            assert answer.status_code == 200 and answer.json()[0]["label"] == "greeting"
        served = {r: retrieves_served(replica_stack, r) - before[r] for r in REPLICAS}
        assert served == {"nlu": 10, "nlu-2": 10}, "retrieves each replica's /metrics counted"

        # Retrain with a new label: whichever replica's worker runs the job, both serve it.
        refunds = [{"text": t, "label": "refund"} for t in REFUNDS]
        assert gw.post(f"{model.path}/training_samples", json=refunds).is_success
        old_stamp = gw.get(model.path).json()["training_stamp"]
        retrained = gw.post(f"{model.path}/train", json={"immediate_mode": True})
        assert retrained.status_code == 200, retrained.text
        assert retrained.json()["training_stamp"] not in ("", old_stamp)

        # With Redis the generation moved before the train answered (pointers would otherwise
        # live 60 s), so the very next call on either replica sees the new revision; without
        # it, the 1 s pointer TTL bounds how long the other replica is stale.
        for replica in REPLICAS:
            if redis_url:
                assert model.labels_on(replica, REFUND_TEXT)[:1] == ["refund"], replica
            else:
                wait_for(
                    lambda r=replica: model.labels_on(r, REFUND_TEXT)[:1] == ["refund"],
                    10,
                    f"{replica} to serve the retrained revision",
                )
        for _ in range(10):
            answer = gw.post(f"{model.path}/retrieve", json={"text": REFUND_TEXT})
            assert answer.status_code == 200 and answer.json()[0]["label"] == "refund"


@dataclass
class Call:
    started: float
    ended: float
    status: int


def test_killing_a_replica_under_load_fails_only_the_calls_it_held(
    replica_stack: Stack, model: Model
) -> None:
    clients = 6
    calls: list[Call] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client() -> None:
        with model.gateway(timeout_s=30) as gw:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    status = gw.post(f"{model.path}/retrieve", json={"text": "hi"}).status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    calls.append(Call(started, time.monotonic(), status))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    served_before = retrieves_served(replica_stack, "nlu-2")
    for t in threads:
        t.start()
    try:
        time.sleep(1.5)
        # The replica about to die was taking its share of the load.
        assert retrieves_served(replica_stack, "nlu-2") > served_before + 10
        kill_started = time.monotonic()
        replica_stack.kill("nlu-2")  # SIGKILL, and wait until it is gone
        killed = time.monotonic()
        # Past the gateway's cool-down, so the dead replica is tried (and refused) again.
        time.sleep(COOL_DOWN_S + 1.0)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)

    failed = [c for c in calls if c.status != 200]
    assert len([c for c in calls if c.ended < kill_started and c.status == 200]) > 20
    # Only calls in flight at the kill may fail: at most one per client, all 502s.
    assert len(failed) <= clients, failed
    assert all(c.started < killed and c.ended > kill_started for c in failed), failed
    assert all(c.status == 502 for c in failed), failed
    after = [c for c in calls if c.started > killed]
    assert len(after) > 20 and all(c.status == 200 for c in after)
