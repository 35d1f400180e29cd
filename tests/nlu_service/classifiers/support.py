"""Helpers of the intent-classifier and FAQ-matcher tests: calls on a family's path."""

from __future__ import annotations

from typing import Any

import httpx

from tests.nlu_service.support import SAMPLES_LIMIT, ok

INTENT_BASE = "/nlu/v2/intent_classifiers"
FAQ_BASE = "/nlu/v2/faq_matchers"

# Questions no intent of `INTENTS` and no answer of `FAQ` is about.
UNRELATED = [
    "the mitochondria is the powerhouse of the cell",
    "how many legs does a spider have",
]

# FAQ: questions labelled with the id of their answer.
FAQ: dict[str, list[str]] = {
    "opening_hours": [
        "what time do you open",
        "when are you open on saturdays",
        "what are your business hours",
    ],
    "delivery_cost": [
        "how much is delivery",
        "do you charge for shipping",
        "what does it cost to deliver my order",
    ],
    "reset_password": [
        "I forgot my password",
        "how do I reset my password",
        "I can't log in to my account",
    ],
    "return_policy": [
        "can I return an item",
        "what is your return policy",
        "how do I send something back",
    ],
}


async def add_samples(
    api: httpx.AsyncClient,
    base: str,
    name: str,
    samples: list[dict[str, Any]],
    kind: str = "training",
) -> list[dict[str, Any]]:
    added: list[dict[str, Any]] = []
    for start in range(0, len(samples), SAMPLES_LIMIT):
        added += ok(
            await api.post(
                f"{base}/{name}/{kind}_samples", json=samples[start : start + SAMPLES_LIMIT]
            )
        )
    return added


async def trained(
    api: httpx.AsyncClient,
    base: str,
    name: str,
    samples: list[dict[str, Any]],
    **details: Any,
) -> dict[str, Any]:
    """Create the model, add the samples, train in immediate mode; return the details."""
    ok(await api.post(base, json={"name": name, "load_from_store": False}))
    await add_samples(api, base, name, samples)
    body: dict[str, Any] = ok(
        await api.post(f"{base}/{name}/train", json={"immediate_mode": True, **details})
    )
    return body


async def retrieve(api: httpx.AsyncClient, base: str, name: str, text: str) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = ok(await api.post(f"{base}/{name}/retrieve", json={"text": text}))
    return body


async def snapshot(api: httpx.AsyncClient, base: str, name: str) -> dict[str, Any]:
    """Return everything stored about a model that a bad call must leave as it was."""
    return {
        "details": ok(await api.get(f"{base}/{name}")),
        "training": ok(await api.get(f"{base}/{name}/training_samples")),
        "testing": ok(await api.get(f"{base}/{name}/testing_samples")),
        "params": ok(await api.get(f"{base}/{name}/params")),
        "labels": ok(await api.get(f"{base}/{name}/labels")),
        "tsne": ok(await api.get(f"{base}/{name}/tsne")),
    }
