"""Wire schemas of the CRF and synonym entity extractors (spec 2.0.46 definitions)."""

from __future__ import annotations

from pydantic import Field

from shared.wire import WireModel


class CrfEntity(WireModel):
    """`crf_entity`: an entity mention; `value` is filled by retrieve, ignored in training."""

    entity: str = Field(description="The entity label.", examples=["location"])
    value: str | None = None
    index: int = Field(description="The first character of the entity in the utterance.")
    len: int = Field(description="The length of the entity in the utterance.")


class CrfSample(WireModel):
    """`crf_sample`: an utterance with labelled entities."""

    text: str | None = None
    intent: str | None = None
    entity_list: list[CrfEntity] | None = None
    uuid: str | None = None


class SynonymEntity(WireModel):
    """`synonym_entity`: a synonym set of an entity, or a span of the sample's text."""

    entity: str = Field(examples=["error"])
    ignore_word_boundaries: bool | None = None
    ignore_case: bool | None = None
    syn_set: list[str] | None = None
    index: int | None = None
    len: int | None = None
    value: str | None = None


class SynonymSample(WireModel):
    """`synonym_sample`: synonym sets (text optional) or a text with index+len spans."""

    text: str | None = None
    intent: str | None = None
    entity_list: list[SynonymEntity] | None = None
    uuid: str | None = None


class EntityExtractorCreateDetails(WireModel):
    """`crf_entity_extractor_create_details` and `synonym_entity_extractor_create_details`."""

    name: str = Field(examples=["example_instance"])
    long_name: str | None = None
    desc: str | None = None
    load_from_store: bool
    revision_uuid: str | None = None


class EntityExtractorInstanceDetail(WireModel):
    """The instance detail of both extractor kinds.

    Accuracy is the share of utterances whose extracted entity set is exactly the labelled
    one; F1 is the entity-level micro-F1 (label, start and end must all match).
    Extra (Baobab): `training_error`.
    """

    name: str
    id: str
    long_name: str | None = None
    desc: str | None = None
    readonly: bool | None = None
    training_accuracy: float | None = None
    training_f1: float | None = None
    testing_accuracy: float | None = None
    testing_f1: float | None = None
    training_stamp: str | None = None
    num_training_samples: int | None = None
    num_testing_samples: int | None = None
    threshold: float | None = None
    training_error: str | None = None
