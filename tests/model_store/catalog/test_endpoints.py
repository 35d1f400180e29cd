"""Model records over /internal/v1/models: create, read, update, trash, restore, vaporise."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from tests.model_store.conftest import TSNE_LIMIT, NewModel, Train, assert_error

RECORD_KEYS = {
    "id",
    "tenant",
    "model_type",
    "name",
    "long_name",
    "desc",
    "params",
    "readonly",
    "trashed",
    "created_at",
    "updated_at",
    "num_training_samples",
    "num_testing_samples",
    "num_training_labels",
    "current_revision",
    "active_job",
    "last_job",
    "tsne",
}


async def test_create_answers_the_full_record(api: httpx.AsyncClient, tenant: str) -> None:
    response = await api.post(
        "/models",
        json={
            "model_type": "text_classifier",
            "name": "faq",
            "long_name": "FAQ matcher",
            "desc": "answers questions",
            "params": {"threshold": 0.5},
            "load_from_store": False,
        },
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert set(record) == RECORD_KEYS
    assert record["tenant"] == tenant
    assert (record["model_type"], record["name"], record["long_name"], record["desc"]) == (
        "text_classifier",
        "faq",
        "FAQ matcher",
        "answers questions",
    )
    assert record["params"] == {"threshold": 0.5}
    assert record["readonly"] is False and record["trashed"] is False
    assert (
        record["num_training_samples"]
        == record["num_testing_samples"]
        == record["num_training_labels"]
        == 0
    )
    assert (
        record["current_revision"] is None
        and record["active_job"] is None
        and record["last_job"] is None
    )
    assert record["tsne"] is None
    created = datetime.fromisoformat(record["created_at"])
    assert created.utcoffset() is not None and created.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert record["created_at"].endswith("+00:00")

    fetched = await api.get("/models/text_classifier/faq")
    assert fetched.status_code == 200
    assert fetched.json() == record


async def test_a_second_live_model_of_that_name_conflicts(
    api: httpx.AsyncClient, new_model: NewModel
) -> None:
    first = await new_model("faq")
    again = await api.post(
        "/models", json={"model_type": "text_classifier", "name": "faq", "load_from_store": False}
    )
    assert_error(again, 409, "conflict")
    # Another type may use the name; the original is untouched.
    await new_model("faq", model_type="intent_classifier")
    assert (await api.get("/models/text_classifier/faq")).json()["id"] == first["id"]


async def test_concurrent_creates_of_one_name_make_one_model(api: httpx.AsyncClient) -> None:
    import asyncio

    body = {"model_type": "text_classifier", "name": "race", "load_from_store": False}
    answers = await asyncio.gather(*(api.post("/models", json=body) for _ in range(8)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) == 1, [a.text for a in answers]
    assert set(statuses) <= {200, 409}
    listed = (await api.get("/models", params={"model_type": "text_classifier"})).json()
    assert [m["name"] for m in listed] == ["race"]


async def test_list_is_by_name_per_type_and_leaves_out_trashed(
    api: httpx.AsyncClient, new_model: NewModel
) -> None:
    await new_model("zeta")
    await new_model("alpha")
    await new_model("mid")
    await new_model("other", model_type="faq_matcher")
    await api.delete("/models/text_classifier/mid")

    listed = await api.get("/models", params={"model_type": "text_classifier"})
    assert listed.status_code == 200
    assert [m["name"] for m in listed.json()] == ["alpha", "zeta"]
    assert [
        m["name"] for m in (await api.get("/models", params={"model_type": "faq_matcher"})).json()
    ] == ["other"]


async def test_patch_merges_params_and_a_null_removes_a_key(
    api: httpx.AsyncClient, new_model: NewModel
) -> None:
    created = await new_model("faq", params={"keep": 1, "drop": 2, "change": "old"})
    patched = await api.patch(
        "/models/text_classifier/faq",
        json={
            "params": {"drop": None, "change": "new", "add": [1, 2]},
            "readonly": True,
            "long_name": "L",
        },
    )
    assert patched.status_code == 200, patched.text
    record = patched.json()
    assert record["params"] == {"keep": 1, "change": "new", "add": [1, 2]}
    assert record["readonly"] is True and record["long_name"] == "L" and record["desc"] == ""
    assert record["updated_at"] >= created["updated_at"]
    assert (await api.get("/models/text_classifier/faq")).json()["params"] == record["params"]

    # An empty patch changes nothing.
    same = await api.patch("/models/text_classifier/faq", json={})
    assert same.json()["params"] == record["params"] and same.json()["readonly"] is True


async def test_trash_keeps_samples_and_load_from_store_restores(
    api: httpx.AsyncClient, new_model: NewModel
) -> None:
    created = await new_model("faq", params={"algo": "lr"})
    await api.post(
        "/models/text_classifier/faq/samples/training",
        json={"samples": [{"text": "hi", "label": "g"}]},
    )

    trashed = await api.delete("/models/text_classifier/faq")
    assert trashed.status_code == 200
    assert trashed.json()["trashed"] is True and trashed.json()["id"] == created["id"]
    assert_error(await api.get("/models/text_classifier/faq"), 404, "not_found")
    assert_error(await api.delete("/models/text_classifier/faq"), 404, "not_found")

    restored = await api.post(
        "/models", json={"model_type": "text_classifier", "name": "faq", "load_from_store": True}
    )
    assert restored.status_code == 200, restored.text
    record = restored.json()
    assert record["id"] == created["id"] and record["trashed"] is False
    assert record["params"] == {"algo": "lr"} and record["num_training_samples"] == 1


async def test_load_from_store_with_an_empty_trash_is_404(
    api: httpx.AsyncClient, new_model: NewModel
) -> None:
    body = {"model_type": "text_classifier", "name": "ghost", "load_from_store": True}
    assert_error(await api.post("/models", json=body), 404, "not_found")
    await new_model("live")
    # A live model is not in the trash: restoring over it conflicts.
    assert_error(await api.post("/models", json={**body, "name": "live"}), 409, "conflict")


async def test_creating_over_a_trashed_model_vaporises_it(
    api: httpx.AsyncClient, new_model: NewModel
) -> None:
    old = await new_model("faq")
    await api.post(
        "/models/text_classifier/faq/samples/training",
        json={"samples": [{"text": "hi", "label": "g"}]},
    )
    await api.delete("/models/text_classifier/faq")

    fresh = await new_model("faq")
    assert fresh["id"] != old["id"] and fresh["num_training_samples"] == 0
    await api.delete("/models/text_classifier/faq")
    restored = await api.post(
        "/models", json={"model_type": "text_classifier", "name": "faq", "load_from_store": True}
    )
    assert restored.json()["id"] == fresh["id"]
    await api.delete("/models/text_classifier/faq")
    await api.post("/models/text_classifier/faq/vaporise")
    body = {"model_type": "text_classifier", "name": "faq", "load_from_store": True}
    assert_error(await api.post("/models", json=body), 404, "not_found")


async def test_vaporise_answers_the_record_and_removes_everything(
    api: httpx.AsyncClient, train: Train
) -> None:
    await api.post(
        "/models", json={"model_type": "text_classifier", "name": "faq", "load_from_store": False}
    )
    await api.post(
        "/models/text_classifier/faq/samples/training",
        json={"samples": [{"text": "hi", "label": "g"}]},
    )
    job = await train("faq")

    gone = await api.post("/models/text_classifier/faq/vaporise")
    assert gone.status_code == 200
    assert (
        gone.json()["num_training_samples"] == 1
        and gone.json()["current_revision"]["id"] == job["revision_id"]
    )
    assert_error(await api.get("/models/text_classifier/faq"), 404, "not_found")
    assert_error(await api.get(f"/revisions/{job['revision_id']}/artifact"), 404, "not_found")
    assert_error(await api.get(f"/jobs/{job['id']}"), 404, "not_found")
    assert_error(await api.post("/models/text_classifier/faq/vaporise"), 404, "not_found")


async def test_vaporise_works_on_a_trashed_model(
    api: httpx.AsyncClient, new_model: NewModel
) -> None:
    created = await new_model("faq")
    await api.delete("/models/text_classifier/faq")
    gone = await api.post("/models/text_classifier/faq/vaporise")
    assert (
        gone.status_code == 200
        and gone.json()["id"] == created["id"]
        and gone.json()["trashed"] is True
    )
    body = {"model_type": "text_classifier", "name": "faq", "load_from_store": True}
    assert_error(await api.post("/models", json=body), 404, "not_found")


async def test_restore_with_revision_uuid_moves_the_current_revision(
    api: httpx.AsyncClient, new_model: NewModel, train: Train
) -> None:
    await new_model("faq")
    first = await train("faq", artifact=b"one")
    second = await train("faq", artifact=b"two")
    assert (await api.get("/models/text_classifier/faq")).json()["current_revision"][
        "id"
    ] == second["revision_id"]
    await api.delete("/models/text_classifier/faq")

    body = {"model_type": "text_classifier", "name": "faq", "load_from_store": True}
    unknown = await api.post(
        "/models", json={**body, "revision_uuid": "00000000-0000-0000-0000-000000000000"}
    )
    assert_error(unknown, 404, "not_found")
    # The failed restore changed nothing: the model is still in the trash.
    assert_error(await api.get("/models/text_classifier/faq"), 404, "not_found")

    restored = await api.post("/models", json={**body, "revision_uuid": first["revision_id"]})
    assert restored.status_code == 200, restored.text
    current = restored.json()["current_revision"]
    assert current["id"] == first["revision_id"] and current["version"] == 1
    artifact = await api.get(f"/revisions/{current['id']}/artifact")
    assert artifact.content == b"one"


async def test_revision_uuid_needs_load_from_store(api: httpx.AsyncClient) -> None:
    body = {
        "model_type": "text_classifier",
        "name": "faq",
        "load_from_store": False,
        "revision_uuid": "x",
    }
    assert_error(await api.post("/models", json=body), 400, "invalid_input")
    assert_error(await api.get("/models/text_classifier/faq"), 404, "not_found")


async def test_tsne_is_stored_and_limited(api: httpx.AsyncClient, new_model: NewModel) -> None:
    await new_model("faq")
    points = [{"x": 0.5, "y": -1.0, "label": "g", "text": "hi"}]
    put = await api.put("/models/text_classifier/faq/tsne", json={"points": points})
    assert put.status_code == 200 and put.json()["tsne"] == points
    assert (await api.get("/models/text_classifier/faq")).json()["tsne"] == points

    too_many = [{"x": i, "y": i} for i in range(TSNE_LIMIT + 1)]
    assert_error(
        await api.put("/models/text_classifier/faq/tsne", json={"points": too_many}),
        413,
        "too_large",
    )
    assert_error(
        await api.put("/models/text_classifier/faq/tsne", json={"points": [1, 2]}),
        400,
        "invalid_input",
    )
    assert (await api.get("/models/text_classifier/faq")).json()["tsne"] == points


@pytest.mark.parametrize(
    "body",
    [
        {"model_type": "text_classifier", "load_from_store": False},
        {"model_type": "text_classifier", "name": "", "load_from_store": False},
        {"model_type": "text_classifier", "name": "-starts-badly", "load_from_store": False},
        {"model_type": "text_classifier", "name": "has space", "load_from_store": False},
        {"model_type": "text_classifier", "name": "x" * 65, "load_from_store": False},
        {"model_type": "Text", "name": "faq", "load_from_store": False},
        {"model_type": "text/classifier", "name": "faq", "load_from_store": False},
        {"model_type": "text_classifier", "name": 5, "load_from_store": False},
        {"model_type": "text_classifier", "name": "faq", "load_from_store": "yes"},
        {"model_type": "text_classifier", "name": "faq", "params": [1, 2]},
        {"model_type": "text_classifier", "name": "faq", "params": "x"},
        {"model_type": "text_classifier", "name": "faq", "long_name": 3},
        {"model_type": "text_classifier", "name": "faq", "long_name": "x" * 257},
        {"model_type": "text_classifier", "name": "faq", "desc": None},
        [],
        "faq",
    ],
)
async def test_create_refuses_bad_input(api: httpx.AsyncClient, body: object) -> None:
    assert_error(await api.post("/models", json=body), 400, "invalid_input")
    assert (await api.get("/models")).json() == []


async def test_bad_json_and_bad_paths_are_400(api: httpx.AsyncClient, new_model: NewModel) -> None:
    await new_model("faq")
    broken = await api.post(
        "/models", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(broken, 400, "invalid_input")
    assert_error(await api.post("/models"), 400, "invalid_input")
    assert_error(await api.get("/models/text_classifier/-bad"), 400, "invalid_input")
    assert_error(await api.get("/models/Bad-Type/faq"), 400, "invalid_input")
    assert_error(await api.get("/models", params={"model_type": "Bad Type"}), 400, "invalid_input")
    for body in ({"readonly": "true"}, {"params": [1]}, {"long_name": 1}, {"desc": "x" * 10_001}):
        assert_error(
            await api.patch("/models/text_classifier/faq", json=body), 400, "invalid_input"
        )
    record = (await api.get("/models/text_classifier/faq")).json()
    assert record["readonly"] is False and record["params"] == {} and record["long_name"] == ""


async def test_another_tenants_model_is_404_on_every_route(
    api: httpx.AsyncClient, other_api: httpx.AsyncClient, new_model: NewModel
) -> None:
    await new_model("faq", params={"p": 1})
    await api.put("/models/text_classifier/faq/tsne", json={"points": [{"x": 1}]})
    before = (await api.get("/models/text_classifier/faq")).json()

    base = "/models/text_classifier/faq"
    attempts = [
        other_api.get(base),
        other_api.patch(base, json={"params": {"p": None}, "readonly": True}),
        other_api.put(base + "/tsne", json={"points": []}),
        other_api.delete(base),
        other_api.post(base + "/vaporise"),
        other_api.post(
            "/models",
            json={"model_type": "text_classifier", "name": "faq", "load_from_store": True},
        ),
    ]
    for attempt in attempts:
        assert_error(await attempt, 404, "not_found")
    assert (await other_api.get("/models", params={"model_type": "text_classifier"})).json() == []
    assert (await api.get(base)).json() == before

    # The other tenant's own model of that name is a different one, and changes nothing here.
    theirs = await other_api.post("/models", json={"model_type": "text_classifier", "name": "faq"})
    assert theirs.status_code == 200 and theirs.json()["id"] != before["id"]
    assert (await api.get(base)).json() == before


async def test_missing_and_foreign_models_answer_the_same(
    api: httpx.AsyncClient, other_api: httpx.AsyncClient, new_model: NewModel
) -> None:
    await new_model("faq")
    foreign = await other_api.get("/models/text_classifier/faq")
    missing = await other_api.get("/models/text_classifier/faq2")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"].replace("faq", "X") == missing.json()["detail"].replace(
        "faq2", "X"
    )


async def test_the_system_identity_has_no_models(system_api: httpx.AsyncClient) -> None:
    assert_error(await system_api.get("/models"), 403, "forbidden")
    body = {"model_type": "text_classifier", "name": "faq", "load_from_store": False}
    assert_error(await system_api.post("/models", json=body), 403, "forbidden")
