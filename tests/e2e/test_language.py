"""Language recognisers through the gateway with the PyPI `feersum-nlu` client, unchanged."""

from __future__ import annotations

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException

from scripts.stack import Stack

ZULU = "Ngiyabonga kakhulu ngosizo lwakho, sizobonana kusasa ekuseni."
AFRIKAANS = "Ek het gister na die winkel gegaan om brood en melk te koop."


def client_for(stack: Stack, key: str) -> feersum_nlu.ApiClient:
    config = feersum_nlu.Configuration()
    config.host = stack.url("gateway")
    config.api_key["X-Auth-Token"] = key
    return feersum_nlu.ApiClient(config)


def new_tenant_key(stack: Stack, desc: str) -> str:
    admin = feersum_nlu.ApiKeysApi(client_for(stack, stack.admin_key))
    return str(admin.api_key_create(feersum_nlu.ApiKeyCreateDetails(desc=desc)).api_key)


def test_language_recognisers_with_the_feersum_client(stack: Stack) -> None:
    client = client_for(stack, new_tenant_key(stack, "e2e language"))
    api = feersum_nlu.LanguageRecognisersApi(client)
    lr4 = feersum_nlu.Lr4LanguageRecognisersApi(client)

    created = api.language_recogniser_create(
        feersum_nlu.LanguageRecogniserCreateDetails(
            name="lid", long_name="LID", lid_model_file="lid_za", load_from_store=False
        )
    )
    assert isinstance(created, feersum_nlu.LanguageRecogniserInstanceDetail)
    assert created.name == "lid" and created.lid_model_file == "lid_za" and created.id

    zulu = api.language_recogniser_retrieve("lid", feersum_nlu.TextInput(ZULU))
    assert isinstance(zulu[0], feersum_nlu.ScoredLabel)
    assert zulu[0].label == "zul" and zulu[0].probability > 0.5
    assert len(zulu) == 11
    afrikaans = api.language_recogniser_retrieve("lid", feersum_nlu.TextInput(AFRIKAANS))
    assert afrikaans[0].label == "afr"
    assert (
        lr4.lr4_language_recogniser_retrieve("lid", feersum_nlu.TextInput(ZULU))[0].label == "zul"
    )
    assert (
        lr4.lr4_language_recogniser_retrieve("generic", feersum_nlu.TextInput(AFRIKAANS))[0].label
        == "afr"
    )
    assert sorted(api.language_recogniser_get_labels("lid")) == sorted(
        ["afr", "eng", "nbl", "xho", "zul", "nso", "sot", "tsn", "ssw", "ven", "tso"]
    )
    assert [d.name for d in api.language_recogniser_get_details_all()] == ["generic", "lid"]
    params = api.language_recogniser_get_params("lid")
    assert params.lid_model_file == "lid_za" and params.long_name == "LID"
    updated = api.language_recogniser_set_params("lid", feersum_nlu.ModelParams(desc="updated"))
    assert updated.desc == "updated"

    # Another tenant sees nothing of it: 404 exactly like a missing model.
    other = feersum_nlu.LanguageRecognisersApi(client_for(stack, new_tenant_key(stack, "other")))
    with pytest.raises(ApiException) as missing:
        other.language_recogniser_retrieve("lid", feersum_nlu.TextInput(ZULU))
    assert missing.value.status == 404
    with pytest.raises(ApiException) as missing:
        other.language_recogniser_del("lid")
    assert missing.value.status == 404
    assert (
        other.language_recogniser_retrieve("generic", feersum_nlu.TextInput(ZULU))[0].label == "zul"
    )
    assert api.language_recogniser_get_details("lid").desc == "updated"

    with pytest.raises(ApiException) as bad:
        api.language_recogniser_create(
            feersum_nlu.LanguageRecogniserCreateDetails(
                name="other", lid_model_file="lid_xx", load_from_store=False
            )
        )
    assert bad.value.status == 400 and "lid_za" in bad.value.body

    assert api.language_recogniser_del("lid").name == "lid"
    restored = api.language_recogniser_create(
        feersum_nlu.LanguageRecogniserCreateDetails(name="lid", load_from_store=True)
    )
    assert restored.desc == "updated"
    assert api.language_recogniser_vaporise("lid").name == "lid"
    assert [d.name for d in api.language_recogniser_get_details_all()] == ["generic"]
