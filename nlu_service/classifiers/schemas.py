"""Wire schemas shared by the intent-classifier and FAQ-matcher resources (spec 2.0.46).

Their create and detail definitions differ from the text classifier's: create takes
`lid_model_file`, details carry `word_manifold_list` (and, for intents, cross-validation
metrics) but no `clsfr_algorithm` or `language_model_list`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from shared.wire import ClassifierCreateDetails, ClassifierInstanceDetail, LabelledWordManifold


class ScopedCreateDetails(ClassifierCreateDetails):
    """The create body of intent classifiers and FAQ matchers."""

    lid_model_file: str | None = Field(
        default=None,
        description="The pre-trained language-identification model to load ('lid_za'): "
        "retrieve without a lang_code hint uses it to pick the head of the text's language.",
        examples=["lid_za"],
    )


class ScopedInstanceDetail(ClassifierInstanceDetail):
    """The details common to intent classifiers and FAQ matchers.

    `threshold`: retrieve leaves out labels under this probability; calibrated from the
    training data when training is given none.
    """

    word_manifold_list: list[LabelledWordManifold] | None = Field(
        default=None, description="The labelled word manifolds named when training (echoed)."
    )


def word_manifolds(metrics: dict[str, Any]) -> list[LabelledWordManifold]:
    """Return the word manifolds the current revision's train request named."""
    details = metrics.get("train_details") or {}
    listed = [LabelledWordManifold(**m) for m in details.get("word_manifold_list") or []]
    if not listed and details.get("word_manifold"):
        listed = [LabelledWordManifold(label="", word_manifold=details["word_manifold"])]
    return listed
