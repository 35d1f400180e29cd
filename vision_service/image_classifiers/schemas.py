"""Feersum wire schemas of `/vision/v2/image_classifiers` (spec 2.0.46)."""

from __future__ import annotations

from pydantic import Field

from shared.wire import ClassifierCreateDetails, ClassifierInstanceDetail, WireModel


class ImageClassifierCreateDetails(ClassifierCreateDetails):
    """`image_classifier_create_details`: what `POST /image_classifiers` takes."""


class ImageClassifierInstanceDetail(ClassifierInstanceDetail):
    """`image_classifier_instance_detail`: an image classifier's details."""

    clsfr_algorithm: str | None = None


class LabelledImageSample(WireModel):
    """`labelled_image_sample`: one training or testing image and its label."""

    image: str | None = Field(
        default=None,
        description="The encoded image (JPEG, PNG, WebP or GIF), base64; a data URL is accepted.",
    )
    label: str | None = Field(default=None, examples=["unicorn"])
    comment: str | None = None
    uuid: str | None = None


class ImageInput(WireModel):
    """`image_input`: the image to classify, as base64, or a url the operator allows."""

    image: str | None = Field(
        default=None, description="The encoded image (JPEG, PNG, WebP or GIF), base64."
    )
    url: str | None = Field(
        default=None,
        description="The URL of an image: fetched only from hosts the operator lists "
        "(BAOBAB_IMAGE_URL_ALLOW_HOSTS); otherwise a 400.",
    )
