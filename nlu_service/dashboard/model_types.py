"""The model types the dashboard lists: the one place to register a new NLU model type.

Each entry names a model-store `model_type`, the Feersum collection it is served under,
and whether its retrieve answers scored labels. The dashboard lists every live model of
every type here (data objects only when asked), so a type added to this tuple appears on
it with no other change. Every model collection of the 2.0.46 spec is here, under the
`model_type` its service package stores it as (a test checks each package's
`MODEL_TYPE` is listed); the pre-built `generic` instances (sentiment, emotion, dates)
are not stored models and are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DashboardModelType:
    """A model type as the dashboard shows it."""

    model_type: str
    collection_uri: str
    has_labels: bool
    # Data objects are hidden unless `dashboard_params.show_data_objects` is true.
    data_object: bool = False


KNOWN_MODEL_TYPES: tuple[DashboardModelType, ...] = (
    DashboardModelType("text_classifier", "/text_classifiers", has_labels=True),
    DashboardModelType("intent_classifier", "/intent_classifiers", has_labels=True),
    DashboardModelType("faq_matcher", "/faq_matchers", has_labels=True),
    DashboardModelType("language_recogniser", "/language_recognisers", has_labels=True),
    DashboardModelType("crf_entity_extractor", "/crf_entity_extractors", has_labels=False),
    DashboardModelType("synonym_entity_extractor", "/synonym_entity_extractors", has_labels=False),
    DashboardModelType("regex_entity_extractor", "/regex_entity_extractors", has_labels=False),
    DashboardModelType(
        "person_name_entity_extractor", "/person_name_entity_extractors", has_labels=False
    ),
    DashboardModelType(
        "duckling_entity_extractor", "/duckling_entity_extractors", has_labels=False
    ),
    DashboardModelType(
        "sim_word_entity_extractor", "/sim_word_entity_extractors", has_labels=False
    ),
    DashboardModelType("text_dataset", "/text_datasets", has_labels=False),
    DashboardModelType("data_object", "/data_objects", has_labels=False, data_object=True),
)
