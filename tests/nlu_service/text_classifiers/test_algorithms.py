"""The Feersum `clsfr_algorithm` names beyond the embedding heads, trained and retrieved over HTTP."""

from __future__ import annotations

import math

import pytest

from tests.nlu_service.support import (
    BASE,
    INTENTS,
    NluClient,
    add_samples,
    assert_error,
    create_model,
    ok,
    retrieve,
    samples_of,
    top,
    trained_model,
    wait_until,
)

# (algorithm, a question and the intent it must be matched to)
CASES = [
    ("nearest_neighbour_l1", "is it raining in Durban today?", "weather"),
    # String matching: a misspelt training question, not a paraphrase.
    ("nearest_neighbour_fuzzy", "wat is my acount balanse", "banking"),
    ("fully_connected_neural_net", "please move R200 into my savings account", "banking"),
]


@pytest.mark.parametrize(("algorithm", "question", "intent"), CASES)
async def test_algorithm_trains_and_retrieves(
    api: NluClient, algorithm: str, question: str, intent: str
) -> None:
    details = await trained_model(api, "algo", clsfr_algorithm=algorithm)
    assert details["clsfr_algorithm"] == algorithm
    assert details["training_accuracy"] == 1.0
    scored = await retrieve(api, "algo", question)
    assert top(scored) == intent, scored
    assert scored[0]["probability"] > 0.5
    assert {s["label"] for s in scored} == set(INTENTS)
    assert math.isclose(sum(s["probability"] for s in scored), 1.0, rel_tol=1e-4)
    # The stored artifact serves again after the model is loaded from the trash.
    ok(await api.delete(f"{BASE}/algo"))
    ok(await api.post(BASE, json={"name": "algo", "load_from_store": True}))
    assert await retrieve(api, "algo", question) == scored


async def test_fuzzy_temperature_set_through_params_sharpens(api: NluClient) -> None:
    await trained_model(api, "fuzzy", clsfr_algorithm="nearest_neighbour_fuzzy")
    before = await retrieve(api, "fuzzy", "helo there")
    assert top(before) == "greeting"
    ok(await api.post(f"{BASE}/fuzzy/params", json={"temperature": 0.2}))
    after = await retrieve(api, "fuzzy", "helo there")
    assert top(after) == "greeting" and after[0]["probability"] > before[0]["probability"]


async def test_online_samples_retrain_the_fuzzy_head_with_their_texts(api: NluClient) -> None:
    first = await trained_model(api, "online-fuzzy", clsfr_algorithm="nearest_neighbour_fuzzy")
    extra = [{"text": "zebra crossing", "label": "zebras"}]
    ok(await api.post(f"{BASE}/online-fuzzy/online_training_samples", json=extra))

    async def retrained() -> bool:
        details = ok(await api.get(f"{BASE}/online-fuzzy"))
        return bool(details["training_stamp"]) and details["id"] != first["id"]

    await wait_until(retrained)
    details = ok(await api.get(f"{BASE}/online-fuzzy"))
    assert details["clsfr_algorithm"] == "nearest_neighbour_fuzzy"  # the model's last algorithm
    assert top(await retrieve(api, "online-fuzzy", "zebra crosing")) == "zebras"


async def test_an_unknown_algorithm_lists_the_new_names(api: NluClient) -> None:
    await create_model(api, "unknown-algo")
    await add_samples(api, "unknown-algo", samples_of(INTENTS))
    response = await api.post(
        f"{BASE}/unknown-algo/train", json={"immediate_mode": True, "clsfr_algorithm": "elmo"}
    )
    body = assert_error(response, 400, "invalid_input")
    for name in ("nearest_neighbour_l1", "nearest_neighbour_fuzzy", "fully_connected_neural_net"):
        assert name in body["detail"]
