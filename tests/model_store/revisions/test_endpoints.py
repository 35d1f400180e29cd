"""Revisions: a model's history, newest first, and each revision's artifact bytes."""

from __future__ import annotations

import httpx

from tests.model_store.conftest import NewModel, Train, assert_error


async def test_revisions_are_listed_newest_first_with_their_metadata(
    api: httpx.AsyncClient, new_model: NewModel, train: Train
) -> None:
    await new_model("faq")
    assert (await api.get("/models/text_classifier/faq/revisions")).json() == []
    first = await train("faq", artifact=b"\x00one", labels=["a"], message="first")
    second = await train("faq", artifact=b"\x00two", labels=["a", "b"], message="second")

    response = await api.get("/models/text_classifier/faq/revisions")
    assert response.status_code == 200
    revisions = response.json()
    assert [r["id"] for r in revisions] == [second["revision_id"], first["revision_id"]]
    assert [r["version"] for r in revisions] == [2, 1]
    assert set(revisions[0]) == {"id", "version", "labels", "metrics", "message", "created_at"}
    assert revisions[0]["labels"] == ["a", "b"] and revisions[0]["message"] == "second"
    assert revisions[1]["metrics"] == {"accuracy": 1.0}
    assert revisions[0]["created_at"].endswith("+00:00")


async def test_artifact_answers_the_stored_bytes(
    api: httpx.AsyncClient, new_model: NewModel, train: Train
) -> None:
    await new_model("faq")
    payload = bytes(range(256)) * 40
    job = await train("faq", artifact=payload)
    response = await api.get(f"/revisions/{job['revision_id']}/artifact")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == payload


async def test_artifacts_of_a_trashed_model_stay_readable(
    api: httpx.AsyncClient, new_model: NewModel, train: Train
) -> None:
    await new_model("faq")
    job = await train("faq", artifact=b"kept")
    await api.delete("/models/text_classifier/faq")
    assert (await api.get(f"/revisions/{job['revision_id']}/artifact")).content == b"kept"
    assert_error(await api.get("/models/text_classifier/faq/revisions"), 404, "not_found")


async def test_unknown_revision_and_model_are_404(api: httpx.AsyncClient) -> None:
    assert_error(
        await api.get("/revisions/00000000-0000-0000-0000-000000000000/artifact"), 404, "not_found"
    )
    assert_error(await api.get("/revisions/garbage/artifact"), 404, "not_found")
    assert_error(await api.get("/models/text_classifier/nope/revisions"), 404, "not_found")
    assert_error(await api.get(f"/revisions/{'x' * 65}/artifact"), 400, "invalid_input")


async def test_another_tenants_revisions_are_404(
    api: httpx.AsyncClient, other_api: httpx.AsyncClient, new_model: NewModel, train: Train
) -> None:
    await new_model("faq")
    job = await train("faq")
    assert_error(await other_api.get(f"/revisions/{job['revision_id']}/artifact"), 404, "not_found")
    assert_error(await other_api.get("/models/text_classifier/faq/revisions"), 404, "not_found")
    assert (await api.get(f"/revisions/{job['revision_id']}/artifact")).status_code == 200
