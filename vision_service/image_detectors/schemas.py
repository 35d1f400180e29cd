"""Feersum wire schemas of `/vision/v2/image_detectors` (spec 2.0.55)."""

from __future__ import annotations

from pydantic import Field

from shared.wire import ClassifierCreateDetails, WireModel


class ImageDetectorInstanceDetail(WireModel):
    """`image_detector_instance_detail`: a detector's details.

    Baobab reports a trained detector's quality as mAP@0.5 (our extension: the spec's
    classification fields do not fit boxes).
    """

    name: str = Field(examples=["generic"])
    id: str = Field(description="The id of this version of the instance.")
    long_name: str | None = None
    desc: str | None = None
    readonly: bool | None = None
    threshold: float | None = Field(
        default=None,
        description="Detections under this probability are left out (0: the default, 0.3).",
    )
    training_map: float | None = Field(
        default=None, description="Mean average precision at IoU 0.5 on the training samples."
    )
    testing_map: float | None = Field(
        default=None, description="Mean average precision at IoU 0.5 on the testing samples."
    )
    testing_ap: dict[str, float] | None = Field(
        default=None, description="Average precision at IoU 0.5 per label on the testing samples."
    )
    training_stamp: str | None = Field(
        default=None,
        description="When the current revision was trained; empty while training or never trained.",
    )
    num_training_samples: int | None = None
    num_testing_samples: int | None = None
    clsfr_algorithm: str | None = None
    training_error: str | None = Field(
        default=None, description="Baobab: why the last training job failed."
    )


class ImageDetection(WireModel):
    """`image_detection`: a class label with its box.

    Baobab's box is in fractions (0-1) of the input image's width and height (after its
    EXIF orientation is applied): `box_x`, `box_y` the top-left corner, `box_w`, `box_h` the
    size. `id` is the label's class index (COCO's 0-79 order for `generic`).
    """

    label: str = Field(examples=["pizza"])
    box_x: float = Field(description="Left edge, a fraction of the image's width.", examples=[0.23])
    box_y: float = Field(description="Top edge, a fraction of the image's height.", examples=[0.64])
    box_w: float = Field(description="Width, a fraction of the image's width.", examples=[0.26])
    box_h: float = Field(description="Height, a fraction of the image's height.", examples=[0.37])
    id: int = Field(description="The label's class index.", examples=[53])


class ScoredImageDetection(WireModel):
    """`scored_image_detection`: a detection and its probability."""

    detection: ImageDetection
    probability: float = Field(examples=[0.95])


class ImageOutput(WireModel):
    """`image_output`: an image returned by a model, base64."""

    image: str | None = None


class ScoredImageDetections(WireModel):
    """`scored_image_detections`: the detections, most probable first.

    `output_image` (a marked-up copy of the input) is optional in the spec; Baobab leaves
    it out.
    """

    scored_detections: list[ScoredImageDetection]
    output_image: ImageOutput | None = None


class ImageDetectorCreateDetails(ClassifierCreateDetails):
    """`image_detector_create_details`: what `POST /image_detectors` takes."""


class LabelledImageDetections(WireModel):
    """`labelled_image_detections`: an image and the boxes in it (boxes as in `image_detection`)."""

    image: str | None = Field(
        default=None,
        description="The encoded image (JPEG, PNG, WebP or GIF), base64; a data URL is accepted.",
    )
    detections: list[ImageDetection] | None = None
    comment: str | None = None
    uuid: str | None = None
