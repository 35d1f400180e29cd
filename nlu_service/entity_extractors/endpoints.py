"""Routes of `/nlu/v2/crf_entity_extractors` and `/nlu/v2/synonym_entity_extractors`.

No `from __future__ import annotations`: route signatures name the kind's sample schema
through closure variables, which FastAPI can only see as evaluated annotations.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from nlu_service.classifiers.endpoints import ERRORS, trained_endpoints
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
from nlu_service.records.endpoints import (
    Index,
    InstanceName,
    Length,
    lifecycle_endpoints,
    service_dependency,
)
from shared.wire import ModelParams

DETAIL: dict[str, Any] = {
    "response_model": EntityExtractorInstanceDetail,
    "response_model_exclude_none": True,
}


def build_router(kind: ExtractorKind) -> APIRouter:
    """Return every operation of one extractor kind, by the spec's operationIds."""
    op, noun = kind.model_type, kind.noun
    router = APIRouter(prefix=kind.path, tags=[kind.tag], responses=ERRORS)
    Service = Annotated[EntityExtractorService, Depends(service_dependency(kind))]
    Samples = Annotated[list[kind.sample_schema], Body()]  # type: ignore[name-defined]
    samples_out: dict[str, Any] = {
        "response_model": list[kind.sample_schema],  # type: ignore[name-defined]
        "response_model_exclude_none": True,
    }
    entity: Any = CrfEntity if kind is CRF else SynonymEntity

    ops = lifecycle_endpoints(kind, EntityExtractorCreateDetails, ModelParams)
    ops |= trained_endpoints(kind)

    routes: list[tuple[str, str, str, str, dict[str, Any]]] = [
        ("", "POST", "create", f"Create a {noun}.", DETAIL),
        ("", "GET", "get_details_all", f"Get list of loaded {noun}s.",
         {"response_model": list[EntityExtractorInstanceDetail], "response_model_exclude_none": True}),
        ("/{instance_name}", "GET", "get_details", "Get details of named instance.", DETAIL),
        ("/{instance_name}", "DELETE", "del", "Delete named instance (to the trash).", DETAIL),
        ("/{instance_name}/vaporise", "POST", "vaporise", "Vaporise the named model.", DETAIL),
        ("/{instance_name}/train", "POST", "train", f"Train the named {noun}.", DETAIL),
        ("/{instance_name}/params", "POST", "set_params", "Set the model parameters.", DETAIL),
        ("/{instance_name}/params", "GET", "get_params", "Get the editable model parameters.",
         {"response_model": ModelParams, "response_model_exclude_none": True}),
        ("/{instance_name}/retrieve", "POST", "retrieve", "Predict which entities were mentioned.",
         {"response_model": list[entity], "response_model_exclude_none": True}),
        ("/{instance_name}/labels", "GET", "get_labels", "Get list of possible entity labels.",
         {"response_model": list[str]}),
    ]  # fmt: skip
    for path, method, suffix, summary, extra in routes:
        router.add_api_route(
            path,
            ops[suffix],
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
