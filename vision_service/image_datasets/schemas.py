"""Feersum wire schemas (spec 2.0.46) of `/vision/v2/image_datasets`.

The create and detail bodies have the text datasets' fields; a sample is the image
classifiers' `labelled_image_sample` (`LabelledImageSample`).
"""

from __future__ import annotations

from nlu_service.text_datasets.schemas import TextDatasetCreateDetails, TextDatasetInstanceDetail


class ImageDatasetCreateDetails(TextDatasetCreateDetails):
    """`image_dataset_create_details`: what `POST /image_datasets` takes."""


class ImageDatasetInstanceDetail(TextDatasetInstanceDetail):
    """`image_dataset_instance_detail`: an image dataset's details.

    Extra (Baobab): `num_samples` and `num_labels`, counted by the model store.
    """
