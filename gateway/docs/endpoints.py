"""`/docs` (Swagger UI, assets served locally) and `/openapi.json` (the merged document)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from gateway.deps import StateDep
from gateway.docs.page import (
    ASSETS,
    ASSETS_DIR,
    CONTENT_SECURITY_POLICY,
    DOCS_HTML,
    INIT_SCRIPT,
    INIT_SCRIPT_NAME,
)
from shared import NotFound

router = APIRouter(include_in_schema=False)

ASSET_CACHE = "public, max-age=86400"


@router.get("/docs")
async def docs_page() -> HTMLResponse:
    return HTMLResponse(DOCS_HTML, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


@router.get("/docs/assets/{name}")
async def docs_asset(name: str) -> Response:
    if name == INIT_SCRIPT_NAME:
        return Response(
            INIT_SCRIPT, media_type="text/javascript", headers={"Cache-Control": ASSET_CACHE}
        )
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no docs asset named {name!r}")
    return FileResponse(
        ASSETS_DIR / name, media_type=media_type, headers={"Cache-Control": ASSET_CACHE}
    )


@router.get("/openapi.json")
async def openapi_document(state: StateDep) -> JSONResponse:
    doc: dict[str, Any] = await state.openapi.get()
    return JSONResponse(doc)
