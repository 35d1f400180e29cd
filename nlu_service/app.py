"""The NLU service app: `uvicorn --factory nlu_service.app:create_app`.

The lifespan loads the shared text encoder once, starts its micro-batching thread and
warms it, opens the model-store client and the hot model cache, and starts this
replica's training worker; everything is closed again after `yield`.
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

from nlu_service.classifiers.service import ClassifierService
from nlu_service.classifiers.training import run_classifier_job
from nlu_service.config import Settings
from nlu_service.dashboard.endpoints import router as dashboard_router
from nlu_service.dashboard.service import DashboardService
from nlu_service.data_objects.endpoints import router as data_objects_router
from nlu_service.data_objects.service import DataObjectService
from nlu_service.date_parsers.endpoints import router as date_parsers_router
from nlu_service.date_parsers.service import DateParserService
from nlu_service.duckling_entity_extractors.endpoints import router as duckling_extractors_router
from nlu_service.duckling_entity_extractors.service import DucklingEntityExtractorService
from nlu_service.emotion_classifiers.endpoints import router as emotion_classifiers_router
from nlu_service.emotion_classifiers.service import EmotionClassifierService
from nlu_service.encoding import BatchingEncoder
from nlu_service.engine import RoutedClassifier, TextEncoder
from nlu_service.engine.dates import DateParser
from nlu_service.engine.duckling import DucklingExtractor
from nlu_service.engine.emotions import EmotionClassifier
from nlu_service.engine.person_names import PersonNameExtractor
from nlu_service.engine.sentiment import SentimentDetector
from nlu_service.entity_extractors.endpoints import crf_router as crf_extractors_router
from nlu_service.entity_extractors.endpoints import synonym_router as synonym_extractors_router
from nlu_service.entity_extractors.service import (
    CRF,
    SYNONYM,
    EntityExtractorService,
    load_extractor,
)
from nlu_service.entity_extractors.training import run_entity_extractor_job
from nlu_service.faq_matchers.endpoints import router as faq_matchers_router
from nlu_service.faq_matchers.service import FAQ_MATCHERS
from nlu_service.intent_classifiers.endpoints import router as intent_classifiers_router
from nlu_service.intent_classifiers.service import INTENT_CLASSIFIERS
from nlu_service.language_recognisers.endpoints import lr4_router as lr4_recognisers_router
from nlu_service.language_recognisers.endpoints import router as language_recognisers_router
from nlu_service.language_recognisers.service import LanguageRecogniserService, load_identifiers
from nlu_service.metrics import register_encoder
from nlu_service.person_name_entity_extractors.endpoints import (
    router as person_name_extractors_router,
)
from nlu_service.person_name_entity_extractors.service import PersonNameEntityExtractorService
from nlu_service.regex_entity_extractors.endpoints import router as regex_extractors_router
from nlu_service.regex_entity_extractors.service import RegexEntityExtractorService
from nlu_service.sentiment_detectors.endpoints import router as sentiment_detectors_router
from nlu_service.sentiment_detectors.service import SentimentDetectorService
from nlu_service.sim_word_entity_extractors.endpoints import router as sim_word_extractors_router
from nlu_service.sim_word_entity_extractors.service import SimWordEntityExtractorService
from nlu_service.text_classifiers.endpoints import router as text_classifiers_router
from nlu_service.text_classifiers.service import (
    MODEL_TYPE,
    TextClassifierService,
    head_nbytes,
    retrieve_view,
)
from nlu_service.text_classifiers.training import run_text_classifier_job
from nlu_service.text_datasets.endpoints import router as text_datasets_router
from nlu_service.text_datasets.service import TextDatasetService
from nlu_service.training.worker import TrainingWorker
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

log = logging.getLogger("baobab.nlu")


def _operation_id(route: APIRoute) -> str:
    # Every public route names its Feersum operationId; the rest fall back to their name.
    return route.operation_id or route.name


def create_app(
    settings: Settings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """Return the NLU service app; `transports["model_store"]` routes store calls in-process."""
    settings = settings or Settings()
    transports = transports or {}
    configure_logging("nlu", settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        text_encoder = await asyncio.to_thread(
            TextEncoder.load, settings.resolved_models_dir, threads=settings.encoder_threads
        )
        encoder = BatchingEncoder(
            text_encoder,
            max_batch=settings.batch_max_size,
            max_wait_s=settings.batch_max_wait_ms / 1000,
            capacity=settings.queue_capacity,
        )
        encoder.start()
        store = ModelStoreClient(
            settings.model_store_url,
            settings.internal_secret,
            transport=transports.get("model_store"),
        )
        # Plain heads and language-routed ones (intent classifiers, FAQ matchers) alike.
        cache: HotModelCache[RoutedClassifier] = HotModelCache(
            store,
            RoutedClassifier.from_bytes,
            trim=retrieve_view,
            head_bytes=head_nbytes,
            **settings.cache_options(),
        )

        # CRF and synonym extractors load other artifacts: their own hot cache (same namespace).
        entity_cache: HotModelCache[Any] = HotModelCache(
            store,
            load_extractor,
            **settings.cache_options(),
        )

        async def on_trained(job: dict[str, Any]) -> None:
            await cache.bump(job["tenant"], job["model_type"], job["model_name"])
            if job["model_type"] in (CRF.model_type, SYNONYM.model_type):
                await entity_cache.bump(job["tenant"], job["model_type"], job["model_name"])

        worker = TrainingWorker(
            store,
            {
                MODEL_TYPE: functools.partial(
                    run_text_classifier_job, store, encoder.as_text_encoder()
                ),
                **{
                    family.model_type: functools.partial(
                        run_classifier_job, family, store, encoder.as_text_encoder()
                    )
                    for family in (INTENT_CLASSIFIERS, FAQ_MATCHERS)
                },
                **{
                    kind.model_type: functools.partial(run_entity_extractor_job, store)
                    for kind in (CRF, SYNONYM)
                },
            },
            service="nlu",
            lease_s=settings.worker_lease_s,
            heartbeat_s=settings.worker_heartbeat_s,
            poll_interval_s=settings.worker_poll_interval_s,
            on_trained=on_trained,
        )
        app.state.encoder = encoder
        app.state.store = store
        app.state.cache = cache
        app.state.worker = worker
        # The language-identification models: recognisers answer with them, classifiers route.
        identifiers = await asyncio.to_thread(load_identifiers)
        app.state.text_classifiers = TextClassifierService(
            store,
            cache,
            encoder,
            settings,
            wake_worker=worker.wake if settings.worker_enabled else None,
        )
        for family in (INTENT_CLASSIFIERS, FAQ_MATCHERS):
            setattr(
                app.state,
                family.tag,
                ClassifierService(
                    family,
                    store,
                    cache,
                    encoder,
                    settings,
                    wake_worker=worker.wake if settings.worker_enabled else None,
                    identifiers=identifiers,
                ),
            )
        for kind in (CRF, SYNONYM):
            setattr(
                app.state,
                kind.tag,
                EntityExtractorService(
                    kind,
                    store,
                    entity_cache,
                    settings,
                    wake_worker=worker.wake if settings.worker_enabled else None,
                ),
            )
        app.state.emotion_classifiers = EmotionClassifierService(
            await asyncio.to_thread(EmotionClassifier.load), encoder, settings
        )
        app.state.sentiment_detectors = SentimentDetectorService(
            await asyncio.to_thread(SentimentDetector.load), settings
        )
        date_parsers = DateParserService(DateParser(), settings)
        app.state.date_parsers = date_parsers
        app.state.regex_entity_extractors = RegexEntityExtractorService(store, cache, settings)
        app.state.duckling_entity_extractors = DucklingEntityExtractorService(
            store, cache, DucklingExtractor(date_parsers.parser), settings
        )
        app.state.person_name_entity_extractors = PersonNameEntityExtractorService(
            store, cache, await asyncio.to_thread(PersonNameExtractor.load), settings
        )
        app.state.sim_word_entity_extractors = SimWordEntityExtractorService(
            store, cache, encoder, settings
        )
        app.state.text_datasets = TextDatasetService(store, settings)
        app.state.data_objects = DataObjectService(store, settings)
        app.state.dashboard = DashboardService(store)
        app.state.language_recognisers = LanguageRecogniserService(
            store, cache, identifiers, settings
        )
        unregister = register_encoder(encoder)
        worker_task: asyncio.Task[None] | None = None
        try:
            await encoder.warmup()
            await date_parsers.warmup()
            app.state.models_warm = True
            if settings.worker_enabled:
                worker_task = asyncio.create_task(worker.run(), name="nlu-training-worker")
            yield
        finally:
            if worker_task is not None:
                worker_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker_task
            unregister()
            date_parsers.close()
            await encoder.aclose()
            await cache.aclose()
            await entity_cache.aclose()
            await store.aclose()

    app = FastAPI(
        title="Baobab NLU service",
        version="2.0.46",
        description="Text models of the Feersum NLU v2 API: text classifiers.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.verify_caller = internal_caller_dependency(settings.internal_secret)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    app.include_router(text_classifiers_router)
    app.include_router(intent_classifiers_router)
    app.include_router(faq_matchers_router)
    app.include_router(sentiment_detectors_router)
    app.include_router(emotion_classifiers_router)
    app.include_router(date_parsers_router)
    app.include_router(regex_extractors_router)
    app.include_router(crf_extractors_router)
    app.include_router(synonym_extractors_router)
    app.include_router(duckling_extractors_router)
    app.include_router(person_name_extractors_router)
    app.include_router(sim_word_extractors_router)
    app.include_router(language_recognisers_router)
    app.include_router(lr4_recognisers_router)
    app.include_router(text_datasets_router)
    app.include_router(data_objects_router)
    app.include_router(dashboard_router)

    async def ready() -> dict[str, Any]:
        encoder: BatchingEncoder | None = getattr(app.state, "encoder", None)
        warm = encoder is not None and encoder.warmed
        return await model_service_ready(app.state, {"encoder": warm})

    add_probes(app, ready)
    instrument(app)
    serve_openapi(app)
    return app
