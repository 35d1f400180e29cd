"""Training jobs: queue, claim under a lease, heartbeat, complete into a revision, fail."""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.model_store.conftest import JOBS_LIMIT, ClientFor, NewModel, Train, assert_error

JOB_KEYS = {
    "id",
    "tenant",
    "model_id",
    "model_type",
    "model_name",
    "service",
    "state",
    "params",
    "attempts",
    "error",
    "worker_id",
    "lease_expires_at",
    "revision_id",
    "created_at",
    "started_at",
    "finished_at",
}


async def queue(
    api: httpx.AsyncClient, service: str, name: str = "faq", **params: Any
) -> dict[str, Any]:
    response = await api.post(
        f"/models/text_classifier/{name}/jobs", json={"service": service, "params": params}
    )
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


async def claim(
    system_api: httpx.AsyncClient,
    service: str,
    worker: str = "w1",
    lease_s: float = 30,
    model_types: list[str] | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"service": service, "worker_id": worker, "lease_s": lease_s}
    if model_types is not None:
        body["model_types"] = model_types
    return await system_api.post("/jobs/claim", json=body)


def completion(worker: str, artifact: bytes = b"weights", **extra: Any) -> dict[str, Any]:
    return {
        "worker_id": worker,
        "artifact_b64": base64.b64encode(artifact).decode(),
        "labels": ["a", "b"],
        "metrics": {"accuracy": 0.9},
        "message": "trained",
        **extra,
    }


@pytest.fixture(autouse=True)
async def faq(new_model: NewModel) -> dict[str, Any]:
    return await new_model("faq")


async def test_a_queued_job_is_the_models_active_job(
    api: httpx.AsyncClient,
    system_api: httpx.AsyncClient,
    service: str,
    tenant: str,
    faq: dict[str, Any],
) -> None:
    job = await queue(api, service, algorithm="lr")
    assert set(job) == JOB_KEYS
    assert (
        job["state"] == "queued" and job["attempts"] == 0 and job["params"] == {"algorithm": "lr"}
    )
    assert (
        job["tenant"],
        job["model_id"],
        job["model_type"],
        job["model_name"],
        job["service"],
    ) == (
        tenant,
        faq["id"],
        "text_classifier",
        "faq",
        service,
    )
    assert job["worker_id"] is None and job["revision_id"] is None and job["started_at"] is None

    assert (await api.get(f"/jobs/{job['id']}")).json() == job
    assert (await system_api.get(f"/jobs/{job['id']}")).json() == job
    record = (await api.get("/models/text_classifier/faq")).json()
    assert record["active_job"] == job and record["last_job"] is None


async def test_claim_takes_the_oldest_job_and_204_when_none(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    assert (await claim(system_api, service)).status_code == 204
    first = await queue(api, service)
    second = await queue(api, service)
    claimed = await claim(system_api, service, "w1", lease_s=30)
    assert claimed.status_code == 200, claimed.text
    job = claimed.json()
    assert job["id"] == first["id"] and job["state"] == "running" and job["attempts"] == 1
    assert job["worker_id"] == "w1" and job["started_at"] is not None
    lease = datetime.fromisoformat(job["lease_expires_at"]) - datetime.fromisoformat(
        job["started_at"]
    )
    assert lease.total_seconds() == pytest.approx(30, abs=1)
    assert (await claim(system_api, service, "w2")).json()["id"] == second["id"]
    assert (await claim(system_api, service, "w3")).status_code == 204


async def test_a_claim_takes_only_the_model_types_the_worker_names(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str, new_model: NewModel
) -> None:
    await new_model("boxes", "image_detector")
    await new_model("pics", "image_classifier")

    async def queue_for(model_type: str, name: str) -> dict[str, Any]:
        response = await api.post(
            f"/models/{model_type}/{name}/jobs", json={"service": service, "params": {}}
        )
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        return job

    detector_job = await queue_for("image_detector", "boxes")  # the oldest
    classifier_job = await queue_for("image_classifier", "pics")
    # A worker without a detector trainer skips the older detector job...
    only_classifiers = ["image_classifier", "image_regressor"]
    taken = await claim(system_api, service, "w-cpu", model_types=only_classifiers)
    assert taken.status_code == 200, taken.text
    assert taken.json()["id"] == classifier_job["id"]
    assert taken.json()["model_type"] == "image_classifier"
    # ...and finds nothing more: the detector job stays queued for a worker that can train it.
    assert (
        await claim(system_api, service, "w-cpu", model_types=only_classifiers)
    ).status_code == (204)
    waiting = (await api.get(f"/jobs/{detector_job['id']}")).json()
    assert waiting["state"] == "queued" and waiting["attempts"] == 0
    assert waiting["worker_id"] is None
    taken = await claim(system_api, service, "w-torch", model_types=["image_detector"])
    assert taken.status_code == 200 and taken.json()["id"] == detector_job["id"]
    assert taken.json()["worker_id"] == "w-torch"

    # A claim naming no model types (or null) takes a job of any type, as before.
    again = await queue_for("image_detector", "boxes")
    assert (
        await claim(system_api, service, "w-any", model_types=["text_classifier"])
    ).status_code == (204)
    assert (await claim(system_api, service, "w-any")).json()["id"] == again["id"]
    last = await queue_for("image_classifier", "pics")
    response = await system_api.post(
        "/jobs/claim",
        json={"service": service, "worker_id": "w-null", "lease_s": 30, "model_types": None},
    )
    assert response.status_code == 200 and response.json()["id"] == last["id"]


async def test_an_expired_lease_goes_only_to_a_worker_that_can_train_the_type(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str, new_model: NewModel
) -> None:
    await new_model("boxes", "image_detector")
    response = await api.post(
        "/models/image_detector/boxes/jobs", json={"service": service, "params": {}}
    )
    job = response.json()
    first = await claim(system_api, service, "w1", lease_s=0.2, model_types=["image_detector"])
    assert first.json()["id"] == job["id"]
    await asyncio.sleep(0.3)
    assert (
        await claim(system_api, service, "w2", model_types=["image_classifier"])
    ).status_code == (204)
    again = await claim(system_api, service, "w3", model_types=["image_detector"])
    assert again.json()["id"] == job["id"] and again.json()["attempts"] == 2


async def test_only_the_system_identity_claims(api: httpx.AsyncClient, service: str) -> None:
    await queue(api, service)
    assert_error(await claim(api, service), 403, "forbidden")


async def test_concurrent_claims_never_share_a_job(
    api: httpx.AsyncClient, client_for: ClientFor, service: str, new_model: NewModel
) -> None:
    from shared import SYSTEM_TENANT

    for i in range(3):
        await new_model(f"m{i}")
    jobs = [await queue(api, service, name=f"m{i % 3}") for i in range(20)]
    workers = [client_for(SYSTEM_TENANT) for _ in range(4)]
    answers = await asyncio.gather(
        *(claim(workers[i % len(workers)], service, f"w{i}") for i in range(50))
    )
    assert all(a.status_code in (200, 204) for a in answers), [a.text for a in answers]
    claimed = [a.json() for a in answers if a.status_code == 200]
    assert sorted(j["id"] for j in claimed) == sorted(j["id"] for j in jobs)
    assert Counter(j["id"] for j in claimed).most_common(1)[0][1] == 1
    # Each job is owned by exactly the worker its claim answered.
    for job in claimed:
        assert (await api.get(f"/jobs/{job['id']}")).json()["worker_id"] == job["worker_id"]


async def test_an_expired_lease_is_claimed_again(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    job = await queue(api, service)
    assert (await claim(system_api, service, "w1", lease_s=0.2)).json()["id"] == job["id"]
    assert (await claim(system_api, service, "w2")).status_code == 204
    await asyncio.sleep(0.4)

    again = await claim(system_api, service, "w2", lease_s=30)
    assert again.status_code == 200
    assert (
        again.json()["id"] == job["id"]
        and again.json()["worker_id"] == "w2"
        and again.json()["attempts"] == 2
    )
    # The first worker lost it: it can neither extend nor finish it.
    assert_error(
        await system_api.post(
            f"/jobs/{job['id']}/heartbeat", json={"worker_id": "w1", "lease_s": 30}
        ),
        409,
        "conflict",
    )
    assert_error(
        await system_api.post(f"/jobs/{job['id']}/complete", json=completion("w1")), 409, "conflict"
    )
    assert_error(
        await system_api.post(f"/jobs/{job['id']}/fail", json={"worker_id": "w1", "error": "x"}),
        409,
        "conflict",
    )
    assert (await api.get(f"/jobs/{job['id']}")).json()["state"] == "running"


async def test_a_job_whose_workers_keep_dying_fails(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    job = await queue(api, service)
    for attempt in range(1, 4):
        claimed = await claim(system_api, service, f"w{attempt}", lease_s=0.1)
        assert claimed.json()["attempts"] == attempt
        await asyncio.sleep(0.25)
    assert (await claim(system_api, service, "w4")).status_code == 204
    failed = (await api.get(f"/jobs/{job['id']}")).json()
    assert failed["state"] == "failed" and failed["error"] == "worker died 3 times"
    assert failed["finished_at"] is not None and failed["lease_expires_at"] is None
    record = (await api.get("/models/text_classifier/faq")).json()
    assert record["active_job"] is None and record["last_job"]["id"] == job["id"]


async def test_heartbeat_extends_the_lease(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    job = await queue(api, service)
    await claim(system_api, service, "w1", lease_s=0.3)
    beat = await system_api.post(
        f"/jobs/{job['id']}/heartbeat", json={"worker_id": "w1", "lease_s": 60}
    )
    assert beat.status_code == 200
    await asyncio.sleep(0.4)
    assert (await claim(system_api, service, "w2")).status_code == 204
    assert beat.json()["lease_expires_at"] > job["created_at"]


async def test_complete_moves_the_current_revision_only_when_done(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str, train: Train
) -> None:
    first = await train("faq", artifact=b"v1")
    job = await queue(api, service)
    await claim(system_api, service, "w1")
    during = (await api.get("/models/text_classifier/faq")).json()
    assert during["current_revision"]["id"] == first["revision_id"]
    assert during["active_job"]["id"] == job["id"] and during["active_job"]["state"] == "running"

    done = await system_api.post(f"/jobs/{job['id']}/complete", json=completion("w1", b"v2"))
    assert done.status_code == 200, done.text
    finished = done.json()
    assert finished["state"] == "succeeded" and finished["revision_id"] and finished["finished_at"]
    assert finished["lease_expires_at"] is None
    after = (await api.get("/models/text_classifier/faq")).json()
    assert after["current_revision"]["id"] == finished["revision_id"]
    assert after["current_revision"]["version"] == 2 and after["current_revision"]["labels"] == [
        "a",
        "b",
    ]
    assert after["current_revision"]["metrics"] == {"accuracy": 0.9}
    assert after["active_job"] is None and after["last_job"]["id"] == job["id"]
    assert (await api.get(f"/revisions/{finished['revision_id']}/artifact")).content == b"v2"
    # Completing twice is refused and adds nothing.
    assert_error(
        await system_api.post(f"/jobs/{job['id']}/complete", json=completion("w1")), 409, "conflict"
    )
    assert len((await api.get("/models/text_classifier/faq/revisions")).json()) == 2


async def test_concurrent_completes_store_one_revision(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    job = await queue(api, service)
    await claim(system_api, service, "w1")
    answers = await asyncio.gather(
        *(system_api.post(f"/jobs/{job['id']}/complete", json=completion("w1")) for _ in range(5))
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409], [
        a.text for a in answers
    ]
    assert len((await api.get("/models/text_classifier/faq/revisions")).json()) == 1


async def test_a_bad_artifact_is_400_and_the_job_keeps_running(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    job = await queue(api, service)
    await claim(system_api, service, "w1")
    for artifact in ("not base64!!", "abc", 5):
        body = {**completion("w1"), "artifact_b64": artifact}
        assert_error(
            await system_api.post(f"/jobs/{job['id']}/complete", json=body), 400, "invalid_input"
        )
    bad: dict[str, Any]
    for bad in (
        {"labels": [1, 2]},
        {"labels": "a"},
        {"metrics": []},
        {"message": None},
        {"worker_id": ""},
    ):
        body = {**completion("w1"), **bad}
        assert_error(
            await system_api.post(f"/jobs/{job['id']}/complete", json=body), 400, "invalid_input"
        )
    nan_metrics = b'{"worker_id": "w1", "artifact_b64": "", "labels": [], "metrics": {"f1": NaN}}'
    response = await system_api.post(
        f"/jobs/{job['id']}/complete",
        content=nan_metrics,
        headers={"content-type": "application/json"},
    )
    assert_error(response, 400, "invalid_input")
    state = (await api.get(f"/jobs/{job['id']}")).json()
    assert state["state"] == "running" and state["revision_id"] is None
    assert (await api.get("/models/text_classifier/faq")).json()["current_revision"] is None


async def test_complete_after_the_model_was_trashed_fails_the_job(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str, train: Train
) -> None:
    first = await train("faq")
    job = await queue(api, service)
    await claim(system_api, service, "w1")
    await api.delete("/models/text_classifier/faq")

    done = await system_api.post(f"/jobs/{job['id']}/complete", json=completion("w1"))
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "failed" and done.json()["error"] == "model was deleted"
    assert done.json()["revision_id"] is None
    restored = await api.post(
        "/models", json={"model_type": "text_classifier", "name": "faq", "load_from_store": True}
    )
    assert restored.json()["current_revision"]["id"] == first["revision_id"]
    assert len((await api.get("/models/text_classifier/faq/revisions")).json()) == 1


async def test_trashing_a_model_fails_its_queued_jobs(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    job = await queue(api, service)
    await api.delete("/models/text_classifier/faq")
    failed = (await api.get(f"/jobs/{job['id']}")).json()
    assert failed["state"] == "failed" and failed["error"] == "model was deleted"
    assert (await claim(system_api, service)).status_code == 204


async def test_vaporising_a_model_removes_its_running_job(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    job = await queue(api, service)
    await claim(system_api, service, "w1")
    await api.post("/models/text_classifier/faq/vaporise")
    assert_error(
        await system_api.post(f"/jobs/{job['id']}/complete", json=completion("w1")),
        404,
        "not_found",
    )
    assert_error(
        await system_api.post(
            f"/jobs/{job['id']}/heartbeat", json={"worker_id": "w1", "lease_s": 5}
        ),
        404,
        "not_found",
    )


async def test_fail_records_the_error(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    job = await queue(api, service)
    await claim(system_api, service, "w1")
    assert_error(
        await system_api.post(f"/jobs/{job['id']}/fail", json={"worker_id": "w2", "error": "x"}),
        409,
        "conflict",
    )
    failed = await system_api.post(
        f"/jobs/{job['id']}/fail", json={"worker_id": "w1", "error": "no samples"}
    )
    assert failed.status_code == 200
    assert failed.json()["state"] == "failed" and failed.json()["error"] == "no samples"
    assert (await claim(system_api, service)).status_code == 204
    record = (await api.get("/models/text_classifier/faq")).json()
    assert record["last_job"]["error"] == "no samples" and record["current_revision"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"service": "NLU", "params": {}},
        {"service": "", "params": {}},
        {"service": "nlu", "params": [1]},
        {"params": {}},
        {"service": 5},
    ],
)
async def test_queue_refuses_bad_input(api: httpx.AsyncClient, body: object) -> None:
    assert_error(
        await api.post("/models/text_classifier/faq/jobs", json=body), 400, "invalid_input"
    )
    assert (await api.get("/models/text_classifier/faq")).json()["active_job"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"worker_id": "w", "lease_s": 30},
        {"service": "nlu", "lease_s": 30},
        {"service": "nlu", "worker_id": "", "lease_s": 30},
        {"service": "nlu", "worker_id": "w", "lease_s": 0},
        {"service": "nlu", "worker_id": "w", "lease_s": -5},
        {"service": "nlu", "worker_id": "w", "lease_s": "30"},
        {"service": "nlu", "worker_id": "w", "lease_s": 1e9},
        {"service": "nlu", "worker_id": "w", "lease_s": 30, "model_types": []},
        {"service": "nlu", "worker_id": "w", "lease_s": 30, "model_types": "text_classifier"},
        {"service": "nlu", "worker_id": "w", "lease_s": 30, "model_types": [5]},
        {"service": "nlu", "worker_id": "w", "lease_s": 30, "model_types": [""]},
        {"service": "nlu", "worker_id": "w", "lease_s": 30, "model_types": ["Text-Classifier"]},
        {"service": "nlu", "worker_id": "w", "lease_s": 30, "model_types": ["x" * 41]},
        {"service": "nlu", "worker_id": "w", "lease_s": 30, "model_types": ["a_b", "a_b"]},
        {
            "service": "nlu",
            "worker_id": "w",
            "lease_s": 30,
            "model_types": [f"type_{i}" for i in range(33)],
        },
    ],
)
async def test_claim_refuses_bad_input(system_api: httpx.AsyncClient, body: object) -> None:
    assert_error(await system_api.post("/jobs/claim", json=body), 400, "invalid_input")


async def test_heartbeat_refuses_bad_input(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    job = await queue(api, service)
    await claim(system_api, service, "w1")
    for body in (
        {"worker_id": "w1"},
        {"worker_id": "w1", "lease_s": -1},
        {"worker_id": "w1", "lease_s": 1e9},
        {"lease_s": 5},
    ):
        assert_error(
            await system_api.post(f"/jobs/{job['id']}/heartbeat", json=body), 400, "invalid_input"
        )
    assert_error(
        await system_api.post(f"/jobs/{job['id']}/fail", json={"worker_id": "w1"}),
        400,
        "invalid_input",
    )
    assert (await api.get(f"/jobs/{job['id']}")).json()["state"] == "running"


async def test_unknown_jobs_are_404(
    api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str
) -> None:
    unknown = "00000000-0000-0000-0000-000000000000"
    assert_error(await api.get(f"/jobs/{unknown}"), 404, "not_found")
    assert_error(
        await system_api.post(f"/jobs/{unknown}/heartbeat", json={"worker_id": "w", "lease_s": 5}),
        404,
        "not_found",
    )
    assert_error(
        await system_api.post(f"/jobs/{unknown}/complete", json=completion("w")), 404, "not_found"
    )
    assert_error(
        await system_api.post(f"/jobs/{unknown}/fail", json={"worker_id": "w", "error": "e"}),
        404,
        "not_found",
    )
    body = {"service": service, "params": {}}
    assert_error(await api.post("/models/text_classifier/nope/jobs", json=body), 404, "not_found")


async def test_another_tenants_jobs_are_404(
    api: httpx.AsyncClient,
    other_api: httpx.AsyncClient,
    system_api: httpx.AsyncClient,
    service: str,
) -> None:
    job = await queue(api, service)
    assert_error(
        await other_api.post("/models/text_classifier/faq/jobs", json={"service": service}),
        404,
        "not_found",
    )
    assert_error(await other_api.get(f"/jobs/{job['id']}"), 404, "not_found")
    await claim(system_api, service, "w1")
    for path, body in (
        ("heartbeat", {"worker_id": "w1", "lease_s": 5}),
        ("complete", completion("w1")),
        ("fail", {"worker_id": "w1", "error": "x"}),
    ):
        assert_error(await other_api.post(f"/jobs/{job['id']}/{path}", json=body), 404, "not_found")
    state = (await api.get(f"/jobs/{job['id']}")).json()
    assert state["state"] == "running" and state["worker_id"] == "w1"
    record = (await api.get("/models/text_classifier/faq")).json()
    assert record["active_job"]["id"] == job["id"] and record["current_revision"] is None


async def test_a_tenant_has_a_bounded_number_of_jobs_queued_or_running(
    api: httpx.AsyncClient,
    other_api: httpx.AsyncClient,
    system_api: httpx.AsyncClient,
    new_model: NewModel,
    service: str,
) -> None:
    for _ in range(JOBS_LIMIT):
        await queue(api, service)
    refused = await api.post(
        "/models/text_classifier/faq/jobs", json={"service": service, "params": {}}
    )
    assert_error(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"] == "5"
    # Other tenants are not held up by this one.
    await other_api.post(
        "/models", json={"model_type": "text_classifier", "name": "faq", "load_from_store": False}
    )
    await queue(other_api, service)
    # A finished job frees a place.
    claimed = (await claim(system_api, service)).json()
    done = await system_api.post(
        f"/jobs/{claimed['id']}/fail", json={"worker_id": "w1", "error": "gave up"}
    )
    assert done.status_code == 200, done.text
    await queue(api, service)
