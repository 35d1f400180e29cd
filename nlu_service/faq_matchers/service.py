"""FAQ matchers: the `faq_matcher` family of the shared classifier service.

Training samples are questions labelled with the id of their answer; retrieve ranks the
answers by probability and leaves out those under the threshold (calibrated from the
training questions when training is given none), so an unrelated question gets [].
"""

from __future__ import annotations

from typing import Any

from nlu_service.classifiers.family import ClassifierFamily
from nlu_service.classifiers.schemas import word_manifolds
from nlu_service.faq_matchers.schemas import FaqMatcherCreateDetails, FaqMatcherInstanceDetail

MODEL_TYPE = "faq_matcher"


def _faq_details(metrics: dict[str, Any]) -> dict[str, Any]:
    return {"word_manifold_list": word_manifolds(metrics)}


FAQ_MATCHERS = ClassifierFamily(
    model_type=MODEL_TYPE,
    path="/nlu/v2/faq_matchers",
    noun="FAQ matcher",
    create_schema=FaqMatcherCreateDetails,
    detail_schema=FaqMatcherInstanceDetail,
    extra_details=_faq_details,
    calibrates_threshold=True,
    routes_languages=True,
)
