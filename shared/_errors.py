"""Errors every service raises, and the one handler that turns them into JSON.

The exception tree:

    BaobabError (500, a bug if it escapes as this class)
    ├── InvalidInput (400)
    ├── Unauthorized (401, carries WWW-Authenticate)
    ├── Forbidden (403)
    ├── NotFound (404)
    ├── Conflict (409)
    ├── TooLarge (413)
    ├── RateLimited (429, optional Retry-After)
    └── Unavailable (503)

Every error body is `{"error": <code>, "detail": <message>, "request_id": <id>}`; a
request validation failure adds `"errors": [...]` with the offending fields.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared._logging import request_id_var

log = logging.getLogger("baobab.errors")


class BaobabError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(
        self,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra or {}


class InvalidInput(BaobabError):
    status_code = 400
    code = "invalid_input"


class Unauthorized(BaobabError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, detail: str = "API key is missing or invalid") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'APIKey header="X-Auth-Token"'})


class Forbidden(BaobabError):
    status_code = 403
    code = "forbidden"


class NotFound(BaobabError):
    status_code = 404
    code = "not_found"


class Conflict(BaobabError):
    status_code = 409
    code = "conflict"


class TooLarge(BaobabError):
    status_code = 413
    code = "too_large"


class RateLimited(BaobabError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, retry_after_s: int | None = None) -> None:
        super().__init__(
            detail, headers={"Retry-After": str(retry_after_s)} if retry_after_s else None
        )


class Unavailable(BaobabError):
    status_code = 503
    code = "unavailable"


_STATUS_CODES = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """Return the JSON body every Baobab error carries."""
    return {"error": code, "detail": detail, "request_id": request_id_var.get(), **extra}


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        out.append({"field": ".".join(loc) or "body", "message": str(err.get("msg", "invalid"))})
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every expected failure into a JSON 4xx."""

    async def on_baobab(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BaobabError)
        if exc.status_code >= 500:
            log.error("request failed: %s", exc.detail)
        return JSONResponse(
            error_body(exc.code, exc.detail, **exc.extra),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _validation_errors(exc)
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return JSONResponse(
            error_body("invalid_input", f"invalid request: {summary}", errors=errors),
            status_code=400,
        )

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _STATUS_CODES.get(exc.status_code, "error")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)

    app.add_exception_handler(BaobabError, on_baobab)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
