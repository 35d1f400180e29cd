"""CRF and synonym entity extractors through the gateway with the PyPI `feersum-nlu` client."""

from __future__ import annotations

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException

from scripts.stack import Stack
from tests.e2e.test_affect_and_extractors import client_for, new_tenant_key

CITIES = ["Rome", "Paris", "Durban", "Cairo", "Lisbon", "Nairobi", "Madrid", "Berlin"]


def crf_samples() -> list[feersum_nlu.CrfSample]:
    out = []
    for city in CITIES:
        for template in ("book a flight to {}", "what is the weather in {} today"):
            text = template.format(city)
            entity = feersum_nlu.CrfEntity(entity="city", index=text.index(city), len=len(city))
            out.append(feersum_nlu.CrfSample(text=text, entity_list=[entity]))
    return out


def test_crf_extractor_lifecycle_and_tenancy(stack: Stack) -> None:
    api = feersum_nlu.CrfEntityExtractorsApi(client_for(stack, new_tenant_key(stack, "e2e crf")))
    create = feersum_nlu.CrfEntityExtractorCreateDetails(name="places", load_from_store=False)
    assert api.crf_entity_extractor_create(create).name == "places"
    added = api.crf_entity_extractor_add_training_samples("places", crf_samples())
    assert len(added) == 16 and added[0].entity_list[0].value == "Rome"
    page = api.crf_entity_extractor_get_training_samples("places", index=2, len=3)
    assert [s.uuid for s in page] == [s.uuid for s in added[2:5]]
    details = api.crf_entity_extractor_train(
        "places", feersum_nlu.TrainDetails(immediate_mode=True)
    )
    assert details.training_stamp and details.training_f1 == 1.0
    found = api.crf_entity_extractor_retrieve(
        "places", feersum_nlu.TextInput("book a flight to Windhoek")
    )
    assert [(e.entity, e.value, e.index, e.len) for e in found] == [("city", "Windhoek", 17, 8)]
    assert api.crf_entity_extractor_get_labels("places") == ["city"]
    deleted = api.crf_entity_extractor_del_training_samples(
        "places", [feersum_nlu.CrfSample(uuid=added[0].uuid)]
    )
    assert [s.uuid for s in deleted] == [added[0].uuid]

    with pytest.raises(ApiException) as bad:
        api.crf_entity_extractor_add_training_samples(
            "places",
            [
                feersum_nlu.CrfSample(
                    text="to Rome", entity_list=[feersum_nlu.CrfEntity(entity="c", index=5, len=9)]
                )
            ],
        )
    assert bad.value.status == 400
    assert len(api.crf_entity_extractor_get_training_samples("places")) == 15

    other = feersum_nlu.CrfEntityExtractorsApi(client_for(stack, new_tenant_key(stack, "e2e crf2")))
    with pytest.raises(ApiException) as hidden:
        other.crf_entity_extractor_retrieve("places", feersum_nlu.TextInput("to Rome"))
    assert hidden.value.status == 404
    assert api.crf_entity_extractor_vaporise("places").name == "places"


def test_synonym_extractor_through_the_client(stack: Stack) -> None:
    api = feersum_nlu.SynonymEntityExtractorsApi(
        client_for(stack, new_tenant_key(stack, "e2e syn"))
    )
    api.synonym_entity_extractor_create(
        feersum_nlu.SynonymEntityExtractorCreateDetails(name="faults", load_from_store=False)
    )
    api.synonym_entity_extractor_add_training_samples(
        "faults",
        [
            feersum_nlu.SynonymSample(
                entity_list=[
                    feersum_nlu.SynonymEntity(entity="error", syn_set=["fault", "red light"])
                ]
            )
        ],
    )
    api.synonym_entity_extractor_train("faults", feersum_nlu.TrainDetails(immediate_mode=True))
    found = api.synonym_entity_extractor_retrieve(
        "faults", feersum_nlu.TextInput("the Red Lihgt is on")
    )
    assert [(e.entity, e.value, e.index, e.len) for e in found] == [("error", "Red Lihgt", 4, 9)]
    assert api.synonym_entity_extractor_get_labels("faults") == ["error"]
    other = feersum_nlu.SynonymEntityExtractorsApi(client_for(stack, new_tenant_key(stack, "x")))
    with pytest.raises(ApiException) as hidden:
        other.synonym_entity_extractor_get_details("faults")
    assert hidden.value.status == 404
