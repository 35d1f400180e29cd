"""Every text-classifier operation through the NLU app, against the real model store."""

from __future__ import annotations

import math

from shared import ModelStoreClient
from tests.nlu_service.support import (
    BASE,
    INTENTS,
    NluClient,
    add_samples,
    create_model,
    ok,
    retrieve,
    samples_of,
    top,
    train,
    trained_model,
    wait_until,
)

TESTING = [
    {"text": "hello, good evening", "label": "greeting"},
    {"text": "is it snowing in the mountains", "label": "weather"},
    {"text": "how much money is in my cheque account", "label": "banking"},
    # Deliberately mislabelled, so the testing confusion matrix has an off-diagonal cell.
    {"text": "what's the temperature outside", "label": "banking"},
]


async def test_full_lifecycle(api: NluClient) -> None:
    created = await create_model(api, "intents", long_name="Intents", desc="three intents")
    assert created["name"] == "intents" and created["long_name"] == "Intents"
    assert created["desc"] == "three intents" and created["readonly"] is False
    assert created["training_stamp"] == ""
    assert created["num_training_samples"] == 0

    added = await add_samples(api, "intents", samples_of(INTENTS))
    assert len(added) == 18 and all(s["uuid"] for s in added)
    assert {s["label"] for s in added} == set(INTENTS)
    await add_samples(api, "intents", TESTING, kind="testing")

    details = await train(api, "intents")
    assert details["id"] != created["id"]  # the revision's id now
    assert details["clsfr_algorithm"] == "hybrid"  # the default
    assert details["training_accuracy"] == 1.0 and details["training_f1"] == 1.0
    assert details["training_cm"] == {label: {label: 6} for label in INTENTS}
    assert details["testing_cm"]["banking"] == {"banking": 1, "weather": 1}
    assert details["testing_accuracy"] == 0.75
    assert 0 < details["testing_f1"] < 1
    assert details["cm_labels"] == {label: label for label in INTENTS}
    assert details["num_training_samples"] == 18 and details["num_testing_samples"] == 4
    assert len(details["training_stamp"]) == len("2017-10-26 10:42:01.589979")
    assert details["threshold"] == 0.0 and details["temperature"] == 1.0
    assert "training_error" not in details

    scored = await retrieve(api, "intents", "hey there, lovely to meet you")
    assert top(scored) == "greeting"
    assert [s["probability"] for s in scored] == sorted(
        (s["probability"] for s in scored), reverse=True
    )
    assert math.isclose(sum(s["probability"] for s in scored), 1.0, rel_tol=1e-4)
    assert top(await retrieve(api, "intents", "is it going to rain on Saturday?")) == "weather"
    assert (
        top(await retrieve(api, "intents", "please move R500 to my savings account")) == "banking"
    )
    assert sorted(ok(await api.get(f"{BASE}/intents/labels"))) == sorted(INTENTS)

    # Params change what retrieve answers at once.
    before = await retrieve(api, "intents", "hello")
    ok(await api.post(f"{BASE}/intents/params", json={"temperature": 0.2}))
    sharper = await retrieve(api, "intents", "hello")
    assert sharper[0]["probability"] > before[0]["probability"]
    details = ok(await api.post(f"{BASE}/intents/params", json={"threshold": 0.5}))
    assert details["threshold"] == 0.5 and details["temperature"] == 0.2
    assert [s["label"] for s in await retrieve(api, "intents", "hello")] == ["greeting"]
    params = ok(await api.get(f"{BASE}/intents/params"))
    assert params == {
        "long_name": "Intents",
        "desc": "three intents",
        "readonly": False,
        "threshold": 0.5,
        "temperature": 0.2,
    }

    # Retraining on other data changes the answers.
    ok(await api.delete(f"{BASE}/intents/training_samples_all"))
    renamed = {"salutation": INTENTS["greeting"], "forecast": INTENTS["weather"]}
    await add_samples(api, "intents", samples_of(renamed))
    retrained = await train(api, "intents", clsfr_algorithm="svm", threshold=0.0, temperature=1.0)
    assert retrained["id"] != details["id"]
    assert retrained["clsfr_algorithm"] == "svm"
    assert retrained["threshold"] == 0.0 and retrained["temperature"] == 1.0
    scored = await retrieve(api, "intents", "hello")
    assert top(scored) == "salutation" and len(scored) == 2
    assert sorted(ok(await api.get(f"{BASE}/intents/labels"))) == ["forecast", "salutation"]

    # Delete moves it to the trash: gone for every operation...
    trashed = ok(await api.delete(f"{BASE}/intents"))
    assert trashed["name"] == "intents" and trashed["id"] == retrained["id"]
    assert (await api.post(f"{BASE}/intents/retrieve", json={"text": "hello"})).status_code == 404
    assert (await api.get(f"{BASE}/intents")).status_code == 404
    assert "intents" not in [m["name"] for m in ok(await api.get(BASE))]
    # ...until it is loaded from the store, as it was.
    restored = ok(await api.post(BASE, json={"name": "intents", "load_from_store": True}))
    assert restored["id"] == retrained["id"] and restored["clsfr_algorithm"] == "svm"
    assert top(await retrieve(api, "intents", "hello")) == "salutation"


async def test_training_in_the_background_is_polled(api: NluClient) -> None:
    await create_model(api, "polled")
    await add_samples(api, "polled", samples_of(INTENTS))
    queued = ok(await api.post(f"{BASE}/polled/train", json={"clsfr_algorithm": "naive_bayes"}))
    assert queued["training_stamp"] == ""

    async def trained() -> bool:
        return bool(ok(await api.get(f"{BASE}/polled"))["training_stamp"])

    await wait_until(trained)
    details = ok(await api.get(f"{BASE}/polled"))
    assert details["clsfr_algorithm"] == "naive_bayes"
    assert top(await retrieve(api, "polled", "what is the weather in Durban")) == "weather"


async def test_each_algorithm_trains_and_answers(api: NluClient) -> None:
    await create_model(api, "algos")
    await add_samples(api, "algos", samples_of(INTENTS))
    for algorithm in ("logistic_regression", "naive_bayes", "svm", "nearest_neighbour_cosine"):
        details = await train(api, "algos", clsfr_algorithm=algorithm)
        assert details["clsfr_algorithm"] == algorithm
        assert top(await retrieve(api, "algos", "good morning!")) == "greeting", algorithm


async def test_list_and_details(api: NluClient, other_api: NluClient) -> None:
    await create_model(api, "b-model")
    await create_model(api, "a-model", desc="first")
    await create_model(other_api, "c-model")
    listed = ok(await api.get(BASE))
    assert [m["name"] for m in listed] == ["a-model", "b-model"]
    assert listed[0]["desc"] == "first"
    assert ok(await api.get(f"{BASE}/a-model"))["desc"] == "first"


async def test_sample_operations(api: NluClient) -> None:
    await create_model(api, "samples")
    for kind in ("training", "testing"):
        path = f"{BASE}/samples/{kind}_samples"
        added = ok(
            await api.post(
                path,
                json=[
                    {"text": "one", "label": "a", "lang_code": "eng", "comment": "first"},
                    {"text": "two", "label": "b"},
                    {"text": "three", "label": "a"},
                    {"text": "two", "label": "c"},
                ],
            )
        )
        assert [s["text"] for s in added] == ["one", "two", "three", "two"]
        assert added[0]["lang_code"] == "eng" and added[0]["comment"] == "first"
        # A (text, label) pair already present is not added twice.
        assert ok(await api.post(path, json=[{"text": "one", "label": "a"}])) == []

        assert [s["text"] for s in ok(await api.get(path, params={"index": 1, "len": 2}))] == [
            "two",
            "three",
        ]
        assert len(ok(await api.get(path, params={"index": 2}))) == 2

        updated = ok(await api.put(path, json=[{"uuid": added[0]["uuid"], "label": "z"}]))
        assert updated[0]["uuid"] == added[0]["uuid"]
        assert updated[0]["label"] == "z" and updated[0]["text"] == "one"

        deleted = ok(await api.request("DELETE", path, json=[{"uuid": added[2]["uuid"]}]))
        assert [s["text"] for s in deleted] == ["three"]
        deleted = ok(await api.request("DELETE", path, json=[{"text": "two"}]))
        assert sorted(s["label"] for s in deleted) == ["b", "c"]
        assert [s["text"] for s in ok(await api.get(path))] == ["one"]

        ok(await api.post(path, json=[{"text": "four", "label": "d"}]))
        everything = ok(await api.delete(f"{path}_all"))
        assert sorted(s["text"] for s in everything) == ["four", "one"]
        assert ok(await api.get(path)) == []
    details = ok(await api.get(f"{BASE}/samples"))
    assert details["num_training_samples"] == 0 and details["num_testing_samples"] == 0


async def test_curate_returns_the_samples_behind_a_cell(api: NluClient) -> None:
    await create_model(api, "curate")
    await add_samples(api, "curate", samples_of(INTENTS))
    await add_samples(api, "curate", TESTING, kind="testing")
    assert (
        ok(await api.post(f"{BASE}/curate/curate", json=pair("greeting", "greeting", "train")))
        == []
    )
    await train(api, "curate")

    cell = ok(await api.post(f"{BASE}/curate/curate", json=pair("greeting", "greeting", "train")))
    assert sorted(s["text"] for s in cell) == sorted(INTENTS["greeting"])
    assert all(s["uuid"] for s in cell)
    wrong = ok(await api.post(f"{BASE}/curate/curate", json=pair("banking", "weather", "test")))
    assert [s["text"] for s in wrong] == ["what's the temperature outside"]
    assert (
        ok(await api.post(f"{BASE}/curate/curate", json=pair("greeting", "weather", "train"))) == []
    )


def pair(true_label: str, predicted_label: str, matrix_name: str) -> dict[str, str]:
    return {
        "true_label": true_label,
        "predicted_label": predicted_label,
        "matrix_name": matrix_name,
    }


async def test_online_training_samples_add_and_retrain(api: NluClient) -> None:
    first = await trained_model(api, "online", clsfr_algorithm="nearest_neighbour_cosine")
    extra = [
        {"text": "cheers, goodbye", "label": "farewell"},
        {"text": "see you later", "label": "farewell"},
    ]
    added = ok(await api.post(f"{BASE}/online/online_training_samples", json=extra))
    assert [s["text"] for s in added] == ["cheers, goodbye", "see you later"]
    assert all(s["uuid"] for s in added)

    async def retrained() -> bool:
        details = ok(await api.get(f"{BASE}/online"))
        return bool(details["training_stamp"]) and details["id"] != first["id"]

    await wait_until(retrained)
    details = ok(await api.get(f"{BASE}/online"))
    assert details["clsfr_algorithm"] == "nearest_neighbour_cosine"  # the model's last algorithm
    assert details["num_training_samples"] == 20
    assert "farewell" in ok(await api.get(f"{BASE}/online/labels"))
    assert top(await retrieve(api, "online", "goodbye, see you")) == "farewell"


async def test_online_samples_on_an_untrainable_model_are_just_added(api: NluClient) -> None:
    await create_model(api, "lonely")
    added = ok(
        await api.post(
            f"{BASE}/lonely/online_training_samples", json=[{"text": "hi", "label": "greeting"}]
        )
    )
    assert len(added) == 1
    details = ok(await api.get(f"{BASE}/lonely"))
    assert details["num_training_samples"] == 1 and details["training_stamp"] == ""


async def test_tsne_lays_out_the_training_samples(api: NluClient) -> None:
    await create_model(api, "tsne")
    assert ok(await api.get(f"{BASE}/tsne/tsne")) == []
    await add_samples(api, "tsne", samples_of(INTENTS))
    assert ok(await api.post(f"{BASE}/tsne/tsne", json={"n_components": 2})) == {}
    points = ok(await api.get(f"{BASE}/tsne/tsne"))
    assert len(points) == 18
    assert {p["label"] for p in points} == set(INTENTS)
    assert all(set(p) == {"text", "label", "x", "y"} for p in points)
    assert (
        ok(
            await api.post(
                f"{BASE}/tsne/tsne", json={"n_components": 3, "perplexity": 5, "learning_rate": 100}
            )
        )
        == {}
    )
    points = ok(await api.get(f"{BASE}/tsne/tsne"))
    assert all(isinstance(p["z"], float) for p in points)


async def test_vaporise_removes_everything(api: NluClient, store: ModelStoreClient) -> None:
    trained = await trained_model(api, "gone")
    vaporised = ok(await api.post(f"{BASE}/gone/vaporise"))
    assert vaporised["name"] == "gone" and vaporised["id"] == trained["id"]
    assert (await api.get(f"{BASE}/gone")).status_code == 404
    assert (await api.post(BASE, json={"name": "gone", "load_from_store": True})).status_code == 404
    # A new model of that name starts from nothing.
    fresh = await create_model(api, "gone")
    assert fresh["num_training_samples"] == 0 and fresh["training_stamp"] == ""
    assert await store.list_revisions(api.tenant, "text_classifier", "gone") == []


async def test_load_from_store_with_a_revision_uuid(api: NluClient) -> None:
    first = await trained_model(api, "revs")
    ok(await api.delete(f"{BASE}/revs/training_samples_all"))
    await add_samples(
        api, "revs", samples_of({"yes": ["yes", "sure", "ok"], "no": ["no", "nope", "never"]})
    )
    second = await train(api, "revs")
    assert top(await retrieve(api, "revs", "yes please")) == "yes"
    ok(await api.delete(f"{BASE}/revs"))
    restored = ok(
        await api.post(
            BASE, json={"name": "revs", "load_from_store": True, "revision_uuid": first["id"]}
        )
    )
    assert restored["id"] == first["id"] != second["id"]
    assert top(await retrieve(api, "revs", "hello there")) == "greeting"


async def test_readonly_models_refuse_changes(api: NluClient) -> None:
    await trained_model(api, "locked")
    ok(await api.post(f"{BASE}/locked/params", json={"readonly": True}))
    changes = [
        ("POST", "training_samples", [{"text": "new", "label": "greeting"}]),
        ("PUT", "training_samples", [{"uuid": "x", "label": "y"}]),
        ("DELETE", "training_samples", [{"text": "hello there"}]),
        ("DELETE", "training_samples_all", None),
        ("POST", "testing_samples", [{"text": "new", "label": "greeting"}]),
        ("POST", "train", {}),
        ("POST", "online_training_samples", [{"text": "new", "label": "greeting"}]),
        ("POST", "params", {"threshold": 0.9}),
    ]
    for method, path, body in changes:
        response = await api.request(method, f"{BASE}/locked/{path}", json=body)
        assert response.status_code == 400, (method, path, response.text)
        assert "read-only" in response.json()["detail"]
    assert ok(await api.get(f"{BASE}/locked"))["num_training_samples"] == 18
    # Readonly models still answer, and can be unlocked.
    assert top(await retrieve(api, "locked", "hello")) == "greeting"
    details = ok(
        await api.post(f"{BASE}/locked/params", json={"readonly": False, "threshold": 0.9})
    )
    assert details["readonly"] is False and details["threshold"] == 0.9


async def test_params_set_before_training_carry_into_it(api: NluClient) -> None:
    await create_model(api, "early")
    ok(await api.post(f"{BASE}/early/params", json={"temperature": 0.5, "long_name": "Early"}))
    await add_samples(api, "early", samples_of(INTENTS))
    details = await train(api, "early")
    assert details["temperature"] == 0.5 and details["long_name"] == "Early"


def test_answers_match_the_spec_shapes() -> None:
    """The wire models carry exactly the spec's fields (plus documented extras)."""
    from shared.wire import TextClassifierInstanceDetail

    spec_fields = {
        "name",
        "id",
        "long_name",
        "desc",
        "readonly",
        "training_accuracy",
        "training_f1",
        "training_cm",
        "testing_accuracy",
        "testing_f1",
        "testing_cm",
        "cm_labels",
        "training_stamp",
        "num_training_samples",
        "num_testing_samples",
        "clsfr_algorithm",
        "language_model_list",
        "threshold",
        "temperature",
    }
    assert set(TextClassifierInstanceDetail.model_fields) == spec_fields | {"training_error"}
