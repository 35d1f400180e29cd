"""Feersum wire schemas of `/nlu/v2/faq_matchers` (spec 2.0.46)."""

from __future__ import annotations

from nlu_service.classifiers.schemas import ScopedCreateDetails, ScopedInstanceDetail


class FaqMatcherCreateDetails(ScopedCreateDetails):
    """`faq_matcher_create_details`: what `POST /faq_matchers` takes."""


class FaqMatcherInstanceDetail(ScopedInstanceDetail):
    """`faq_matcher_instance_detail`: an FAQ matcher's details (labels are answer ids)."""
