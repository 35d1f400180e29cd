"""Feersum language-model names at train time, on every classifier family: accepted and echoed
as given, or refused with a 400 that lists the accepted names and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.nlu_service.classifiers.support import FAQ, FAQ_BASE, INTENT_BASE, snapshot, trained
from tests.nlu_service.support import (
    BASE,
    INTENTS,
    NluClient,
    assert_error,
    ok,
    samples_of,
)

FAMILIES = {
    "text": (BASE, samples_of(INTENTS)),
    "intent": (INTENT_BASE, samples_of(INTENTS)),
    "faq": (FAQ_BASE, samples_of(FAQ)),
}
LANGUAGE_MODELS = [
    {"lang_code": "eng", "lang_model": "feers_usent_eng"},
    {"lang_code": "zul", "lang_model": "feers_wm_zul"},
    {"lang_code": "afr", "lang_model": "glove6B50D_trimmed"},
]
WORD_MANIFOLDS = [
    {"label": "xho", "word_manifold": "feers_wm_xho"},
    {"label": "eng", "word_manifold": "feers_wm_eng"},
]


async def test_text_classifier_echoes_its_language_models(api: NluClient) -> None:
    details = await trained(
        api, BASE, "lm", samples_of(INTENTS), language_model_list=LANGUAGE_MODELS
    )
    assert details["language_model_list"] == LANGUAGE_MODELS
    assert ok(await api.get(f"{BASE}/lm"))["language_model_list"] == LANGUAGE_MODELS
    scored = ok(await api.post(f"{BASE}/lm/retrieve", json={"text": "will it rain tomorrow"}))
    assert scored[0]["label"] == "weather"


@pytest.mark.parametrize("base", [INTENT_BASE, FAQ_BASE])
async def test_intents_and_faqs_echo_their_word_manifolds(api: NluClient, base: str) -> None:
    samples = FAMILIES["intent" if base == INTENT_BASE else "faq"][1]
    details = await trained(api, base, "wm", samples, word_manifold_list=WORD_MANIFOLDS)
    assert details["word_manifold_list"] == WORD_MANIFOLDS
    # The single (older) word_manifold field is accepted too, and shown as an unlabelled entry.
    ok(
        await api.post(
            f"{base}/wm/train", json={"immediate_mode": True, "word_manifold": "feers_wm_ssw"}
        )
    )
    details = ok(await api.get(f"{base}/wm"))
    assert details["word_manifold_list"] == [{"label": "", "word_manifold": "feers_wm_ssw"}]


BAD_REQUESTS: list[tuple[dict[str, Any], str]] = [
    (
        {"language_model_list": [{"lang_code": "eng", "lang_model": "elmo_eng"}]},
        "language_model_list[0].lang_model 'elmo_eng'",
    ),
    (
        {
            "word_manifold_list": [
                *WORD_MANIFOLDS,
                {"label": "fra", "word_manifold": "feers_wm_fra"},
            ]
        },
        "word_manifold_list[2].word_manifold 'feers_wm_fra'",
    ),
    ({"word_manifold": "glove_za_eng.txt"}, "word_manifold 'glove_za_eng.txt'"),
]


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize(("body", "field"), BAD_REQUESTS)
async def test_unknown_names_are_refused_and_change_nothing(
    api: NluClient, family: str, body: dict[str, Any], field: str
) -> None:
    base, samples = FAMILIES[family]
    await trained(api, base, "strict", samples)
    before = await snapshot(api, base, "strict")
    response = await api.post(f"{base}/strict/train", json={"immediate_mode": True, **body})
    error = assert_error(response, 400, "invalid_input")
    assert f"unknown {field}" in error["detail"]
    for accepted in ("feers_usent_eng", "feers_wm_eng", "glove6B50D_trimmed", "feers_wm_tso"):
        assert accepted in error["detail"]
    assert await snapshot(api, base, "strict") == before
