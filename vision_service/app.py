"""The vision service app: `uvicorn --factory vision_service.app:create_app`.

The lifespan loads the shared image backbone, the generic detector and the generic reader
once, starts the backbone's micro-batching thread and warms everything, opens the
model-store client and the hot head caches, and starts this replica's training worker (it
claims the `vision` service's jobs of the model types it can train: image detectors only
where torch is installed, see `Settings.train_detectors`); everything is closed again
after `yield`.

Every image resource answers at `/vision/v2/<resource>` and, for clients older than 2.0.46,
at `/nlu/v2/<resource>` (the same operations, left out of the OpenAPI document so each
operationId appears once).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from nlu_service.classifiers.endpoints import build_router
from nlu_service.classifiers.service import head_nbytes, retrieve_view
from nlu_service.engine import RoutedClassifier
from nlu_service.metrics import register_encoder
from nlu_service.training.worker import Trainer, TrainingWorker
from shared import (
    BodySizeLimitMiddleware,
    HotModelCache,
    ModelStoreClient,
    RequestContextMiddleware,
    add_probes,
    configure_logging,
    install_error_handlers,
    instrument,
    internal_caller_dependency,
    model_service_ready,
    serve_openapi,
)
from vision_service.config import Settings
from vision_service.engine import ImageBackbone
from vision_service.engine.box_detector import BoxDetector
from vision_service.engine.detector import ObjectDetector
from vision_service.engine.feature_maps import FeatureMaps
from vision_service.engine.ocr import TextReader
from vision_service.engine.regression import ImageRegressor
from vision_service.features import ImageBatcher, ImageEmbedder
from vision_service.image_classifiers.service import (
    IMAGE_CLASSIFIERS,
    LEGACY_IMAGE_CLASSIFIERS,
    MODEL_TYPE,
    ImageClassifierService,
)
from vision_service.image_classifiers.training import run_image_classifier_job
from vision_service.image_datasets.endpoints import LEGACY_PATH as LEGACY_IMAGE_DATASETS
from vision_service.image_datasets.endpoints import build_router as build_datasets_router
from vision_service.image_datasets.service import ImageDatasetService
from vision_service.image_detectors.service import ImageDetectorService
from vision_service.image_detectors.tenant import IMAGE_DETECTORS, DetectorService
from vision_service.image_detectors.tenant import MODEL_TYPE as DETECTOR_TYPE
from vision_service.image_detectors.training import run_image_detector_job
from vision_service.image_readers.endpoints import LEGACY_PATH as LEGACY_IMAGE_READERS
from vision_service.image_readers.endpoints import build_router as build_readers_router
from vision_service.image_readers.service import OCR_THREADS, ImageReaderService
from vision_service.image_regressors.service import (
    IMAGE_REGRESSORS,
    LEGACY_IMAGE_REGRESSORS,
    ImageRegressorService,
)
from vision_service.image_regressors.service import MODEL_TYPE as REGRESSOR_TYPE
from vision_service.image_regressors.training import run_image_regressor_job
from vision_service.inputs import image_limits

log = logging.getLogger("baobab.vision")


def _operation_id(route: APIRoute) -> str:
    # Every public route names its Feersum operationId; the rest fall back to their name.
    return route.operation_id or route.name


def create_app(
    settings: Settings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """Return the vision service app; `transports["model_store"]` routes store calls in-process."""
    settings = settings or Settings()
    transports = transports or {}
    configure_logging("vision", settings.log_level, settings.log_json)
    # Detector training needs torch: only the trainer image (or a dev venv) has it.
    trains_detectors = settings.trains_detectors

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        backbone = await asyncio.to_thread(
            ImageBackbone.load, settings.resolved_models_dir, threads=settings.encoder_threads
        )
        detector = await asyncio.to_thread(
            ObjectDetector.load, settings.resolved_models_dir, threads=settings.encoder_threads
        )
        text_reader = await asyncio.to_thread(TextReader.load, threads=OCR_THREADS)
        maps = await asyncio.to_thread(
            FeatureMaps.load, settings.resolved_models_dir, threads=settings.encoder_threads
        )
        batcher = ImageBatcher(
            ImageEmbedder(backbone),
            max_batch=settings.batch_max_size,
            max_wait_s=settings.batch_max_wait_ms / 1000,
            capacity=settings.queue_capacity,
        )
        batcher.start()
        store = ModelStoreClient(
            settings.model_store_url,
            settings.internal_secret,
            transport=transports.get("model_store"),
        )
        cache: HotModelCache[RoutedClassifier] = HotModelCache(
            store,
            RoutedClassifier.from_bytes,
            trim=retrieve_view,
            head_bytes=head_nbytes,
            **settings.cache_options(),
        )

        # Image regressors keep another kind of head: their own hot cache (same namespace).
        regressor_cache: HotModelCache[ImageRegressor] = HotModelCache(
            store,
            ImageRegressor.from_bytes,
            trim=retrieve_view,
            head_bytes=lambda head: head.nbytes,
            **settings.cache_options(),
        )

        # Tenant detectors: box heads, a third kind (same namespace).
        detector_cache: HotModelCache[BoxDetector] = HotModelCache(
            store, BoxDetector.from_bytes, trim=retrieve_view, **settings.cache_options()
        )
        caches: dict[str, HotModelCache[Any]] = {
            REGRESSOR_TYPE: regressor_cache,
            DETECTOR_TYPE: detector_cache,
        }

        async def on_trained(job: dict[str, Any]) -> None:
            kind_cache = caches.get(job["model_type"], cache)
            await kind_cache.bump(job["tenant"], job["model_type"], job["model_name"])

        trainers: dict[str, Trainer] = {
            MODEL_TYPE: functools.partial(
                run_image_classifier_job, store, batcher, image_limits(settings)
            ),
            REGRESSOR_TYPE: functools.partial(
                run_image_regressor_job, store, batcher, image_limits(settings)
            ),
        }
        if trains_detectors:
            trainers[DETECTOR_TYPE] = functools.partial(
                run_image_detector_job, store, maps, image_limits(settings)
            )
        worker = TrainingWorker(
            store,
            trainers,
            service="vision",
            lease_s=settings.worker_lease_s,
            heartbeat_s=settings.worker_heartbeat_s,
            poll_interval_s=settings.worker_poll_interval_s,
            on_trained=on_trained,
        )
        service = ImageClassifierService(
            store,
            cache,
            batcher,
            settings,
            wake_worker=worker.wake if settings.worker_enabled else None,
        )
        app.state.batcher = batcher
        app.state.store = store
        app.state.cache = cache
        app.state.worker = worker
        app.state.image_classifiers = service
        app.state.image_regressors = ImageRegressorService(
            store,
            regressor_cache,
            batcher,
            settings,
            wake_worker=worker.wake if settings.worker_enabled else None,
        )
        app.state.image_datasets = ImageDatasetService(store, cache, settings, service)
        app.state.image_detectors = DetectorService(
            store,
            detector_cache,
            batcher,
            settings,
            generic=ImageDetectorService(detector, settings),
            maps=maps,
            wake_worker=worker.wake if settings.worker_enabled and trains_detectors else None,
        )
        app.state.image_readers = ImageReaderService(text_reader, settings)
        unregister = register_encoder(batcher, backbone="efficientnet_lite0")
        worker_task: asyncio.Task[None] | None = None
        try:
            await batcher.warmup()
            await asyncio.to_thread(detector.warmup)
            await asyncio.to_thread(text_reader.warmup)
            app.state.models_warm = True
            app.state.trains = worker.model_types if settings.worker_enabled else []
            log.info(
                "this replica trains %s%s",
                ", ".join(app.state.trains) or "nothing (BAOBAB_WORKER_ENABLED is false)",
                ""
                if trains_detectors or not settings.worker_enabled
                else f"; {DETECTOR_TYPE} jobs wait for a replica with torch (the trainer image)",
            )
            if settings.worker_enabled:
                worker_task = asyncio.create_task(worker.run(), name="vision-training-worker")
            yield
        finally:
            if worker_task is not None:
                worker_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker_task
            unregister()
            await batcher.aclose()
            await cache.aclose()
            await regressor_cache.aclose()
            await detector_cache.aclose()
            await store.aclose()

    app = FastAPI(
        title="Baobab vision service",
        version="2.0.46",
        description="Image models of the Feersum NLU v2 API: image classifiers, datasets, the generic "
        "detector and reader, and image regressors (a Baobab extension).",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        generate_unique_id_function=_operation_id,
        openapi_tags=[
            {
                "name": "image_regressors",
                "description": "Baobab extension (not in the Feersum spec): images scored with a "
                "number (image assessment), shaped like image classifiers.",
            }
        ],
    )
    app.state.settings = settings
    app.state.verify_caller = internal_caller_dependency(settings.internal_secret)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    app.include_router(build_router(IMAGE_CLASSIFIERS))
    app.include_router(build_router(LEGACY_IMAGE_CLASSIFIERS), include_in_schema=False)
    app.include_router(build_router(IMAGE_REGRESSORS))
    app.include_router(build_router(LEGACY_IMAGE_REGRESSORS), include_in_schema=False)
    app.include_router(build_datasets_router())
    app.include_router(build_datasets_router(LEGACY_IMAGE_DATASETS), include_in_schema=False)
    app.include_router(build_router(IMAGE_DETECTORS))
    app.include_router(build_readers_router())
    app.include_router(build_readers_router(LEGACY_IMAGE_READERS), include_in_schema=False)

    async def ready() -> dict[str, Any]:
        batcher: ImageBatcher | None = getattr(app.state, "batcher", None)
        warm = batcher is not None and batcher.warmed
        # `trains`: the model types whose training jobs this replica's worker claims.
        trains = list(getattr(app.state, "trains", []))
        return await model_service_ready(app.state, {"backbone": warm}, {"trains": trains})

    add_probes(app, ready)
    instrument(app)
    serve_openapi(app)
    return app
