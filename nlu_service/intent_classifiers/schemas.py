"""Feersum wire schemas of `/nlu/v2/intent_classifiers` (spec 2.0.46)."""

from __future__ import annotations

from pydantic import Field

from nlu_service.classifiers.schemas import ScopedCreateDetails, ScopedInstanceDetail


class IntentClassifierCreateDetails(ScopedCreateDetails):
    """`intent_classifier_create_details`: what `POST /intent_classifiers` takes."""


class IntentClassifierInstanceDetail(ScopedInstanceDetail):
    """`intent_classifier_instance_detail`: an intent classifier's details."""

    validation_accuracy: float | None = Field(
        default=None, description="Accuracy by 5-fold cross-validation on the training set."
    )
    validation_f1: float | None = Field(
        default=None, description="Macro F1 by 5-fold cross-validation on the training set."
    )
    validation_cm: dict[str, dict[str, int]] | None = Field(
        default=None,
        description="Sparse confusion matrix of the cross-validation: true -> predicted -> count.",
    )
