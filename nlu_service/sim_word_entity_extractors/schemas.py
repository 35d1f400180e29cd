"""Feersum wire schemas (spec 2.0.46) of the similar-word entity extractors.

`sim_word_entity` has `entity` and `similarity`; Baobab adds `index` and `len`, the
span's character offset and length in the text (as the CRF and synonym entities give them).
"""

from __future__ import annotations

from pydantic import Field

from nlu_service.engine.sim_words import DEFAULT_THRESHOLD, DEFAULT_WORD_MANIFOLD
from nlu_service.records.schemas import RecordCreateDetails, RecordInstanceDetail
from shared.wire import WireModel


class SimWordEntityExtractorCreateDetails(RecordCreateDetails):
    """`sim_word_entity_extractor_create_details`: what `POST /sim_word_entity_extractors` takes."""

    similar_words: list[str] | None = Field(
        default=None,
        description="The seed words to test against (1-100; required unless load_from_store).",
        examples=[["car", "truck"]],
    )
    threshold: float | None = Field(
        default=None,
        description=f"The cosine similarity (0-1) below which words are not similar; "
        f"{DEFAULT_THRESHOLD} when absent.",
        examples=[DEFAULT_THRESHOLD],
    )
    word_manifold: str | None = Field(
        default=None,
        description=f"The word manifold name; every accepted name uses Baobab's sentence "
        f"encoder. {DEFAULT_WORD_MANIFOLD} when absent.",
        examples=[DEFAULT_WORD_MANIFOLD],
    )


class SimWordEntityExtractorInstanceDetail(RecordInstanceDetail):
    """`sim_word_entity_extractor_instance_detail`: a similar-word extractor's details."""

    similar_words: list[str] = Field(examples=[["car", "truck"]])
    threshold: float = Field(examples=[DEFAULT_THRESHOLD])
    word_manifold: str = Field(examples=[DEFAULT_WORD_MANIFOLD])


class SimWordEntity(WireModel):
    """`sim_word_entity`: a word or phrase of the text similar to a seed word."""

    entity: str = Field(description="The extracted word or phrase.", examples=["automobile"])
    similarity: float = Field(
        description="The cosine similarity between the phrase and the closest seed word.",
        examples=[0.838],
    )
    index: int = Field(description="Offset of the first character of `entity` in the text.")
    len: int = Field(description="The number of characters of `entity`.")
