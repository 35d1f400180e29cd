"""Sentiment, dates and regex extractors through the gateway with the PyPI `feersum-nlu` client."""

from __future__ import annotations

from datetime import datetime

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException

from scripts.stack import Stack

LICENSE = r"(?P<license>([A-Z]{3}[ ]?[0-9]{3}[ ]?(GP|NW|MP|EC|L|NC|NW)))"


def client_for(stack: Stack, key: str) -> feersum_nlu.ApiClient:
    config = feersum_nlu.Configuration()
    config.host = stack.url("gateway")
    config.api_key["X-Auth-Token"] = key
    return feersum_nlu.ApiClient(config)


def new_tenant_key(stack: Stack, desc: str) -> str:
    admin = feersum_nlu.ApiKeysApi(client_for(stack, stack.admin_key))
    return str(admin.api_key_create(feersum_nlu.ApiKeyCreateDetails(desc=desc)).api_key)


def test_generic_sentiment_and_dates(stack: Stack) -> None:
    client = client_for(stack, new_tenant_key(stack, "e2e affect"))
    sentiment = feersum_nlu.SentimentDetectorsApi(client).sentiment_detector_retrieve(
        "generic", feersum_nlu.TextInput("I very happy. This is the worst day ever!")
    )
    assert isinstance(sentiment, feersum_nlu.Sentiment)
    assert -1.0 <= sentiment.value <= 1.0
    happy, sad = sentiment.detail_list
    assert (happy.index, happy.len) == (0, 13) and happy.value > 0
    assert sad.value < 0

    dates = feersum_nlu.DateParsersApi(client).date_parser_retrieve(
        "generic",
        feersum_nlu.TextInput("The meeting is on 5 January 2017 at 15:00.", lang_code="eng"),
    )
    assert [(d.value, d.granularity) for d in dates] == [
        ("2017-01-05T15:00:00.000+02:00", "minute")
    ]
    later = feersum_nlu.DateParsersApi(client).date_parser_retrieve(
        "generic", feersum_nlu.TextInput("Ons vergader môre", lang_code="afr")
    )
    assert len(later) == 1 and later[0].granularity == "day"
    assert datetime.fromisoformat(later[0].value) > datetime.fromisoformat("2020-01-01T00:00+02:00")

    with pytest.raises(ApiException) as missing:
        feersum_nlu.DateParsersApi(client).date_parser_retrieve(
            "mine", feersum_nlu.TextInput("tomorrow")
        )
    assert missing.value.status == 404


def test_regex_extractor_lifecycle_and_tenancy(stack: Stack) -> None:
    api = feersum_nlu.RegexEntityExtractorsApi(client_for(stack, new_tenant_key(stack, "e2e re")))
    other = feersum_nlu.RegexEntityExtractorsApi(
        client_for(stack, new_tenant_key(stack, "e2e re2"))
    )

    created = api.regex_entity_extractor_create(
        feersum_nlu.RegexEntityExtractorCreateDetails(
            name="plates", desc="Number plates.", regex=LICENSE, load_from_store=False
        )
    )
    assert created.name == "plates" and created.regex == LICENSE and created.id
    assert [d.name for d in api.regex_entity_extractor_get_details_all()] == ["plates"]
    found = api.regex_entity_extractor_retrieve(
        "plates", feersum_nlu.TextInput("My car is a 2007 Jeep Wrangler with plate ZNX 450 GP")
    )
    assert found == [{"license": "ZNX 450 GP", "_all_groups": "ZNX 450 GP"}]

    api.regex_entity_extractor_set_params(
        "plates", feersum_nlu.ModelParams(regex=r"(?P<year>\d{4})")
    )
    assert api.regex_entity_extractor_get_params("plates").regex == r"(?P<year>\d{4})"
    assert api.regex_entity_extractor_retrieve("plates", feersum_nlu.TextInput("in 2007")) == [
        {"year": "2007", "_all_groups": "2007"}
    ]

    with pytest.raises(ApiException) as refused:
        api.regex_entity_extractor_set_params("plates", feersum_nlu.ModelParams(regex=r"(a)\1"))
    assert refused.value.status == 400 and "invalid escape" in refused.value.body

    with pytest.raises(ApiException) as hidden:
        other.regex_entity_extractor_get_details("plates")
    assert hidden.value.status == 404
    with pytest.raises(ApiException) as hidden:
        other.regex_entity_extractor_retrieve("plates", feersum_nlu.TextInput("2007"))
    assert hidden.value.status == 404
    with pytest.raises(ApiException) as hidden:
        other.regex_entity_extractor_del("plates")
    assert hidden.value.status == 404
    assert other.regex_entity_extractor_get_details_all() == []

    # A pattern that backtracks for ages in Python's re answers at once.
    api.regex_entity_extractor_set_params("plates", feersum_nlu.ModelParams(regex=r"(a+)+$"))
    assert (
        api.regex_entity_extractor_retrieve("plates", feersum_nlu.TextInput("a" * 1500 + "!")) == []
    )

    assert api.regex_entity_extractor_del("plates").name == "plates"
    restored = api.regex_entity_extractor_create(
        feersum_nlu.RegexEntityExtractorCreateDetails(name="plates", load_from_store=True)
    )
    assert restored.regex == r"(a+)+$"
    assert api.regex_entity_extractor_vaporise("plates").name == "plates"
    assert api.regex_entity_extractor_get_details_all() == []
