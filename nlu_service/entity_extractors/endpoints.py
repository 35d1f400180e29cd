"""Routes of `/nlu/v2/crf_entity_extractors` and `/nlu/v2/synonym_entity_extractors`.

No `from __future__ import annotations`: route signatures name the kind's sample schema
through closure variables, which FastAPI can only see as evaluated annotations.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from nlu_service.classifiers.endpoints import ERRORS
from nlu_service.deps import TenantDep
from nlu_service.entity_extractors.schemas import (
    CrfEntity,
    EntityExtractorCreateDetails,
    EntityExtractorInstanceDetail,
    SynonymEntity,
)
from nlu_service.entity_extractors.service import (
    CRF,
    SYNONYM,
    EntityExtractorService,
    ExtractorKind,
    SampleKind,
)
from shared.wire import ModelParams, TextInput, TrainDetails

InstanceName = Annotated[str, Path(description="The name of the model instance.")]
Index = Annotated[int, Query(description="The sample index to start from.")]
Length = Annotated[int | None, Query(alias="len", description="The number of samples to return.")]
DETAIL: dict[str, Any] = {
    "response_model": EntityExtractorInstanceDetail,
    "response_model_exclude_none": True,
}


def _service(kind: ExtractorKind) -> Callable[[Request], Awaitable[EntityExtractorService]]:
    async def get(request: Request) -> EntityExtractorService:
        service: EntityExtractorService = getattr(request.app.state, kind.tag)
        return service

    return get


def build_router(kind: ExtractorKind) -> APIRouter:
    """Return every operation of one extractor kind, by the spec's operationIds."""
    op, noun = kind.model_type, kind.noun
    router = APIRouter(prefix=kind.path, tags=[kind.tag], responses=ERRORS)
    Service = Annotated[EntityExtractorService, Depends(_service(kind))]
    Samples = Annotated[list[kind.sample_schema], Body()]  # type: ignore[name-defined]
    samples_out: dict[str, Any] = {
        "response_model": list[kind.sample_schema],  # type: ignore[name-defined]
        "response_model_exclude_none": True,
    }
    entity: Any = CrfEntity if kind is CRF else SynonymEntity

    async def create(
        tenant: TenantDep, service: Service, create_details: EntityExtractorCreateDetails
    ) -> Any:
        return await service.create(tenant, create_details)

    async def get_details_all(tenant: TenantDep, service: Service) -> Any:
        return await service.list_all(tenant)

    async def get_details(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.details(tenant, instance_name)

    async def delete(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.trash(tenant, instance_name)

    async def vaporise(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.vaporise(tenant, instance_name)

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

    async def retrieve(
        tenant: TenantDep, service: Service, instance_name: InstanceName, text_input: TextInput
    ) -> Any:
        return await service.retrieve(tenant, instance_name, text_input)

    async def get_labels(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.labels(tenant, instance_name)

    routes: list[tuple[str, Any, str, str, str, dict[str, Any]]] = [
        ("", create, "POST", "create", f"Create a {noun}.", DETAIL),
        ("", get_details_all, "GET", "get_details_all", f"Get list of loaded {noun}s.",
         {"response_model": list[EntityExtractorInstanceDetail], "response_model_exclude_none": True}),
        ("/{instance_name}", get_details, "GET", "get_details", "Get details of named instance.", DETAIL),
        ("/{instance_name}", delete, "DELETE", "del", "Delete named instance (to the trash).", DETAIL),
        ("/{instance_name}/vaporise", vaporise, "POST", "vaporise", "Vaporise the named model.", DETAIL),
        ("/{instance_name}/train", train, "POST", "train", f"Train the named {noun}.", DETAIL),
        ("/{instance_name}/params", set_params, "POST", "set_params", "Set the model parameters.", DETAIL),
        ("/{instance_name}/params", get_params, "GET", "get_params", "Get the editable model parameters.",
         {"response_model": ModelParams, "response_model_exclude_none": True}),
        ("/{instance_name}/retrieve", retrieve, "POST", "retrieve", "Predict which entities were mentioned.",
         {"response_model": list[entity], "response_model_exclude_none": True}),
        ("/{instance_name}/labels", get_labels, "GET", "get_labels", "Get list of possible entity labels.",
         {"response_model": list[str]}),
    ]  # fmt: skip
    for path, endpoint, method, suffix, summary, extra in routes:
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            operation_id=f"{op}_{suffix}",
            summary=summary,
            **extra,
        )

    def sample_routes(sample_kind: SampleKind, path: str) -> None:
        async def add(
            tenant: TenantDep, service: Service, instance_name: InstanceName, samples: Samples
        ) -> Any:
            return await service.add_samples(tenant, instance_name, sample_kind, samples)

        async def update(
            tenant: TenantDep, service: Service, instance_name: InstanceName, samples: Samples
        ) -> Any:
            return await service.update_samples(tenant, instance_name, sample_kind, samples)

        async def get(
            tenant: TenantDep,
            service: Service,
            instance_name: InstanceName,
            index: Index = 0,
            length: Length = None,
        ) -> Any:
            return await service.get_samples(tenant, instance_name, sample_kind, index, length)

        async def remove(
            tenant: TenantDep, service: Service, instance_name: InstanceName, samples: Samples
        ) -> Any:
            return await service.delete_samples(tenant, instance_name, sample_kind, samples)

        async def remove_all(
            tenant: TenantDep, service: Service, instance_name: InstanceName
        ) -> Any:
            return await service.delete_all_samples(tenant, instance_name, sample_kind)

        base = f"/{{instance_name}}/{path}"
        for route_path, endpoint, method, op_id, summary in (
            (base, add, "POST", f"add_{sample_kind}_samples", f"Add {sample_kind} samples."),
            (base, update, "PUT", f"update_{sample_kind}_samples", f"Update {sample_kind} samples by uuid."),
            (base, get, "GET", f"get_{sample_kind}_samples", f"Get {sample_kind} samples."),
            (base, remove, "DELETE", f"del_{sample_kind}_samples", f"Delete {sample_kind} samples."),
            (f"{base}_all", remove_all, "DELETE", f"del_{sample_kind}_samples_all",
             f"Delete all {sample_kind} samples."),
        ):  # fmt: skip
            router.add_api_route(
                route_path,
                endpoint,
                methods=[method],
                operation_id=f"{op}_{op_id}",
                summary=summary,
                **samples_out,
            )

    sample_routes("training", "training_samples")
    sample_routes("testing", "testing_samples")
    return router


crf_router = build_router(CRF)
synonym_router = build_router(SYNONYM)
