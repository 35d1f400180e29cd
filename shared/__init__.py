"""Baobab's common library: settings, errors, internal auth, logging, database and app plumbing.

Services import from `shared` only; its private modules may move.
"""

from shared import wire
from shared._cache import CacheState, HotModelCache, ModelSource
from shared._db import (
    create_db_engine,
    is_sqlite,
    new_metadata,
    normalize_database_url,
    run_alembic_env,
    session_maker,
    upgrade_database,
    upgrade_database_async,
)
from shared._errors import (
    BaobabError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthorized,
    Unavailable,
    error_body,
    install_error_handlers,
)
from shared._internal_auth import (
    REQUEST_ID_HEADER,
    SIGNATURE_HEADER,
    SYSTEM_TENANT,
    TENANT_HEADER,
    TIMESTAMP_HEADER,
    InternalCaller,
    sign_headers,
    verify_headers,
)
from shared._logging import configure_logging, request_id_var, tenant_var
from shared._service import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    add_probes,
    instrument,
    internal_caller_dependency,
    model_service_ready,
    serve_openapi,
)
from shared._settings import PROJECT_ROOT, ServiceSettings, read_or_create_secret
from shared._store_client import ModelStoreClient

__all__ = [
    "PROJECT_ROOT",
    "REQUEST_ID_HEADER",
    "SIGNATURE_HEADER",
    "SYSTEM_TENANT",
    "TENANT_HEADER",
    "TIMESTAMP_HEADER",
    "BaobabError",
    "BodySizeLimitMiddleware",
    "CacheState",
    "Conflict",
    "Forbidden",
    "HotModelCache",
    "InternalCaller",
    "InvalidInput",
    "ModelSource",
    "ModelStoreClient",
    "NotFound",
    "RateLimited",
    "RequestContextMiddleware",
    "ServiceSettings",
    "TooLarge",
    "Unauthorized",
    "Unavailable",
    "add_probes",
    "configure_logging",
    "create_db_engine",
    "error_body",
    "install_error_handlers",
    "instrument",
    "internal_caller_dependency",
    "is_sqlite",
    "model_service_ready",
    "new_metadata",
    "normalize_database_url",
    "read_or_create_secret",
    "request_id_var",
    "run_alembic_env",
    "serve_openapi",
    "session_maker",
    "sign_headers",
    "tenant_var",
    "upgrade_database",
    "upgrade_database_async",
    "verify_headers",
    "wire",
]
