"""The router factory of a classifier family: the 24 Feersum operations under one path.

`build_router(family)` gives `/nlu/v2/<family>` with the operationIds `<model_type>_*` of
the spec; the route functions only parse the request and call the family's service, found
on `app.state.<tag>` (e.g. `app.state.intent_classifiers`).

No `from __future__ import annotations` here: the route signatures name the family's
schemas through closure variables, which FastAPI can only see as evaluated annotations.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from nlu_service.classifiers.family import ClassifierFamily
from nlu_service.classifiers.service import ClassifierService, SampleKind
from nlu_service.deps import TenantDep
from shared.wire import (
    ClassLabelPair,
    ErrorBody,
    LabelledTextSample,
    ModelParams,
    ScoredLabel,
    TextInput,
    TrainDetails,
    TsneSample,
    TsneSettings,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no model of that name"},
    413: {"model": ErrorBody, "description": "too many samples, or a body over the size limit"},
    429: {"model": ErrorBody, "description": "rate limited, or the encoder queue is full"},
}

InstanceName = Annotated[str, Path(description="The name of the model instance.")]
Samples = Annotated[list[LabelledTextSample], Body(description="List of labelled text samples.")]
Index = Annotated[int, Query(description="The sample index to start from.")]
Length = Annotated[int | None, Query(alias="len", description="The number of samples to return.")]

SAMPLES: dict[str, Any] = {
    "response_model": list[LabelledTextSample],
    "response_model_exclude_none": True,
}


def build_router(family: ClassifierFamily) -> APIRouter:
    """Return the router of every operation of `family`, by the spec's operationIds."""
    op = family.model_type
    noun = family.noun
    router = APIRouter(prefix=family.path, tags=[family.tag], responses=ERRORS)
    detail: dict[str, Any] = {
        "response_model": family.detail_schema,
        "response_model_exclude_none": True,
    }

    Service = Annotated[ClassifierService, Depends(_service_dependency(family))]
    CreateDetails = Annotated[family.create_schema, Body()]  # type: ignore[name-defined]

    async def create(tenant: TenantDep, service: Service, create_details: CreateDetails) -> Any:
        return await service.create(tenant, create_details)

    async def get_details_all(tenant: TenantDep, service: Service) -> Any:
        return await service.list_all(tenant)

    async def get_details(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.details(tenant, instance_name)

    async def delete(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.trash(tenant, instance_name)

    async def vaporise(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.vaporise(tenant, instance_name)

    router.add_api_route(
        "",
        create,
        methods=["POST"],
        operation_id=f"{op}_create",
        summary=f"Create a {noun}.",
        description=f"Create a new {noun} or reload one from the trash. Returns the details of the new or loaded instance.",
        **detail,
    )
    router.add_api_route(
        "",
        get_details_all,
        methods=["GET"],
        operation_id=f"{op}_get_details_all",
        summary=f"Get list of loaded {noun}s.",
        description=f"Get the list of loaded {noun}s.",
        response_model=list[family.detail_schema],  # type: ignore[name-defined]
        response_model_exclude_none=True,
    )
    router.add_api_route(
        "/{instance_name}",
        get_details,
        methods=["GET"],
        operation_id=f"{op}_get_details",
        summary="Get details of named instance.",
        description=f"Get the details of the named {noun} instance.",
        **detail,
    )
    router.add_api_route(
        "/{instance_name}",
        delete,
        methods=["DELETE"],
        operation_id=f"{op}_del",
        summary="Delete named instance.",
        description="Move the named instance to the trash and return its details; `create` with `load_from_store` brings it back.",
        **detail,
    )
    router.add_api_route(
        "/{instance_name}/vaporise",
        vaporise,
        methods=["POST"],
        operation_id=f"{op}_vaporise",
        summary="Vaporise the named model.",
        description="Permanently vaporise a model even if not trashed: its samples and revisions go too.",
        **detail,
    )

    sample_kinds: tuple[tuple[SampleKind, str], ...] = (
        ("training", "training_samples"),
        ("testing", "testing_samples"),
    )
    for kind, path in sample_kinds:
        _add_sample_routes(router, family, kind, path)

    async def train(
        tenant: TenantDep,
        service: Service,
        instance_name: InstanceName,
        train_details: TrainDetails,
    ) -> Any:
        return await service.train(tenant, instance_name, train_details)

    async def set_params(
        tenant: TenantDep, service: Service, instance_name: InstanceName, model_params: ModelParams
    ) -> Any:
        return await service.set_params(tenant, instance_name, model_params)

    async def get_params(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.get_params(tenant, instance_name)

    async def online_training_samples(
        tenant: TenantDep,
        service: Service,
        instance_name: InstanceName,
        labelled_text_sample_list: Samples,
    ) -> Any:
        return await service.online_training_samples(
            tenant, instance_name, labelled_text_sample_list
        )

    async def retrieve(
        tenant: TenantDep, service: Service, instance_name: InstanceName, text_input: TextInput
    ) -> Any:
        return await service.retrieve(tenant, instance_name, text_input)

    async def get_labels(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.labels(tenant, instance_name)

    async def curate(
        tenant: TenantDep, service: Service, instance_name: InstanceName, label_pair: ClassLabelPair
    ) -> Any:
        return await service.curate(tenant, instance_name, label_pair)

    async def tsne_post(
        tenant: TenantDep,
        service: Service,
        instance_name: InstanceName,
        tsne_settings: TsneSettings,
    ) -> dict[str, Any]:
        await service.tsne_start(tenant, instance_name, tsne_settings)
        return {}

    async def tsne_get(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.tsne_get(tenant, instance_name)

    threshold_note = (
        " Labels under the model's threshold are left out: an empty list means no match."
        if family.calibrates_threshold
        else ""
    )
    router.add_api_route(
        "/{instance_name}/train",
        train,
        methods=["POST"],
        operation_id=f"{op}_train",
        summary=f"Train the named {noun}.",
        description="Queue training on the samples already provided; with `immediate_mode` answer when it is done."
        + (
            " Without a threshold, one is calibrated from the training data (cross-validation)."
            if family.calibrates_threshold
            else ""
        ),
        **detail,
    )
    router.add_api_route(
        "/{instance_name}/params",
        set_params,
        methods=["POST"],
        operation_id=f"{op}_set_params",
        summary=f"Set the model parameters of named {noun}.",
        description="Set long_name, desc, readonly, threshold, temperature or lid_model_file; retrieve uses the new values at once.",
        **detail,
    )
    router.add_api_route(
        "/{instance_name}/params",
        get_params,
        methods=["GET"],
        operation_id=f"{op}_get_params",
        summary=f"Get the editable model parameters of named {noun}.",
        description=f"Get the editable model parameters of named {noun}.",
        response_model=ModelParams,
        response_model_exclude_none=True,
    )
    router.add_api_route(
        "/{instance_name}/online_training_samples",
        online_training_samples,
        methods=["POST"],
        operation_id=f"{op}_online_training_samples",
        summary=f"Train/update the {noun} online with the samples provided.",
        description="Add the samples as training samples and queue a retrain with the model's last algorithm.",
        **SAMPLES,
    )
    router.add_api_route(
        "/{instance_name}/retrieve",
        retrieve,
        methods=["POST"],
        operation_id=f"{op}_retrieve",
        summary="Classify text.",
        description="Classify the text and return a probability sorted list of classes."
        + threshold_note,
        response_model=list[ScoredLabel],
    )
    router.add_api_route(
        "/{instance_name}/labels",
        get_labels,
        methods=["GET"],
        operation_id=f"{op}_get_labels",
        summary="Get list of possible labels.",
        description=f"Return the {noun}'s list of possible class labels ([] until trained).",
        response_model=list[str],
    )
    router.add_api_route(
        "/{instance_name}/curate",
        curate,
        methods=["POST"],
        operation_id=f"{op}_curate",
        summary="Endpoint to aid in the curation of a model instance.",
        description="Return the samples behind a cell of the training or testing confusion matrix.",
        **SAMPLES,
    )
    router.add_api_route(
        "/{instance_name}/tsne",
        tsne_post,
        methods=["POST"],
        operation_id=f"{op}_tsne_post",
        summary="Endpoint to start a TSNE process.",
        description="Run t-SNE over the training samples' embeddings; GET .../tsne reads the result.",
        response_model=dict[str, Any],
        responses={200: {"description": "successful request"}},
    )
    router.add_api_route(
        "/{instance_name}/tsne",
        tsne_get,
        methods=["GET"],
        operation_id=f"{op}_tsne_get",
        summary="Get the latest results of TSNE.",
        description="Get the latest results of TSNE ([] if never run).",
        response_model=list[TsneSample],
        response_model_exclude_none=True,
    )
    return router


def _service_dependency(
    family: ClassifierFamily,
) -> Callable[[Request], Awaitable[ClassifierService]]:
    """Return the dependency giving the family's service from `app.state.<tag>`."""

    async def get_service(request: Request) -> ClassifierService:
        service: ClassifierService = getattr(request.app.state, family.tag)
        return service

    return get_service


def _add_sample_routes(
    router: APIRouter, family: ClassifierFamily, kind: SampleKind, path: str
) -> None:
    """Add the five sample operations of one kind (training or testing)."""
    op, noun = family.model_type, family.noun
    Service = Annotated[ClassifierService, Depends(_service_dependency(family))]

    async def add(
        tenant: TenantDep,
        service: Service,
        instance_name: InstanceName,
        labelled_text_sample_list: Samples,
    ) -> Any:
        return await service.add_samples(tenant, instance_name, kind, labelled_text_sample_list)

    async def update(
        tenant: TenantDep,
        service: Service,
        instance_name: InstanceName,
        labelled_text_sample_list: Samples,
    ) -> Any:
        return await service.update_samples(tenant, instance_name, kind, labelled_text_sample_list)

    async def get(
        tenant: TenantDep,
        service: Service,
        instance_name: InstanceName,
        index: Index = 0,
        length: Length = None,
    ) -> Any:
        return await service.get_samples(tenant, instance_name, kind, index, length)

    async def delete(
        tenant: TenantDep,
        service: Service,
        instance_name: InstanceName,
        labelled_text_sample_list: Samples,
    ) -> Any:
        return await service.delete_samples(tenant, instance_name, kind, labelled_text_sample_list)

    async def delete_all(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.delete_all_samples(tenant, instance_name, kind)

    base = f"/{{instance_name}}/{path}"
    routes: list[tuple[str, Any, str, str, str, str]] = [
        (base, add, "POST", f"{op}_add_{kind}_samples", f"Add {kind} samples.",
         f"Add {kind} samples to named {noun}. Returns the samples added to the model."),
        (base, update, "PUT", f"{op}_update_{kind}_samples", f"Update {kind} samples by UUID.",
         f"Update {kind} samples of the named {noun}, found by uuid. Returns the samples updated."),
        (base, get, "GET", f"{op}_get_{kind}_samples", f"Get {kind} samples.",
         f"Get the {kind} samples of the named {noun}."),
        (base, delete, "DELETE", f"{op}_del_{kind}_samples", f"Delete {kind} samples.",
         f"Delete the listed {kind} samples (by uuid, else every sample with that text). Returns them."),
        (f"{base}_all", delete_all, "DELETE", f"{op}_del_{kind}_samples_all",
         f"Delete all {kind} samples.",
         f"Delete all {kind} samples of the named {noun}. Returns the deleted samples."),
    ]  # fmt: skip
    for route_path, endpoint, method, operation_id, summary, description in routes:
        router.add_api_route(
            route_path,
            endpoint,
            methods=[method],
            operation_id=operation_id,
            summary=summary,
            description=description,
            **SAMPLES,
        )
