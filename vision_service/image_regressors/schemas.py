"""Wire schemas of `/vision/v2/image_regressors`: Baobab's extension, shaped like image classifiers."""

from __future__ import annotations

from pydantic import Field

from shared.wire import ClassifierCreateDetails, WireModel


class ImageRegressorCreateDetails(ClassifierCreateDetails):
    """What `POST /image_regressors` takes (the image classifier's create details)."""


class ImageRegressorInstanceDetail(WireModel):
    """An image regressor's details: errors on the training and testing samples."""

    name: str = Field(examples=["example_instance"])
    id: str = Field(description="The id of the current revision, or of the model while untrained.")
    long_name: str | None = None
    desc: str | None = None
    readonly: bool | None = None
    training_mae: float | None = Field(default=None, description="Mean absolute error.")
    training_rmse: float | None = Field(default=None, description="Root mean squared error.")
    training_r2: float | None = Field(
        default=None,
        description="Coefficient of determination (absent when the values are all equal).",
    )
    testing_mae: float | None = None
    testing_rmse: float | None = None
    testing_r2: float | None = None
    testing_baseline_mae: float | None = Field(
        default=None,
        description="MAE on the testing samples of always answering the training mean.",
    )
    training_stamp: str | None = Field(
        default=None,
        description="When the current revision was trained; empty while training or never trained.",
    )
    num_training_samples: int | None = None
    num_testing_samples: int | None = None
    clsfr_algorithm: str | None = Field(default=None, description="The regression head: `ridge`.")
    training_error: str | None = Field(
        default=None, description="Why the last training job failed."
    )


class LabelledImageValue(WireModel):
    """One training or testing image and the number it should score."""

    image: str | None = Field(
        default=None,
        description="The encoded image (JPEG, PNG, WebP or GIF), base64; a data URL is accepted.",
    )
    value: float | None = Field(default=None, examples=[0.75])
    comment: str | None = None
    uuid: str | None = None


class RegressionValue(WireModel):
    """What retrieve answers: the model's estimate for the image."""

    value: float
