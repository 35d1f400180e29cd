"""The router factory of a classifier family: the 24 Feersum operations under one path.

`build_router(family)` gives `/nlu/v2/<family>` with the operationIds `<model_type>_*` of
the spec; the route functions only parse the request and call the family's service, found
on `app.state.<tag>` (e.g. `app.state.intent_classifiers`).

No `from __future__ import annotations` here: the route signatures name the family's
schemas through closure variables, which FastAPI can only see as evaluated annotations.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from nlu_service.classifiers.family import ClassifierFamily
from nlu_service.classifiers.service import ClassifierService, SampleKind
from nlu_service.deps import TenantDep
from nlu_service.records.endpoints import (
    Endpoint,
    Index,
    InstanceName,
    Length,
    Tagged,
    lifecycle_endpoints,
    service_dependency,
)
from shared.wire import (
    ClassLabelPair,
    ErrorBody,
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


def _samples_answer(family: ClassifierFamily) -> dict[str, Any]:
    """Return the route keywords of an answer that is a list of the family's samples."""
    return {
        "response_model": list[family.sample_schema],  # type: ignore[name-defined]
        "response_model_exclude_none": True,
    }


def _samples_body(family: ClassifierFamily) -> Any:
    """Return the annotation of a body that is a list of the family's samples."""
    schema: Any = family.sample_schema
    return Annotated[
        list[schema], Body(description=f"List of labelled {family.sample_noun} samples.")
    ]


def build_router(family: ClassifierFamily) -> APIRouter:
    """Return the router of every operation of `family`, by the spec's operationIds."""
    op = family.model_type
    noun = family.noun
    router = APIRouter(prefix=family.path, tags=[family.tag], responses=ERRORS)
    detail: dict[str, Any] = {
        "response_model": family.detail_schema,
        "response_model_exclude_none": True,
    }

    Service = Annotated[ClassifierService, Depends(service_dependency(family))]
    Samples = _samples_body(family)
    SAMPLES = _samples_answer(family)
    ops = lifecycle_endpoints(family, family.create_schema, ModelParams) | trained_endpoints(family)
    if family.input_schema is not TextInput:
        Input: Any = family.input_schema

        async def retrieve(
            tenant: TenantDep, service: Service, instance_name: InstanceName, image_input: Input
        ) -> Any:
            return await service.retrieve(tenant, instance_name, image_input)

        ops["retrieve"] = retrieve

    async def online_training_samples(
        tenant: TenantDep,
        service: Service,
        instance_name: InstanceName,
        labelled_text_sample_list: Samples,  # type: ignore[valid-type]
    ) -> Any:
        return await service.online_training_samples(
            tenant, instance_name, labelled_text_sample_list
        )

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

    ops |= {
        "online_training_samples": online_training_samples,
        "curate": curate,
        "tsne_post": tsne_post,
        "tsne_get": tsne_get,
    }

    def add_routes(routes: list[tuple[str, str, str, str, str, dict[str, Any]]]) -> None:
        for path, method, name, summary, description, answer in routes:
            router.add_api_route(
                path,
                ops[name],
                methods=[method],
                operation_id=f"{op}_{name}",
                summary=summary,
                description=description,
                **answer,
            )

    calibrates = family.calibrates_threshold
    add_routes([
        ("", "POST", "create", f"Create a {noun}.",
         f"Create a new {noun} or reload one from the trash. Returns the details of the new or loaded instance.",
         detail),
        ("", "GET", "get_details_all", f"Get list of loaded {noun}s.", f"Get the list of loaded {noun}s.",
         {"response_model": list[family.detail_schema], "response_model_exclude_none": True}),  # type: ignore[name-defined]
        ("/{instance_name}", "GET", "get_details", "Get details of named instance.",
         f"Get the details of the named {noun} instance.", detail),
        ("/{instance_name}", "DELETE", "del", "Delete named instance.",
         "Move the named instance to the trash and return its details; `create` with `load_from_store` brings it back.",
         detail),
        ("/{instance_name}/vaporise", "POST", "vaporise", "Vaporise the named model.",
         "Permanently vaporise a model even if not trashed: its samples and revisions go too.", detail),
    ])  # fmt: skip

    sample_kinds: tuple[tuple[SampleKind, str], ...] = (
        ("training", "training_samples"),
        ("testing", "testing_samples"),
    )
    for kind, path in sample_kinds:
        _add_sample_routes(router, family, kind, path, Samples, SAMPLES)

    add_routes([
        ("/{instance_name}/train", "POST", "train", f"Train the named {noun}.",
         "Queue training on the samples already provided; with `immediate_mode` answer when it is done."
         + (" Without a threshold, one is calibrated from the training data (cross-validation)."
            if calibrates else ""),
         detail),
        ("/{instance_name}/params", "POST", "set_params", f"Set the model parameters of named {noun}.",
         "Set long_name, desc, readonly, threshold, temperature or lid_model_file; retrieve uses the new values at once.",
         detail),
        ("/{instance_name}/params", "GET", "get_params", f"Get the editable model parameters of named {noun}.",
         f"Get the editable model parameters of named {noun}.",
         {"response_model": ModelParams, "response_model_exclude_none": True}),
        ("/{instance_name}/online_training_samples", "POST", "online_training_samples",
         f"Train/update the {noun} online with the samples provided.",
         "Add the samples as training samples and queue a retrain with the model's last algorithm.",
         SAMPLES),
        ("/{instance_name}/retrieve", "POST", "retrieve", family.retrieve_summary,
         family.retrieve_description or
         f"Classify the {family.sample_noun} and return a probability sorted list of classes."
         + (" Labels under the model's threshold are left out: an empty list means no match."
            if calibrates else ""),
         {"response_model": family.retrieve_response, "response_model_exclude_none": True}
         if family.retrieve_response else {"response_model": list[ScoredLabel]}),
    ])  # fmt: skip
    if family.labels:
        add_routes([
            ("/{instance_name}/labels", "GET", "get_labels", "Get list of possible labels.",
             f"Return the {noun}'s list of possible class labels ([] until trained).",
             {"response_model": list[str]}),
        ])  # fmt: skip
    if family.curate:
        add_routes([
            ("/{instance_name}/curate", "POST", "curate", "Endpoint to aid in the curation of a model instance.",
             "Return the samples behind a cell of the training or testing confusion matrix.", SAMPLES),
        ])  # fmt: skip
    if family.tsne:
        add_routes([
            ("/{instance_name}/tsne", "POST", "tsne_post", "Endpoint to start a TSNE process.",
             "Run t-SNE over the training samples' embeddings; GET .../tsne reads the result.",
             {"response_model": dict[str, Any], "responses": {200: {"description": "successful request"}}}),
            ("/{instance_name}/tsne", "GET", "tsne_get", "Get the latest results of TSNE.",
             "Get the latest results of TSNE ([] if never run).",
             {"response_model": list[TsneSample], "response_model_exclude_none": True}),
        ])  # fmt: skip
    return router


def trained_endpoints(family: Tagged) -> dict[str, Endpoint]:
    """Return the route functions of train, retrieve and get_labels, by operationId suffix.

    They take the family's service from `app.state.<tag>`.
    """
    Service = Annotated[Any, Depends(service_dependency(family))]

    async def train(
        tenant: TenantDep,
        service: Service,
        instance_name: InstanceName,
        train_details: TrainDetails,
    ) -> Any:
        return await service.train(tenant, instance_name, train_details)

    async def retrieve(
        tenant: TenantDep, service: Service, instance_name: InstanceName, text_input: TextInput
    ) -> Any:
        return await service.retrieve(tenant, instance_name, text_input)

    async def get_labels(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.labels(tenant, instance_name)

    return {"train": train, "retrieve": retrieve, "get_labels": get_labels}


def _add_sample_routes(
    router: APIRouter,
    family: ClassifierFamily,
    kind: SampleKind,
    path: str,
    Samples: Any,
    SAMPLES: dict[str, Any],
) -> None:
    """Add the five sample operations of one kind (training or testing)."""
    op, noun = family.model_type, family.noun
    Service = Annotated[ClassifierService, Depends(service_dependency(family))]

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
         f"Delete the listed {kind} samples (by uuid, else every sample with that "
         f"{family.sample_noun}). Returns them."),
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
