"""Routes of `/vision/v2/image_readers`: the spec's retrieve, and the list of readers.

`build_router(path)` gives the routes under `path`: the app mounts them at
`/vision/v2/image_readers` and, for clients older than 2.0.46, `/nlu/v2/image_readers`.
The service is `app.state.image_readers`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from nlu_service.deps import TenantDep
from shared.wire import ErrorBody
from vision_service.image_classifiers.schemas import ImageInput
from vision_service.image_readers.schemas import ImageReaderInstanceDetail, Text
from vision_service.image_readers.service import ImageReaderService

PATH = "/vision/v2/image_readers"
LEGACY_PATH = "/nlu/v2/image_readers"

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request: not a usable image, or a url input"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no image reader of that name"},
    413: {"model": ErrorBody, "description": "the image is over the byte or pixel limit"},
    429: {"model": ErrorBody, "description": "rate limited, or too many images waiting"},
}


async def get_service(request: Request) -> ImageReaderService:
    service: ImageReaderService = request.app.state.image_readers
    return service


ServiceDep = Annotated[ImageReaderService, Depends(get_service)]
ReaderName = Annotated[str, Path(description="The name of the model instance: `generic`.")]


async def list_readers(tenant: TenantDep, service: ServiceDep) -> list[ImageReaderInstanceDetail]:
    return await service.list_all(tenant)


async def retrieve(
    tenant: TenantDep, service: ServiceDep, instance_name: ReaderName, image_input: ImageInput
) -> list[Text]:
    return await service.retrieve(tenant, instance_name, image_input)


def build_router(path: str = PATH) -> APIRouter:
    """Return the image-reader routes under `path`."""
    router = APIRouter(prefix=path, tags=["image_readers"], responses=ERRORS)
    router.add_api_route(
        "",
        list_readers,
        methods=["GET"],
        operation_id="image_reader_get_details_all",
        summary="Get list of image readers.",
        description="Baobab: the image readers every tenant can use, the pre-built "
        "`generic` one (the spec declares no operation here).",
        response_model=list[ImageReaderInstanceDetail],
        response_model_exclude_none=True,
    )
    router.add_api_route(
        "/{instance_name}/retrieve",
        retrieve,
        methods=["POST"],
        operation_id="image_reader_retrieve",
        summary="Read text from the image.",
        description="Read text from the image. Returns list of strings found: one per line "
        "of text, top to bottom. `url` inputs are refused (400): send the image as base64.",
        response_model=list[Text],
        response_model_exclude_none=True,
    )
    return router
