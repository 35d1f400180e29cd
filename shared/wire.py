"""Feersum NLU v2 wire schemas (spec 2.0.46) for the text-classifier resources.

Each class is one definition of the spec, spelled with the class name the generated
`feersum_nlu` client uses (`text_classifier_instance_detail` -> `TextClassifierInstanceDetail`),
so the OpenAPI document we serve reads like the one the client was generated from.

Requests: a field of the wrong JSON type is refused (400) and unknown fields are ignored,
as the Feersum server did. Responses carry only the spec's fields plus the extras documented
on each class.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class WireModel(BaseModel):
    """Base of every wire schema: unknown request fields are ignored."""

    # strict: "yes" or 1 is not a boolean, "3" is not a number; a wrong JSON type is a 400.
    model_config = ConfigDict(extra="ignore", strict=True)


class LabelledLanguageModel(WireModel):
    """`labelled_language_model`: a sentence encoder chosen for a language code."""

    lang_code: str = Field(description="ISO 639-3 language code.", examples=["eng"])
    lang_model: str = Field(
        description="The language model used for that language.", examples=["feers_usent_eng"]
    )


class LabelledWordManifold(WireModel):
    """`labelled_word_manifold`: a word manifold chosen for a language code."""

    label: str = Field(description="ISO 639-3 language code.", examples=["eng"])
    word_manifold: str = Field(examples=["feers_wm_eng"])


class ClassifierCreateDetails(WireModel):
    """The create body every classifier family shares (`*_create_details` in the spec)."""

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


class TextClassifierCreateDetails(ClassifierCreateDetails):
    """`text_classifier_create_details`: what `POST /text_classifiers` takes."""


class ClassifierInstanceDetail(WireModel):
    """The details every classifier family shares (`*_instance_detail` in the spec).

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
    threshold: float | None = None
    temperature: float | None = None
    training_error: str | None = Field(
        default=None, description="Baobab: why the last training job failed."
    )


class TextClassifierInstanceDetail(ClassifierInstanceDetail):
    """`text_classifier_instance_detail`: a text classifier's details."""

    clsfr_algorithm: str | None = None
    language_model_list: list[LabelledLanguageModel] | None = None


class TrainDetails(WireModel):
    """`train_details`: the arguments of `POST .../train`."""

    threshold: float | None = Field(default=None, examples=[0.85])
    temperature: float | None = Field(default=None, examples=[1.0])
    immediate_mode: bool | None = Field(
        default=None, description="Answer only when training is done."
    )
    word_manifold: str | None = None
    word_manifold_list: list[LabelledWordManifold] | None = None
    clsfr_algorithm: str | None = Field(default=None, examples=["logistic_regression"])
    num_epochs: int | None = Field(
        default=None,
        description="Image detectors train exactly this many epochs (at most 200); other "
        "heads accept it and do not use it.",
    )
    language_model_list: list[LabelledLanguageModel] | None = None


class ModelParams(WireModel):
    """`model_params`: the editable parameters of a model."""

    long_name: str | None = None
    desc: str | None = None
    readonly: bool | None = None
    threshold: float | None = None
    reference_time: str | None = None
    regex: str | None = None
    similar_words: list[str] | None = None
    word_manifold: str | None = None
    lid_model_file: str | None = None
    temperature: float | None = None


class TextInput(WireModel):
    """`text_input`: the text to classify."""

    text: str = Field(examples=["Hi, you may call me Tom."])
    lang_code: str | None = Field(default=None, description="An optional ISO 639-3 language hint.")


class LabelledTextSample(WireModel):
    """`labelled_text_sample`: one training or testing sample."""

    text: str | None = Field(default=None, examples=["Hello, my name is Tom."])
    label: str | None = Field(default=None, examples=["greeting"])
    lang_code: str | None = None
    comment: str | None = None
    uuid: str | None = None


class ScoredLabel(WireModel):
    """`scored_label`: a label and its probability."""

    label: str
    probability: float


class ClassLabelPair(WireModel):
    """`class_label_pair`: a cell of a confusion matrix (`matrix_name` is train or test)."""

    true_label: str
    predicted_label: str
    matrix_name: str = Field(examples=["train"])


class TsneSettings(WireModel):
    """`tsne_settings`: the t-SNE run to start."""

    n_components: int = Field(examples=[2])
    perplexity: float = 30.0
    learning_rate: float = 200.0


class TsneSample(WireModel):
    """`tsne_sample`: one sample placed by t-SNE."""

    text: str
    label: str
    x: float
    y: float
    z: float | None = None


class ErrorBody(BaseModel):
    """Baobab: the body of every error answer."""

    error: str = Field(examples=["not_found"])
    detail: str = Field(examples=["model 'faq' not found"])
    request_id: str | None = None
    errors: list[dict[str, str]] | None = Field(
        default=None, description="The offending fields of a bad request."
    )


def dump(model: BaseModel) -> dict[str, Any]:
    """Return the JSON-ready dict of `model` without the fields left unset (None)."""
    return model.model_dump(mode="json", exclude_none=True)


__all__ = [
    "ClassLabelPair",
    "ErrorBody",
    "LabelledLanguageModel",
    "LabelledTextSample",
    "LabelledWordManifold",
    "ModelParams",
    "ScoredLabel",
    "TextClassifierCreateDetails",
    "TextClassifierInstanceDetail",
    "TextInput",
    "TrainDetails",
    "TsneSample",
    "TsneSettings",
    "WireModel",
    "dump",
]
