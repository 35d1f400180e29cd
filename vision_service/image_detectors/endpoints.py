"""Routes of `/vision/v2/image_detectors`: list, details and retrieve of the pre-built detector.

Only the operations the pre-built `generic` instance supports exist; create, delete and the
training operations of the spec are absent (404/405), since tenants cannot train detectors.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request

from nlu_service.deps import TenantDep
from shared.wire import ErrorBody
from vision_service.image_classifiers.schemas import ImageInput
from vision_service.image_detectors.schemas import (
    ImageDetectorInstanceDetail,
    ScoredImageDetections,
)
from vision_service.image_detectors.service import ImageDetectorService

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no model of that name"},
    413: {"model": ErrorBody, "description": "the image is over the byte or pixel limit"},
}


async def get_image_detectors(request: Request) -> ImageDetectorService:
    service: ImageDetectorService = request.app.state.image_detectors
    return service


ServiceDep = Annotated[ImageDetectorService, Depends(get_image_detectors)]
InstanceName = Annotated[str, Path(description="The name of the instance: `generic`.")]

router = APIRouter(prefix="/vision/v2/image_detectors", tags=["image_detectors"], responses=ERRORS)


@router.get(
    "",
    operation_id="image_detector_get_details_all",
    summary="Get list of image object detectors.",
    response_model=list[ImageDetectorInstanceDetail],
    response_model_exclude_none=True,
)
async def get_details_all(tenant: TenantDep, service: ServiceDep) -> Any:
    return await service.details_all(tenant)


@router.get(
    "/{instance_name}",
    operation_id="image_detector_get_details",
    summary="Get details of named instance.",
    response_model=ImageDetectorInstanceDetail,
    response_model_exclude_none=True,
)
async def get_details(instance_name: InstanceName, tenant: TenantDep, service: ServiceDep) -> Any:
    return await service.details(tenant, instance_name)


@router.post(
    "/{instance_name}/retrieve",
    operation_id="image_detector_retrieve",
    summary="Detect and classify objects in the image.",
    description="Detect and classify objects in the image and return a probability sorted list "
    "of detections, boxes in fractions of the image's width and height.",
    response_model=ScoredImageDetections,
    response_model_exclude_none=True,
)
async def retrieve(
    instance_name: InstanceName,
    image_input: Annotated[ImageInput, Body(description="The input image.")],
    tenant: TenantDep,
    service: ServiceDep,
) -> Any:
    return await service.retrieve(tenant, instance_name, image_input)
