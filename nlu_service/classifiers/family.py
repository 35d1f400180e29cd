"""What tells one classifier family (text classifiers, intent classifiers, FAQ matchers) apart.

The three Feersum resources share their 24 operations, their store layout and their
trained head (`TextClassifier`); they differ in the path, the operationIds, the model type
in the store, the wire schemas of create and details, and whether training calibrates an
out-of-scope threshold. `ClassifierFamily` holds those differences; the router factory,
the service and the training job take one. The vision service's image classifiers are a
family too: their samples and retrieve input are images, their heads the embedding-only
algorithms, and they have no t-SNE routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nlu_service.engine import ALGORITHMS, DEFAULT_ALGORITHM
from shared.wire import LabelledTextSample, TextInput, WireModel


@dataclass(frozen=True)
class ClassifierFamily:
    """One Feersum classifier resource, e.g. `/nlu/v2/intent_classifiers`."""

    # Store model type and the Feersum operationId prefix: "intent_classifier".
    model_type: str
    # Public path: "/nlu/v2/intent_classifiers"; also the OpenAPI tag (its last part).
    path: str
    # Human name in summaries and errors: "intent classifier".
    noun: str
    # Request body of create (has name, long_name, desc, load_from_store, revision_uuid).
    create_schema: type[WireModel]
    # Instance detail answered by every model operation.
    detail_schema: type[WireModel]
    # Fills the family's detail-only fields from the revision metrics and train request.
    extra_details: Callable[[dict[str, Any]], dict[str, Any]]
    # Training without a threshold calibrates one (and reports cross-validation metrics).
    calibrates_threshold: bool = False
    # Samples in two or more languages train a head per language too (`engine._routing`).
    routes_languages: bool = False
    # The wire schema of one sample, and of retrieve's input.
    sample_schema: type[WireModel] = LabelledTextSample
    input_schema: type[WireModel] = TextInput
    # What a sample is called in the route texts ("text", "image").
    sample_noun: str = "text"
    retrieve_summary: str = "Classify text."
    # Retrieve's description and answer when the family does not answer ranked labels.
    retrieve_description: str | None = None
    retrieve_response: Any = None
    # Whether the family has the labels route, and curate (a confusion matrix to curate).
    labels: bool = True
    curate: bool = True
    # The `clsfr_algorithm` names training accepts, and the one it uses when none is given.
    algorithms: tuple[str, ...] = ALGORITHMS
    default_algorithm: str = DEFAULT_ALGORITHM
    # Whether the family has the two t-SNE routes.
    tsne: bool = True
    # The service whose training workers claim the family's jobs.
    worker_service: str = "nlu"

    @property
    def tag(self) -> str:
        return self.path.rsplit("/", 1)[-1]
