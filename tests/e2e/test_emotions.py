"""The generic emotion classifier through the gateway with the PyPI `feersum-nlu` client."""

from __future__ import annotations

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException

from scripts.stack import Stack


def client_for(stack: Stack, key: str) -> feersum_nlu.ApiClient:
    config = feersum_nlu.Configuration()
    config.host = stack.url("gateway")
    config.api_key["X-Auth-Token"] = key
    return feersum_nlu.ApiClient(config)


def new_tenant_key(stack: Stack, desc: str) -> str:
    admin = feersum_nlu.ApiKeysApi(client_for(stack, stack.admin_key))
    return str(admin.api_key_create(feersum_nlu.ApiKeyCreateDetails(desc=desc)).api_key)


def test_generic_emotion_classifier(stack: Stack) -> None:
    api = feersum_nlu.EmotionClassifiersApi(client_for(stack, new_tenant_key(stack, "e2e emo")))
    labels = api.emotion_classifier_get_labels("generic")
    assert len(labels) == 28 and "gratitude" in labels and labels[-1] == "neutral"

    scored = api.emotion_classifier_retrieve(
        "generic", feersum_nlu.TextInput("Thank you so much for your help!")
    )
    assert all(isinstance(s, feersum_nlu.ScoredLabel) for s in scored)
    assert scored[0].label == "gratitude" and scored[0].probability > 0.5
    assert [s.probability for s in scored] == sorted((s.probability for s in scored), reverse=True)

    # Another tenant shares the pre-built instance.
    other = feersum_nlu.EmotionClassifiersApi(client_for(stack, new_tenant_key(stack, "e2e emo2")))
    again = other.emotion_classifier_retrieve(
        "generic", feersum_nlu.TextInput("Thank you so much for your help!")
    )
    assert [(s.label, s.probability) for s in again] == [(s.label, s.probability) for s in scored]

    with pytest.raises(ApiException) as missing:
        api.emotion_classifier_retrieve("mine", feersum_nlu.TextInput("hello"))
    assert missing.value.status == 404
    with pytest.raises(ApiException) as missing_labels:
        api.emotion_classifier_get_labels("mine")
    assert missing_labels.value.status == 404
    with pytest.raises(ApiException) as blank:
        api.emotion_classifier_retrieve("generic", feersum_nlu.TextInput("   "))
    assert blank.value.status == 400
    assert "non-empty" in blank.value.body
