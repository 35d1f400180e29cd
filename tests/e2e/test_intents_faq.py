"""Intent classifiers and FAQ matchers through the gateway with the `feersum-nlu==2.0.46` client."""

from __future__ import annotations

import json

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException

from scripts.stack import Stack
from tests.e2e.test_feersum_client import (
    GOODBYES,
    GREETINGS,
    REFUNDS,
    client_for,
    new_tenant_key,
    samples,
    status_of,
)

UNRELATED = "how many legs does a spider have"
FAQ = {
    "opening_hours": ["what time do you open", "when are you open on saturdays",
                      "what are your business hours"],
    "delivery_cost": ["how much is delivery", "do you charge for shipping",
                      "what does it cost to deliver my order"],
    "reset_password": ["I forgot my password", "how do I reset my password",
                       "I can't log in to my account"],
}  # fmt: skip


def test_intent_classifier_lifecycle_and_out_of_scope(stack: Stack) -> None:
    api = feersum_nlu.IntentClassifiersApi(client_for(stack, new_tenant_key(stack, "intents")))
    created = api.intent_classifier_create(
        feersum_nlu.IntentClassifierCreateDetails(
            name="bot", long_name="Bot", lid_model_file="lid_za", load_from_store=False
        )
    )
    assert created.name == "bot" and created.long_name == "Bot"
    assert api.intent_classifier_get_params("bot").lid_model_file == "lid_za"
    intents = {"greeting": GREETINGS, "goodbye": GOODBYES, "refund": REFUNDS}
    added = api.intent_classifier_add_training_samples("bot", samples(intents))
    assert len(added) == 18
    details = api.intent_classifier_train("bot", feersum_nlu.TrainDetails(immediate_mode=True))
    assert details.training_stamp and details.validation_accuracy is not None
    assert 0.5 < details.threshold <= 0.95

    scored = api.intent_classifier_retrieve("bot", feersum_nlu.TextInput(text="refund me please"))
    assert scored[0].label == "refund" and scored[0].probability >= details.threshold
    assert api.intent_classifier_retrieve("bot", feersum_nlu.TextInput(text=UNRELATED)) == []

    api.intent_classifier_set_params("bot", feersum_nlu.ModelParams(threshold=0.0))
    assert len(api.intent_classifier_retrieve("bot", feersum_nlu.TextInput(text=UNRELATED))) == 3
    assert sorted(api.intent_classifier_get_labels("bot")) == sorted(intents)
    assert len(api.intent_classifier_get_training_samples("bot", index=2, len=5)) == 5
    assert [d.name for d in api.intent_classifier_get_details_all()] == ["bot"]
    api.intent_classifier_del("bot")
    api.intent_classifier_create(
        feersum_nlu.IntentClassifierCreateDetails(name="bot", load_from_store=True)
    )
    api.intent_classifier_vaporise("bot")
    with pytest.raises(ApiException) as exc:
        api.intent_classifier_get_details("bot")
    assert status_of(exc) == 404


def test_faq_matcher_answers_and_other_tenant_gets_404(stack: Stack) -> None:
    owner = feersum_nlu.FaqMatchersApi(client_for(stack, new_tenant_key(stack, "faq owner")))
    intruder = feersum_nlu.FaqMatchersApi(client_for(stack, new_tenant_key(stack, "faq intruder")))
    owner.faq_matcher_create(
        feersum_nlu.FaqMatcherCreateDetails(name="help", load_from_store=False)
    )
    owner.faq_matcher_add_training_samples("help", samples(FAQ))
    details = owner.faq_matcher_train("help", feersum_nlu.TrainDetails(immediate_mode=True))
    assert details.training_stamp and details.threshold > 0.5

    ranked = owner.faq_matcher_retrieve("help", feersum_nlu.TextInput(text="is shipping free"))
    assert ranked[0].label == "delivery_cost"
    assert [r.probability for r in ranked] == sorted((r.probability for r in ranked), reverse=True)
    assert owner.faq_matcher_retrieve("help", feersum_nlu.TextInput(text=UNRELATED)) == []

    for attempt in [
        lambda: intruder.faq_matcher_get_details("help"),
        lambda: intruder.faq_matcher_retrieve("help", feersum_nlu.TextInput(text="hello")),
        lambda: intruder.faq_matcher_set_params("help", feersum_nlu.ModelParams(threshold=0)),
        lambda: intruder.faq_matcher_del_training_samples_all("help"),
        lambda: intruder.faq_matcher_vaporise("help"),
    ]:
        with pytest.raises(ApiException) as exc:
            attempt()
        assert status_of(exc) == 404
        assert json.loads(exc.value.body)["error"] == "not_found"
    assert intruder.faq_matcher_get_details_all() == []
    assert len(owner.faq_matcher_get_training_samples("help")) == 9
    assert owner.faq_matcher_get_details("help").threshold == details.threshold


def test_intent_classifier_routes_by_language_through_the_client(stack: Stack) -> None:
    """English and isiZulu samples: `lid_za` sends isiZulu to the isiZulu head.

    `banking` exists only in English and `thanks` only in isiZulu; with threshold 0 retrieve
    answers every label of the head it used, so the labels show which head that was.
    """
    from tests.nlu_service.intent_classifiers.test_language_routing import (
        ENGLISH_WEATHER,
        ZULU,
        ZULU_WEATHER,
    )
    from tests.nlu_service.support import INTENTS

    api = feersum_nlu.IntentClassifiersApi(client_for(stack, new_tenant_key(stack, "routing")))
    api.intent_classifier_create(
        feersum_nlu.IntentClassifierCreateDetails(
            name="bilingual", lid_model_file="lid_za", load_from_store=False
        )
    )
    rows = [
        feersum_nlu.LabelledTextSample(text=t, label=label, lang_code=code)
        for code, intents in (("eng", INTENTS), ("zul", ZULU))
        for label, texts in intents.items()
        for t in texts
    ]
    added = api.intent_classifier_add_training_samples("bilingual", rows)
    assert {s.lang_code for s in added} == {"eng", "zul"}
    api.intent_classifier_train(
        "bilingual", feersum_nlu.TrainDetails(immediate_mode=True, threshold=0.0)
    )

    def labels(text: str, lang_code: str | None = None) -> set[str]:
        answer = api.intent_classifier_retrieve(
            "bilingual", feersum_nlu.TextInput(text=text, lang_code=lang_code)
        )
        return {scored.label for scored in answer}

    assert labels(ZULU_WEATHER) == set(ZULU)  # identified as isiZulu by lid_za
    assert labels(ENGLISH_WEATHER) == set(INTENTS)
    assert labels(ENGLISH_WEATHER, lang_code="zul") == set(ZULU)  # the hint wins
    with pytest.raises(ApiException) as exc:
        api.intent_classifier_add_training_samples(
            "bilingual", [feersum_nlu.LabelledTextSample(text="hallo", label="x", lang_code="xx")]
        )
    assert status_of(exc) == 400
