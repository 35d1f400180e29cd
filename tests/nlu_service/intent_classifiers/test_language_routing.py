"""Language routing of intent classifiers and FAQ matchers: a head per language of the samples.

The English and isiZulu samples share two labels; `banking` exists only in English and
`thanks` only in isiZulu. With the threshold at 0, retrieve returns every label of the head
it used, so the labels answered show which head that was.
"""

from __future__ import annotations

from typing import Any

from shared import ModelStoreClient
from tests.nlu_service.classifiers.support import FAQ_BASE, INTENT_BASE, add_samples, snapshot
from tests.nlu_service.support import INTENTS, NluClient, assert_error, ok

ZULU: dict[str, list[str]] = {
    "greeting": [
        "sawubona",
        "sanibonani",
        "sawubona mngane wami",
        "unjani namhlanje",
        "yebo sawubona baba",
        "ngiyakubingelela",
    ],
    "weather": [
        "izulu lizoba njani kusasa",
        "kuzona imvula namuhla na",
        "kuzobanda kakhulu kusasa",
        "ngicela ungitshele ngesimo sezulu",
        "kuzoshisa ngempelasonto",
        "ngidinga isambulela namuhla",
    ],
    "thanks": [
        "ngiyabonga kakhulu",
        "siyabonga kakhulu ngosizo lwakho",
        "ngiyabonga mngane",
        "ngibonga usizo lwakho",
        "ngiyabonga ngokungisiza",
        "siyabonga kakhulu",
    ],
}
ENGLISH_LABELS = set(INTENTS)
ZULU_LABELS = set(ZULU)
EVERY_LABEL = ENGLISH_LABELS | ZULU_LABELS
# lid_za identifies these as isiZulu (p > 0.97) and English.
ZULU_WEATHER = "ngicela ungitshele ukuthi izulu lizoba njani kusasa"
ENGLISH_WEATHER = "what is the weather like in Durban today"


def bilingual_samples(zulu_code: str = "zul") -> list[dict[str, Any]]:
    english = [
        {"text": t, "label": label, "lang_code": "eng"}
        for label, texts in INTENTS.items()
        for t in texts
    ]
    zulu = [
        {"text": t, "label": label, "lang_code": zulu_code}
        for label, texts in ZULU.items()
        for t in texts
    ]
    return english + zulu


async def ask(
    api: NluClient, base: str, name: str, text: str, lang_code: str | None = None
) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"text": text}
    if lang_code is not None:
        body["lang_code"] = lang_code
    answer: list[dict[str, Any]] = ok(await api.post(f"{base}/{name}/retrieve", json=body))
    return answer


async def labels_answered(
    api: NluClient, base: str, name: str, text: str, lang_code: str | None = None
) -> set[str]:
    return {s["label"] for s in await ask(api, base, name, text, lang_code)}


async def test_intent_classifier_routes_by_hint_and_by_lid(
    api: NluClient, other_api: NluClient, store: ModelStoreClient
) -> None:
    create = {"name": "multi", "load_from_store": False, "lid_model_file": "lid_za"}
    ok(await api.post(INTENT_BASE, json=create))
    # Codes are accepted in any case and stored in lower case.
    added = await add_samples(api, INTENT_BASE, "multi", bilingual_samples("ZUL"))
    assert {s["lang_code"] for s in added} == {"eng", "zul"}
    listed = ok(await api.get(f"{INTENT_BASE}/multi/training_samples"))
    assert sorted(s["lang_code"] for s in listed) == sorted(s["lang_code"] for s in added)
    details = ok(await api.post(f"{INTENT_BASE}/multi/train", json={"immediate_mode": True}))
    assert details["training_accuracy"] >= 0.9
    record = await store.get_model(api.tenant, "intent_classifier", "multi")
    metrics = record["current_revision"]["metrics"]
    heads = metrics["language_heads"]
    assert set(heads) == {"eng", "zul"} and metrics["language_fallbacks"] == {}
    assert set(heads["zul"]["labels"]) == ZULU_LABELS
    assert heads["zul"]["num_training_samples"] == 18
    assert sorted(ok(await api.get(f"{INTENT_BASE}/multi/labels"))) == sorted(EVERY_LABEL)

    # Calibrated thresholds: the isiZulu head answers with its own.
    zulu = await ask(api, INTENT_BASE, "multi", ZULU_WEATHER, "zul")
    assert zulu and zulu[0]["label"] == "weather"
    assert all(s["probability"] >= heads["zul"]["threshold"] for s in zulu)
    english = await ask(api, INTENT_BASE, "multi", ENGLISH_WEATHER, "eng")
    assert english and english[0]["label"] == "weather"

    # A threshold of 0 (set through params: it applies to every head) shows each head's labels.
    ok(await api.post(f"{INTENT_BASE}/multi/params", json={"threshold": 0.0}))
    assert await labels_answered(api, INTENT_BASE, "multi", ZULU_WEATHER, "zul") == ZULU_LABELS
    assert await labels_answered(api, INTENT_BASE, "multi", ZULU_WEATHER, "ZUL") == ZULU_LABELS
    assert await labels_answered(api, INTENT_BASE, "multi", ZULU_WEATHER, "eng") == ENGLISH_LABELS
    # No hint (or one that is not a code): lid_za tells the language.
    for hint in (None, "zulu"):
        answered = await ask(api, INTENT_BASE, "multi", ZULU_WEATHER, hint)
        assert {s["label"] for s in answered} == ZULU_LABELS, hint
        assert answered[0]["label"] == "weather"
    assert await labels_answered(api, INTENT_BASE, "multi", ENGLISH_WEATHER) == ENGLISH_LABELS
    # A language without its own head gets the all-languages head.
    assert await labels_answered(api, INTENT_BASE, "multi", ZULU_WEATHER, "afr") == EVERY_LABEL

    # Another tenant: the model is not found, and its own model of that name is its own.
    before = await snapshot(api, INTENT_BASE, "multi")
    for body in ({"text": ZULU_WEATHER, "lang_code": "zul"}, {"text": ZULU_WEATHER}):
        assert_error(await other_api.post(f"{INTENT_BASE}/multi/retrieve", json=body), 404)
    assert_error(
        await other_api.post(
            f"{INTENT_BASE}/multi/training_samples",
            json=[{"text": "sawubona", "label": "greeting", "lang_code": "zul"}],
        ),
        404,
    )
    ok(await other_api.post(INTENT_BASE, json={"name": "multi", "load_from_store": False}))
    assert_error(
        await other_api.post(
            f"{INTENT_BASE}/multi/retrieve", json={"text": ZULU_WEATHER, "lang_code": "zul"}
        ),
        400,
    )
    assert ok(await other_api.get(f"{INTENT_BASE}/multi/training_samples")) == []
    assert await snapshot(api, INTENT_BASE, "multi") == before
    assert await labels_answered(api, INTENT_BASE, "multi", ZULU_WEATHER) == ZULU_LABELS


async def test_faq_matcher_without_lid_uses_the_hint_only(api: NluClient) -> None:
    ok(await api.post(FAQ_BASE, json={"name": "multi", "load_from_store": False}))
    await add_samples(api, FAQ_BASE, "multi", bilingual_samples())
    ok(await api.post(f"{FAQ_BASE}/multi/train", json={"immediate_mode": True, "threshold": 0.0}))
    assert await labels_answered(api, FAQ_BASE, "multi", ZULU_WEATHER, "zul") == ZULU_LABELS
    # No lid_model_file: without a hint every text gets the all-languages head.
    assert await labels_answered(api, FAQ_BASE, "multi", ZULU_WEATHER) == EVERY_LABEL
    # Naming lid_za through params turns identification on at once.
    ok(await api.post(f"{FAQ_BASE}/multi/params", json={"lid_model_file": "lid_za"}))
    assert await labels_answered(api, FAQ_BASE, "multi", ZULU_WEATHER) == ZULU_LABELS


async def test_one_language_keeps_a_plain_model(api: NluClient, store: ModelStoreClient) -> None:
    create = {"name": "english", "load_from_store": False, "lid_model_file": "lid_za"}
    ok(await api.post(INTENT_BASE, json=create))
    english = [s for s in bilingual_samples() if s["lang_code"] == "eng"]
    await add_samples(api, INTENT_BASE, "english", english)
    ok(await api.post(f"{INTENT_BASE}/english/train", json={"immediate_mode": True}))
    record = await store.get_model(api.tenant, "intent_classifier", "english")
    assert "language_heads" not in record["current_revision"]["metrics"]
    ok(await api.post(f"{INTENT_BASE}/english/params", json={"threshold": 0.0}))
    assert await labels_answered(api, INTENT_BASE, "english", ZULU_WEATHER, "zul") == set(INTENTS)


async def test_bad_lang_codes_and_lid_model_files_are_400s(api: NluClient) -> None:
    ok(await api.post(INTENT_BASE, json={"name": "codes", "load_from_store": False}))
    added = await add_samples(
        api, INTENT_BASE, "codes", [{"text": "hello", "label": "greeting", "lang_code": "eng"}]
    )
    uuid = added[0]["uuid"]
    before = await snapshot(api, INTENT_BASE, "codes")
    for code in ("english", "en", "", "xx", "zu_ZA"):
        sample = {"text": "hi", "label": "greeting", "lang_code": code}
        body = assert_error(
            await api.post(f"{INTENT_BASE}/codes/training_samples", json=[sample]), 400
        )
        assert "lang_code" in body["detail"], code
        assert_error(
            await api.put(
                f"{INTENT_BASE}/codes/training_samples", json=[{"uuid": uuid, "lang_code": code}]
            ),
            400,
        )
        assert_error(
            await api.post(f"{INTENT_BASE}/codes/online_training_samples", json=[sample]), 400
        )
    for name in ("lid_xx", "LID_ZA"):
        body = assert_error(
            await api.post(f"{INTENT_BASE}/codes/params", json={"lid_model_file": name}), 400
        )
        assert "lid_za" in body["detail"]
        created = {"name": "other", "load_from_store": False, "lid_model_file": name}
        assert_error(await api.post(FAQ_BASE, json=created), 400)
    assert await snapshot(api, INTENT_BASE, "codes") == before
    assert_error(await api.get(f"{FAQ_BASE}/other"), 404)

    updated = ok(
        await api.put(
            f"{INTENT_BASE}/codes/training_samples", json=[{"uuid": uuid, "lang_code": "AFR"}]
        )
    )
    assert updated[0]["lang_code"] == "afr"
    listed = ok(await api.get(f"{INTENT_BASE}/codes/training_samples"))
    assert [s["lang_code"] for s in listed] == ["afr"]
