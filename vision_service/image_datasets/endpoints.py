"""Routes of `/vision/v2/image_datasets`: the 13 operations of the Feersum spec, by operationId.

`build_router(LEGACY_PATH)` gives the same operations at `/nlu/v2/image_datasets`, the path
clients older than 2.0.46 call (the app leaves it out of the OpenAPI document).

No `from __future__ import annotations` here: the samples route's signature names the
dependency through closure variables, which FastAPI can only see as evaluated annotations.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path

from nlu_service.deps import TenantDep
from nlu_service.instance_routes import add_labels, state_service
from nlu_service.records.endpoints import Index, Length, SubSample
from nlu_service.records.routes import add_service_route
from shared.wire import ErrorBody, ModelParams
from vision_service.image_classifiers.schemas import LabelledImageSample
from vision_service.image_datasets.schemas import (
    ImageDatasetCreateDetails,
    ImageDatasetInstanceDetail,
)
from vision_service.image_datasets.service import ImageDatasetService

PATH = "/vision/v2/image_datasets"
LEGACY_PATH = "/nlu/v2/image_datasets"
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request or image, or the dataset is read-only"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no dataset of that name"},
    409: {"model": ErrorBody, "description": "a dataset of that name exists"},
    413: {"model": ErrorBody, "description": "too many samples, or an image over the limits"},
}
SAMPLE_FORMAT = "Image format is 256x256 RGB; jpeg encoding at quality 50 is suggested."

get_service = state_service("image_datasets")
ServiceDep = Annotated[ImageDatasetService, Depends(get_service)]
InstanceName = Annotated[str, Path(description="The name of the model instance.")]
Samples = Annotated[list[LabelledImageSample], Body(description="List of labelled image samples.")]

DETAIL: dict[str, Any] = {
    "response_model": ImageDatasetInstanceDetail,
    "response_model_exclude_none": True,
}
SAMPLES: dict[str, Any] = {
    "response_model": list[LabelledImageSample],
    "response_model_exclude_none": True,
}

# The routes without a body: (path, method, service call, operationId suffix, summary,
# description, response keywords).
NO_BODY_ROUTES: tuple[tuple[str, str, str, str, str, str, dict[str, Any]], ...] = (
    (
        "",
        "GET",
        "list_all",
        "get_details_all",
        "Get list of loaded image datasets.",
        "Get the list of loaded image datasets.",
        {"response_model": list[ImageDatasetInstanceDetail], "response_model_exclude_none": True},
    ),
    (
        "/{instance_name}",
        "GET",
        "details",
        "get_details",
        "Get details of named instance.",
        "Get the details of the named image dataset instance.",
        DETAIL,
    ),
    (
        "/{instance_name}",
        "DELETE",
        "trash",
        "del",
        "Delete named instance.",
        "Move the dataset to the trash (samples kept); "
        "`create` with `load_from_store` brings it back.",
        DETAIL,
    ),
    (
        "/{instance_name}/samples_all",
        "DELETE",
        "delete_all_samples",
        "del_samples_all",
        "Delete all samples.",
        "Delete all samples of the named image dataset; returns them.",
        SAMPLES,
    ),
    (
        "/{instance_name}/params",
        "GET",
        "get_params",
        "get_params",
        "Get the editable model parameters of named image dataset.",
        "Get the editable model parameters (long_name, desc, readonly) of the dataset.",
        {"response_model": ModelParams, "response_model_exclude_none": True},
    ),
    (
        "/{instance_name}/vaporise",
        "POST",
        "vaporise",
        "vaporise",
        "Vaporise the named model.",
        "Permanently vaporise a dataset and its samples, even if not trashed.",
        DETAIL,
    ),
)

# The routes taking a list of samples: (method, service call, operationId suffix, summary, description).
SAMPLE_ROUTES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "POST",
        "add_samples",
        "add_samples",
        f"Add samples. {SAMPLE_FORMAT}",
        "Add samples; returns those added (a sample whose image and label are already "
        "there is skipped). Each image is checked: 400 when it does not decode as JPEG, "
        "PNG, WebP or GIF, 413 over the byte or pixel limit.",
    ),
    (
        "PUT",
        "update_samples",
        "update_samples",
        f"Update samples by UUID. {SAMPLE_FORMAT}",
        "Update samples by uuid (label, image or comment); an unknown uuid changes nothing "
        "and answers 404.",
    ),
    (
        "DELETE",
        "delete_samples",
        "del_samples",
        "Delete samples.",
        "Delete the listed samples (by uuid, else every sample of that image); returns them.",
    ),
)


def _add_samples_route(
    router: APIRouter, method: str, call: str, operation_id: str, summary: str, description: str
) -> None:
    """Add `{method} /{instance_name}/samples`, answering `service.<call>(tenant, name, samples)`."""

    async def endpoint(
        tenant: TenantDep,
        service: ServiceDep,
        instance_name: InstanceName,
        labelled_image_sample_list: Samples,
    ) -> list[LabelledImageSample]:
        samples: list[LabelledImageSample] = await getattr(service, call)(
            tenant, instance_name, labelled_image_sample_list
        )
        return samples

    endpoint.__name__ = endpoint.__qualname__ = call
    router.add_api_route(
        "/{instance_name}/samples",
        endpoint,
        methods=[method],
        operation_id=operation_id,
        summary=summary,
        description=description,
        **SAMPLES,
    )


async def create(
    tenant: TenantDep, service: ServiceDep, create_details: ImageDatasetCreateDetails
) -> ImageDatasetInstanceDetail:
    """Create a new image dataset or reload one from the trash."""
    return await service.create(tenant, create_details)


async def get_samples(
    tenant: TenantDep,
    service: ServiceDep,
    instance_name: InstanceName,
    index: Index = 0,
    length: Length = None,
    sub_sample: SubSample = None,
) -> list[LabelledImageSample]:
    """Get the samples in insertion order, or a shuffled sub-sample of them."""
    return await service.get_samples(tenant, instance_name, index, length, sub_sample)


async def set_params(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, model_params: ModelParams
) -> ImageDatasetInstanceDetail:
    """Set long_name, desc or readonly; any other parameter is refused (400)."""
    return await service.set_params(tenant, instance_name, model_params)


def build_router(path: str = PATH) -> APIRouter:
    """Return the router of the image datasets at `path`."""
    router = APIRouter(prefix=path, tags=["image_datasets"], responses=ERRORS)
    router.add_api_route(
        "",
        create,
        methods=["POST"],
        operation_id="image_dataset_create",
        summary="Create an image dataset.",
        **DETAIL,
    )
    for route_path, method, call, op, summary, description, response in NO_BODY_ROUTES:
        add_service_route(
            router,
            get_service,
            route_path,
            method,
            call,
            operation_id=f"image_dataset_{op}",
            summary=summary,
            description=description,
            **response,
        )
    for method, call, op, summary, description in SAMPLE_ROUTES:
        _add_samples_route(router, method, call, f"image_dataset_{op}", summary, description)
    router.add_api_route(
        "/{instance_name}/samples",
        get_samples,
        methods=["GET"],
        operation_id="image_dataset_get_samples",
        summary="Get samples. Image format is 256x256 RGB.",
        **SAMPLES,
    )
    router.add_api_route(
        "/{instance_name}/params",
        set_params,
        methods=["POST"],
        operation_id="image_dataset_set_params",
        summary="Set the model parameters of named image dataset.",
        **DETAIL,
    )
    add_labels(
        router,
        get_service,
        operation_id="image_dataset_get_labels",
        description="Return the distinct labels of the dataset's samples, sorted.",
        instance_name=InstanceName,
    )
    return router
