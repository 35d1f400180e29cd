"""Similar-word entity extractors through the gateway with the PyPI `feersum-nlu` client."""

from __future__ import annotations

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException

from scripts.stack import Stack
from tests.e2e.test_affect_and_extractors import client_for, new_tenant_key

TEXT = "I parked my automobile next to the banana stand, then washed the vehicle."


def test_sim_word_extractor_lifecycle_and_tenancy(stack: Stack) -> None:
    api = feersum_nlu.SimWordEntityExtractorsApi(client_for(stack, new_tenant_key(stack, "e2e sw")))
    other = feersum_nlu.SimWordEntityExtractorsApi(
        client_for(stack, new_tenant_key(stack, "e2e sw2"))
    )

    created = api.sim_word_entity_extractor_create(
        feersum_nlu.SimWordEntityExtractorCreateDetails(
            name="cars",
            desc="Things with wheels.",
            similar_words=["car"],
            threshold=0.7,
            word_manifold="feers_wm_eng",
            load_from_store=False,
        )
    )
    assert isinstance(created, feersum_nlu.SimWordEntityExtractorInstanceDetail)
    assert created.similar_words == ["car"] and created.threshold == 0.7 and created.id
    assert created.word_manifold == "feers_wm_eng"
    assert [d.name for d in api.sim_word_entity_extractor_get_details_all()] == ["cars"]

    found = api.sim_word_entity_extractor_retrieve("cars", feersum_nlu.TextInput(TEXT))
    assert all(isinstance(e, feersum_nlu.SimWordEntity) for e in found)
    assert [e.entity for e in found] == ["automobile", "vehicle"]
    assert all(0.7 <= e.similarity <= 1.0 for e in found)

    api.sim_word_entity_extractor_set_params(
        "cars", feersum_nlu.ModelParams(similar_words=["fruit"], threshold=0.6)
    )
    params = api.sim_word_entity_extractor_get_params("cars")
    assert params.similar_words == ["fruit"] and params.threshold == 0.6
    assert [
        e.entity
        for e in api.sim_word_entity_extractor_retrieve("cars", feersum_nlu.TextInput(TEXT))
    ] == ["banana"]

    with pytest.raises(ApiException) as refused:
        api.sim_word_entity_extractor_set_params(
            "cars", feersum_nlu.ModelParams(word_manifold="word2vec")
        )
    assert refused.value.status == 400 and "feers_wm_zul" in refused.value.body

    with pytest.raises(ApiException) as hidden:
        other.sim_word_entity_extractor_get_details("cars")
    assert hidden.value.status == 404
    with pytest.raises(ApiException) as hidden:
        other.sim_word_entity_extractor_retrieve("cars", feersum_nlu.TextInput(TEXT))
    assert hidden.value.status == 404
    with pytest.raises(ApiException) as hidden:
        other.sim_word_entity_extractor_del("cars")
    assert hidden.value.status == 404
    assert other.sim_word_entity_extractor_get_details_all() == []

    assert api.sim_word_entity_extractor_del("cars").name == "cars"
    restored = api.sim_word_entity_extractor_create(
        feersum_nlu.SimWordEntityExtractorCreateDetails(name="cars", load_from_store=True)
    )
    assert restored.similar_words == ["fruit"]
    assert api.sim_word_entity_extractor_vaporise("cars").name == "cars"
    assert api.sim_word_entity_extractor_get_details_all() == []
