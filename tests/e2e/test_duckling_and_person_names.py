"""Duckling and person-name extractors through the gateway with the PyPI `feersum-nlu` client."""

from __future__ import annotations

from collections.abc import Callable

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


def test_duckling_extractor_lifecycle_and_tenancy(stack: Stack) -> None:
    api = feersum_nlu.DucklingEntityExtractorsApi(client_for(stack, new_tenant_key(stack, "dk")))
    other = feersum_nlu.DucklingEntityExtractorsApi(client_for(stack, new_tenant_key(stack, "dk2")))

    created = api.duckling_entity_extractor_create(
        feersum_nlu.DucklingEntityExtractorCreateDetails(
            name="ents", desc="Entities.", reference_time="2024-03-15 10:00+02:00",
            load_from_store=False,
        )
    )  # fmt: skip
    assert created.name == "ents" and created.id
    assert created.reference_time == "2024-03-15 10:00+02:00"
    assert [d.name for d in api.duckling_entity_extractor_get_details_all()] == ["ents"]

    found = api.duckling_entity_extractor_retrieve(
        "ents",
        feersum_nlu.TextInput(
            "I paid R250 for 5 km and twenty five litres, mail tom@example.co.za "
            "or call 082 555 1234, see you tomorrow at 3pm"
        ),
    )
    assert all(isinstance(e, feersum_nlu.DucklingEntity) for e in found)
    assert [(e.dim, e.body, e.value, e.unit) for e in found] == [
        ("amount-of-money", "R250", "250", "ZAR"),
        ("distance", "5 km", "5", "kilometre"),
        ("volume", "twenty five litres", "25", "litre"),
        ("email", "tom@example.co.za", "tom@example.co.za", None),
        ("phone-number", "082 555 1234", "+27825551234", None),
        ("time", "tomorrow at 3pm", "2024-03-16T15:00:00.000+02:00", None),
    ]
    assert found[-1].grain == "hour" and found[0].type == "value"

    api.duckling_entity_extractor_set_params(
        "ents", feersum_nlu.ModelParams(reference_time="2030-06-01", long_name="Moved")
    )
    params = api.duckling_entity_extractor_get_params("ents")
    assert params.reference_time == "2030-06-01" and params.long_name == "Moved"
    [time] = api.duckling_entity_extractor_retrieve("ents", feersum_nlu.TextInput("tomorrow"))
    assert time.dim == "time" and time.value.startswith("2030-06-02T00:00:00.000")

    with pytest.raises(ApiException) as refused:
        api.duckling_entity_extractor_set_params(
            "ents", feersum_nlu.ModelParams(reference_time="someday")
        )
    assert refused.value.status == 400 and "reference_time" in refused.value.body
    with pytest.raises(ApiException) as refused:
        api.duckling_entity_extractor_retrieve("ents", feersum_nlu.TextInput(""))
    assert refused.value.status == 400

    calls: list[Callable[[], object]] = [
        lambda: other.duckling_entity_extractor_get_details("ents"),
        lambda: other.duckling_entity_extractor_retrieve("ents", feersum_nlu.TextInput("5 km")),
        lambda: other.duckling_entity_extractor_del("ents"),
        lambda: other.duckling_entity_extractor_vaporise("ents"),
    ]
    for call in calls:
        with pytest.raises(ApiException) as hidden:
            call()
        assert hidden.value.status == 404
    assert other.duckling_entity_extractor_get_details_all() == []

    assert api.duckling_entity_extractor_del("ents").name == "ents"
    restored = api.duckling_entity_extractor_create(
        feersum_nlu.DucklingEntityExtractorCreateDetails(name="ents", load_from_store=True)
    )
    assert restored.reference_time == "2030-06-01" and restored.long_name == "Moved"
    assert api.duckling_entity_extractor_vaporise("ents").name == "ents"
    assert api.duckling_entity_extractor_get_details_all() == []


def test_person_name_extractor_lifecycle_and_tenancy(stack: Stack) -> None:
    api = feersum_nlu.PersonNameEntityExtractorsApi(client_for(stack, new_tenant_key(stack, "pn")))
    other = feersum_nlu.PersonNameEntityExtractorsApi(
        client_for(stack, new_tenant_key(stack, "pn2"))
    )

    created = api.person_name_entity_extractor_create(
        feersum_nlu.PersonNameEntityExtractorCreateDetails(
            name="people", long_name="People", load_from_store=False
        )
    )
    assert created.name == "people" and created.id and created.long_name == "People"
    assert [d.name for d in api.person_name_entity_extractor_get_details_all()] == ["people"]

    found = api.person_name_entity_extractor_retrieve(
        "people", feersum_nlu.TextInput("Hi, you may call me Tom. Ask Mr Dlamini or Nomvula Nkosi.")
    )
    assert found == [
        {"name": "Tom", "title": None, "start": 20, "end": 23},
        {"name": "Dlamini", "title": "Mr", "start": 32, "end": 39},
        {"name": "Nomvula Nkosi", "title": None, "start": 43, "end": 56},
    ]

    api.person_name_entity_extractor_set_params("people", feersum_nlu.ModelParams(desc="who"))
    assert api.person_name_entity_extractor_get_params("people").desc == "who"

    calls: list[Callable[[], object]] = [
        lambda: other.person_name_entity_extractor_get_details("people"),
        lambda: other.person_name_entity_extractor_retrieve("people", feersum_nlu.TextInput("Tom")),
        lambda: other.person_name_entity_extractor_get_params("people"),
        lambda: other.person_name_entity_extractor_del("people"),
    ]
    for call in calls:
        with pytest.raises(ApiException) as hidden:
            call()
        assert hidden.value.status == 404
    assert other.person_name_entity_extractor_get_details_all() == []

    with pytest.raises(ApiException) as refused:
        api.person_name_entity_extractor_retrieve("people", feersum_nlu.TextInput("x" * 5000))
    assert refused.value.status in (400, 413)

    assert api.person_name_entity_extractor_del("people").name == "people"
    restored = api.person_name_entity_extractor_create(
        feersum_nlu.PersonNameEntityExtractorCreateDetails(name="people", load_from_store=True)
    )
    assert restored.desc == "who"
    assert api.person_name_entity_extractor_vaporise("people").name == "people"
    assert api.person_name_entity_extractor_get_details_all() == []
