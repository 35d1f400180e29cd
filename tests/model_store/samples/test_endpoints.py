"""A model's samples over /internal/v1/models/{type}/{name}/samples/{kind}."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.model_store.conftest import SAMPLES_LIMIT, TEXT_LIMIT, NewModel, assert_error

TRAINING = "/models/text_classifier/faq/samples/training"
TESTING = "/models/text_classifier/faq/samples/testing"


async def add(api: httpx.AsyncClient, path: str, *samples: dict[str, Any]) -> list[dict[str, Any]]:
    response = await api.post(path, json={"samples": list(samples)})
    assert response.status_code == 200, response.text
    added: list[dict[str, Any]] = response.json()
    return added


async def listed(
    api: httpx.AsyncClient, path: str = TRAINING, **params: Any
) -> list[dict[str, Any]]:
    response = await api.get(path, params=params)
    assert response.status_code == 200, response.text
    samples: list[dict[str, Any]] = response.json()
    return samples


@pytest.fixture(autouse=True)
async def faq(new_model: NewModel) -> dict[str, Any]:
    return await new_model("faq")


async def test_add_answers_the_added_samples_with_uuids(api: httpx.AsyncClient) -> None:
    added = await add(
        api,
        TRAINING,
        {"text": "hello", "label": "greet"},
        {"text": "sawubona", "label": "greet", "lang_code": "zu", "comment": "Zulu"},
    )
    assert [set(s) for s in added] == [{"uuid", "text", "label", "lang_code", "comment"}] * 2
    assert added[0]["lang_code"] is None and added[0]["comment"] is None
    assert added[1]["lang_code"] == "zu" and added[1]["comment"] == "Zulu"
    assert len({s["uuid"] for s in added}) == 2
    assert await listed(api) == added


async def test_add_skips_pairs_already_present(api: httpx.AsyncClient) -> None:
    await add(api, TRAINING, {"text": "hello", "label": "greet"})
    again = await add(
        api,
        TRAINING,
        {"text": "hello", "label": "greet"},  # already there
        {"text": "hello", "label": "other"},  # same text, new label: added
        {"text": "bye", "label": "leave"},
        {"text": "bye", "label": "leave"},  # twice in one call: added once
    )
    assert [(s["text"], s["label"]) for s in again] == [("hello", "other"), ("bye", "leave")]
    assert [(s["text"], s["label"]) for s in await listed(api)] == [
        ("hello", "greet"),
        ("hello", "other"),
        ("bye", "leave"),
    ]
    record = (await api.get("/models/text_classifier/faq")).json()
    assert record["num_training_samples"] == 3 and record["num_training_labels"] == 3


async def test_training_and_testing_are_separate(api: httpx.AsyncClient) -> None:
    await add(api, TRAINING, {"text": "a", "label": "x"}, {"text": "b", "label": "y"})
    await add(api, TESTING, {"text": "a", "label": "x"})
    assert len(await listed(api, TRAINING)) == 2
    assert [s["text"] for s in await listed(api, TESTING)] == ["a"]
    record = (await api.get("/models/text_classifier/faq")).json()
    assert (
        record["num_training_samples"],
        record["num_testing_samples"],
        record["num_training_labels"],
    ) == (2, 1, 2)


async def test_get_pages_by_index_and_len_in_insertion_order(api: httpx.AsyncClient) -> None:
    for i in range(3):
        await add(api, TRAINING, *({"text": f"t{i}-{j}", "label": "l"} for j in range(4)))
    texts = [s["text"] for s in await listed(api)]
    assert texts == [f"t{i}-{j}" for i in range(3) for j in range(4)]
    assert [s["text"] for s in await listed(api, index=2, len=3)] == texts[2:5]
    assert [s["text"] for s in await listed(api, index=10)] == texts[10:]
    assert await listed(api, index=50) == []
    assert await listed(api, index=0, len=0) == []


async def test_put_changes_only_the_fields_given(api: httpx.AsyncClient) -> None:
    first, second = await add(
        api,
        TRAINING,
        {"text": "a", "label": "x", "lang_code": "en", "comment": "c"},
        {"text": "b", "label": "y"},
    )
    response = await api.put(
        TRAINING,
        json={
            "samples": [
                {"uuid": first["uuid"], "label": "z", "comment": None},
                {"uuid": second["uuid"], "text": "bb"},
            ]
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == [
        {"uuid": first["uuid"], "text": "a", "label": "z", "lang_code": "en", "comment": None},
        {"uuid": second["uuid"], "text": "bb", "label": "y", "lang_code": None, "comment": None},
    ]
    assert await listed(api) == response.json()


async def test_put_with_any_unknown_uuid_changes_nothing(api: httpx.AsyncClient) -> None:
    (known,) = await add(api, TRAINING, {"text": "a", "label": "x"})
    before = await listed(api)
    response = await api.put(
        TRAINING,
        json={"samples": [{"uuid": known["uuid"], "label": "changed"}, {"uuid": "not-a-sample"}]},
    )
    assert_error(response, 404, "not_found")
    # A training sample's uuid is unknown among the testing samples.
    assert_error(
        await api.put(TESTING, json={"samples": [{"uuid": known["uuid"], "label": "q"}]}),
        404,
        "not_found",
    )
    assert await listed(api) == before


async def test_delete_by_uuid_and_by_text(api: httpx.AsyncClient) -> None:
    a, _, c, _ = await add(
        api,
        TRAINING,
        {"text": "a", "label": "x"},
        {"text": "b", "label": "x"},
        {"text": "c", "label": "x"},
        {"text": "b", "label": "y"},
    )
    gone = await api.post(
        TRAINING + "/delete",
        json={"samples": [{"uuid": a["uuid"]}, {"text": "b"}, {"uuid": "nope"}]},
    )
    assert gone.status_code == 200, gone.text
    assert [(s["text"], s["label"]) for s in gone.json()] == [("a", "x"), ("b", "x"), ("b", "y")]
    assert await listed(api) == [c]
    # Deleting what is not there deletes nothing.
    assert (await api.post(TRAINING + "/delete", json={"samples": [{"text": "zzz"}]})).json() == []


async def test_delete_all_answers_every_deleted_sample(api: httpx.AsyncClient) -> None:
    added = await add(api, TRAINING, {"text": "a", "label": "x"}, {"text": "b", "label": "y"})
    await add(api, TESTING, {"text": "t", "label": "x"})
    gone = await api.delete(TRAINING)
    assert gone.status_code == 200 and gone.json() == added
    assert await listed(api) == []
    assert len(await listed(api, TESTING)) == 1


async def test_limits_are_413_and_store_nothing(api: httpx.AsyncClient) -> None:
    too_many = [{"text": f"s{i}", "label": "l"} for i in range(SAMPLES_LIMIT + 1)]
    assert_error(await api.post(TRAINING, json={"samples": too_many}), 413, "too_large")
    long_text = "x" * (TEXT_LIMIT + 1)
    for sample in (
        {"text": long_text, "label": "l"},
        {"text": "t", "label": long_text},
        {"text": "t", "label": "l", "comment": long_text},
    ):
        batch = [{"text": "fine", "label": "l"}, sample]
        assert_error(await api.post(TRAINING, json={"samples": batch}), 413, "too_large")
    assert await listed(api) == []
    # Exactly at the limits is fine.
    at_limit = [
        {"text": "x" * TEXT_LIMIT if i == 0 else f"s{i}", "label": "l"}
        for i in range(SAMPLES_LIMIT)
    ]
    assert len(await add(api, TRAINING, *at_limit)) == SAMPLES_LIMIT

    (first,) = await listed(api, len=1)
    change = {"samples": [{"uuid": first["uuid"], "text": long_text}]}
    assert_error(await api.put(TRAINING, json=change), 413, "too_large")
    assert (await listed(api, len=1))[0] == first


@pytest.mark.parametrize(
    "body",
    [
        {"samples": [{"text": "", "label": "l"}]},
        {"samples": [{"text": "   ", "label": "l"}]},
        {"samples": [{"text": "t", "label": ""}]},
        {"samples": [{"text": "t"}]},
        {"samples": [{"label": "l"}]},
        {"samples": [{"text": 5, "label": "l"}]},
        {"samples": [{"text": "t", "label": ["l"]}]},
        {"samples": [{"text": "t", "label": "l", "lang_code": 3}]},
        {"samples": [{"text": "t", "label": "l", "lang_code": "x" * 33}]},
        {"samples": [{"text": "t", "label": "l", "comment": 1}]},
        {"samples": ["t"]},
        {"samples": {"text": "t", "label": "l"}},
        {},
        [],
    ],
)
async def test_add_refuses_bad_samples(api: httpx.AsyncClient, body: object) -> None:
    valid_first = {"text": "fine", "label": "l"}
    if isinstance(body, dict) and isinstance(body.get("samples"), list):
        body = {"samples": [valid_first, *body["samples"]]}
    assert_error(await api.post(TRAINING, json=body), 400, "invalid_input")
    assert await listed(api) == []


async def test_other_bad_input_is_400(api: httpx.AsyncClient) -> None:
    (sample,) = await add(api, TRAINING, {"text": "a", "label": "x"})
    bad = [
        api.post("/models/text_classifier/faq/samples/validation", json={"samples": []}),
        api.get("/models/text_classifier/faq/samples/other"),
        api.get(TRAINING, params={"index": -1}),
        api.get(TRAINING, params={"len": -1}),
        api.get(TRAINING, params={"index": "two"}),
        api.put(TRAINING, json={"samples": [{"text": "no uuid"}]}),
        api.put(TRAINING, json={"samples": [{"uuid": sample["uuid"], "text": ""}]}),
        api.put(TRAINING, json={"samples": [{"uuid": sample["uuid"], "label": 3}]}),
        api.put(
            TRAINING,
            json={"samples": [{"uuid": sample["uuid"]}, {"uuid": sample["uuid"], "text": "b"}]},
        ),
        api.post(TRAINING + "/delete", json={"samples": [{}]}),
        api.post(TRAINING + "/delete", json={"samples": [{"uuid": 5}]}),
        api.post(TRAINING + "/delete", json={"samples": "all"}),
    ]
    for attempt in bad:
        assert_error(await attempt, 400, "invalid_input")
    assert await listed(api) == [sample]


async def test_unknown_or_trashed_model_is_404(api: httpx.AsyncClient) -> None:
    missing = "/models/text_classifier/nope/samples/training"
    assert_error(
        await api.post(missing, json={"samples": [{"text": "a", "label": "x"}]}), 404, "not_found"
    )
    assert_error(await api.get(missing), 404, "not_found")
    await api.delete("/models/text_classifier/faq")
    assert_error(await api.get(TRAINING), 404, "not_found")


async def test_another_tenants_samples_are_404_on_every_route(
    api: httpx.AsyncClient, other_api: httpx.AsyncClient
) -> None:
    (sample,) = await add(api, TRAINING, {"text": "a", "label": "x"})
    attempts = [
        other_api.post(TRAINING, json={"samples": [{"text": "b", "label": "y"}]}),
        other_api.get(TRAINING),
        other_api.put(TRAINING, json={"samples": [{"uuid": sample["uuid"], "label": "stolen"}]}),
        other_api.post(
            TRAINING + "/delete", json={"samples": [{"uuid": sample["uuid"]}, {"text": "a"}]}
        ),
        other_api.delete(TRAINING),
    ]
    for attempt in attempts:
        assert_error(await attempt, 404, "not_found")
    assert await listed(api) == [sample]


async def test_labels_are_the_distinct_labels_of_one_kind_sorted(
    api: httpx.AsyncClient, other_api: httpx.AsyncClient
) -> None:
    await add(
        api,
        TRAINING,
        {"text": "a", "label": "b-label"},
        {"text": "b", "label": "A-label"},
        {"text": "c", "label": "b-label"},
    )
    await add(api, TESTING, {"text": "d", "label": "only-testing"})
    response = await api.get(TRAINING + "/labels")
    assert response.status_code == 200 and response.json() == ["A-label", "b-label"]
    assert (await api.get(TESTING + "/labels")).json() == ["only-testing"]
    assert_error(await other_api.get(TRAINING + "/labels"), 404, "not_found")
