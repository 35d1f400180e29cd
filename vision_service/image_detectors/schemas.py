"""Feersum wire schemas of `/vision/v2/image_detectors` (spec 2.0.55)."""

from __future__ import annotations

from pydantic import Field

from shared.wire import WireModel


class ImageDetectorInstanceDetail(WireModel):
    """`image_detector_instance_detail`: a detector's details (the pre-built one's subset)."""

    name: str = Field(examples=["generic"])
    id: str = Field(description="The id of this version of the instance.")
    long_name: str | None = None
    desc: str | None = None
    readonly: bool | None = None
    threshold: float | None = Field(
        default=None, description="Detections under this probability are left out."
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
