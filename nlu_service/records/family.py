"""What tells one named-record resource (regex, duckling, person-name extractors, ...) apart.

These Feersum resources keep one untrained model record per name in the model store and
share the same seven lifecycle operations (create, list, details, delete, vaporise and
params get/set); they differ in the path, the operationIds, the model type in the store,
the wire schemas and a few summaries. `RecordFamily` holds those differences; the router
factory in `nlu_service.records.endpoints` takes one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.wire import ModelParams, WireModel


@dataclass(frozen=True)
class RecordFamily:
    """One Feersum named-record resource, e.g. `/nlu/v2/regex_entity_extractors`."""

    # Store model type and the Feersum operationId prefix: "regex_entity_extractor".
    model_type: str
    # Public path: "/nlu/v2/regex_entity_extractors"; its last part is the OpenAPI tag
    # and the `app.state` attribute holding the service.
    path: str
    # Human name in the params summaries: "regex entity extractor".
    noun: str
    # Request body of create (has name, long_name, desc, load_from_store, revision_uuid).
    create_schema: type[WireModel]
    # Instance detail answered by every model operation.
    detail_schema: type[WireModel]
    # Body of set params and answer of get params.
    params_schema: type[ModelParams] = ModelParams
    # Description of the 400 answer in the OpenAPI document.
    bad_request: str = "bad request"
    # Human name in the create, list and details texts; `noun` when None.
    title: str | None = None
    # Create summary, when not "Create a <title>.".
    create_summary: str | None = None
    # Route descriptions by operation (create, get_details_all, ...), when not the default.
    docs: Mapping[str, str] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def doc(self, operation: str) -> str:
        """Return the description of `operation` (the part of the operationId after the prefix)."""
        title = self.title or self.noun
        defaults = {
            "create": f"Create a new {title} or reload one from the trash.",
            "get_details_all": f"Get the list of loaded {title}s.",
            "get_details": f"Get the details of the named {title} instance.",
            "del": "Move the named instance to the trash and return its details; "
            "`create` with `load_from_store` brings it back.",
            "vaporise": "Permanently vaporise a model even if not trashed.",
            "set_params": "Set long_name, desc or readonly.",
            "get_params": f"Get the editable model parameters of named {self.noun}.",
        }
        return self.docs.get(operation, defaults[operation])
