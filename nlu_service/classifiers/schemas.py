"""Wire schemas shared by the intent-classifier and FAQ-matcher resources (spec 2.0.46).

Their create and detail definitions differ from the text classifier's: create takes
`lid_model_file`, details carry `word_manifold_list` (and, for intents, cross-validation
metrics) but no `clsfr_algorithm` or `language_model_list`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from shared.wire import LabelledWordManifold, WireModel


class ScopedCreateDetails(WireModel):
    """The create body of intent classifiers and FAQ matchers."""

    name: str = Field(
        description="The sluggy-url-friendly-name of the instance.", examples=["example_instance"]
    )
    long_name: str | None = Field(
        default=None, description="The human-friendly-name of the instance."
    )
    desc: str | None = Field(
        default=None, description="The longer description of this instance's purpose."
    )
    load_from_store: bool = Field(
        description="Load the model of this name from the trash instead of creating a new one."
    )
    revision_uuid: str | None = Field(
        default=None, description="With load_from_store, the revision of the model to restore."
    )
    lid_model_file: str | None = Field(
        default=None,
        description="The pre-trained language-identification model to load (stored and echoed "
        "by the params; Baobab's one encoder is multilingual).",
        examples=["lid_za"],
    )


class ScopedInstanceDetail(WireModel):
    """The details common to intent classifiers and FAQ matchers.

    Extra (Baobab): `training_error`, the reason the most recent training job failed.
    """

    name: str = Field(examples=["example_instance"])
    id: str = Field(description="The id of the current revision, or of the model while untrained.")
    long_name: str | None = None
    desc: str | None = None
    readonly: bool | None = None
    training_accuracy: float | None = None
    training_f1: float | None = None
    training_cm: dict[str, dict[str, int]] | None = Field(
        default=None,
        description="Sparse confusion matrix on the training set: true -> predicted -> count.",
    )
    testing_accuracy: float | None = None
    testing_f1: float | None = None
    testing_cm: dict[str, dict[str, int]] | None = Field(
        default=None,
        description="Sparse confusion matrix on the testing set: true -> predicted -> count.",
    )
    cm_labels: dict[str, str] | None = None
    training_stamp: str | None = Field(
        default=None,
        description="When the current revision was trained; empty while training or never trained.",
        examples=["2017-10-26 10:42:01.589979"],
    )
    num_training_samples: int | None = None
    num_testing_samples: int | None = None
    word_manifold_list: list[LabelledWordManifold] | None = Field(
        default=None, description="The labelled word manifolds named when training (echoed)."
    )
    threshold: float | None = Field(
        default=None,
        description="Retrieve leaves out labels under this probability; calibrated from the "
        "training data when training is given none.",
        examples=[0.85],
    )
    temperature: float | None = None
    training_error: str | None = Field(
        default=None, description="Baobab: why the last training job failed."
    )


def word_manifolds(metrics: dict[str, Any]) -> list[LabelledWordManifold]:
    """Return the word manifolds the current revision's train request named."""
    details = metrics.get("train_details") or {}
    listed = [LabelledWordManifold(**m) for m in details.get("word_manifold_list") or []]
    if not listed and details.get("word_manifold"):
        listed = [LabelledWordManifold(label="", word_manifold=details["word_manifold"])]
    return listed
