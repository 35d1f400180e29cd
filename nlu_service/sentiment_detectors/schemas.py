"""Feersum wire schemas (spec 2.0.46) of the sentiment detectors: `sentiment`, `sentiment_detail`."""

from __future__ import annotations

from pydantic import Field

from shared.wire import WireModel


class SentimentDetail(WireModel):
    """`sentiment_detail`: the sentiment of `len` characters of the text from `index`."""

    value: float = Field(
        description="From -1.0 (very unhappy) to 1.0 (very happy).", examples=[0.54]
    )
    index: int = Field(description="Character offset of the span in the text.", examples=[0])
    len: int = Field(description="Length of the span in characters.", examples=[20])


class Sentiment(WireModel):
    """`sentiment`: the sentiment of the whole text, and of each sentence in `detail_list`."""

    value: float = Field(
        description="From -1.0 (very unhappy) to 1.0 (very happy).", examples=[0.54]
    )
    detail_list: list[SentimentDetail] = Field(
        default_factory=list, description="One span per sentence of the text."
    )
