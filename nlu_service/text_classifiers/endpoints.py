"""Routes of `/nlu/v2/text_classifiers`: the 24 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from nlu_service.deps import TenantDep, TextClassifiersDep
from nlu_service.text_classifiers.service import SampleKind
from shared.wire import (
    ClassLabelPair,
    ErrorBody,
    LabelledTextSample,
    ModelParams,
    ScoredLabel,
    TextClassifierCreateDetails,
    TextClassifierInstanceDetail,
    TextInput,
    TrainDetails,
    TsneSample,
    TsneSettings,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no model of that name"},
    413: {"model": ErrorBody, "description": "too many samples, or a body over the size limit"},
    429: {"model": ErrorBody, "description": "rate limited, or the encoder queue is full"},
}

router = APIRouter(prefix="/nlu/v2/text_classifiers", tags=["text_classifiers"], responses=ERRORS)

InstanceName = Annotated[str, Path(description="The name of the model instance.")]
Samples = Annotated[list[LabelledTextSample], Body(description="List of labelled text samples.")]
Index = Annotated[int, Query(description="The sample index to start from.")]
Length = Annotated[int | None, Query(alias="len", description="The number of samples to return.")]

DETAIL: dict[str, Any] = {
    "response_model": TextClassifierInstanceDetail,
    "response_model_exclude_none": True,
}
SAMPLES: dict[str, Any] = {
    "response_model": list[LabelledTextSample],
    "response_model_exclude_none": True,
}


@router.post(
    "", operation_id="text_classifier_create", summary="Create a text classifier.", **DETAIL
)
async def create(
    tenant: TenantDep, service: TextClassifiersDep, create_details: TextClassifierCreateDetails
) -> TextClassifierInstanceDetail:
    """Create a new text classifier or reload one from the trash. Returns the details of the new or loaded instance."""
    return await service.create(tenant, create_details)


@router.get(
    "",
    operation_id="text_classifier_get_details_all",
    summary="Get list of loaded text classifiers.",
    response_model=list[TextClassifierInstanceDetail],
    response_model_exclude_none=True,
)
async def get_details_all(
    tenant: TenantDep, service: TextClassifiersDep
) -> list[TextClassifierInstanceDetail]:
    """Get the list of loaded text classifiers."""
    return await service.list_all(tenant)


@router.get(
    "/{instance_name}",
    operation_id="text_classifier_get_details",
    summary="Get details of named instance.",
    **DETAIL,
)
async def get_details(
    tenant: TenantDep, service: TextClassifiersDep, instance_name: InstanceName
) -> TextClassifierInstanceDetail:
    """Get the details of the named text classifier instance."""
    return await service.details(tenant, instance_name)


@router.delete(
    "/{instance_name}",
    operation_id="text_classifier_del",
    summary="Delete named instance.",
    **DETAIL,
)
async def delete(
    tenant: TenantDep, service: TextClassifiersDep, instance_name: InstanceName
) -> TextClassifierInstanceDetail:
    """Move the named instance to the trash and return its details; `create` with `load_from_store` brings it back."""
    return await service.trash(tenant, instance_name)


@router.post(
    "/{instance_name}/vaporise",
    operation_id="text_classifier_vaporise",
    summary="Vaporise the named model.",
    **DETAIL,
)
async def vaporise(
    tenant: TenantDep, service: TextClassifiersDep, instance_name: InstanceName
) -> TextClassifierInstanceDetail:
    """Permanently vaporise a model even if not trashed: its samples and revisions go too."""
    return await service.vaporise(tenant, instance_name)


def _sample_routes(kind: SampleKind, path: str) -> None:
    """Add the five sample operations of one kind (training or testing)."""

    async def add(
        tenant: TenantDep,
        service: TextClassifiersDep,
        instance_name: InstanceName,
        labelled_text_sample_list: Samples,
    ) -> list[LabelledTextSample]:
        return await service.add_samples(tenant, instance_name, kind, labelled_text_sample_list)

    async def update(
        tenant: TenantDep,
        service: TextClassifiersDep,
        instance_name: InstanceName,
        labelled_text_sample_list: Samples,
    ) -> list[LabelledTextSample]:
        return await service.update_samples(tenant, instance_name, kind, labelled_text_sample_list)

    async def get(
        tenant: TenantDep,
        service: TextClassifiersDep,
        instance_name: InstanceName,
        index: Index = 0,
        length: Length = None,
    ) -> list[LabelledTextSample]:
        return await service.get_samples(tenant, instance_name, kind, index, length)

    async def delete(
        tenant: TenantDep,
        service: TextClassifiersDep,
        instance_name: InstanceName,
        labelled_text_sample_list: Samples,
    ) -> list[LabelledTextSample]:
        return await service.delete_samples(tenant, instance_name, kind, labelled_text_sample_list)

    async def delete_all(
        tenant: TenantDep, service: TextClassifiersDep, instance_name: InstanceName
    ) -> list[LabelledTextSample]:
        return await service.delete_all_samples(tenant, instance_name, kind)

    base = f"/{{instance_name}}/{path}"
    router.add_api_route(
        base,
        add,
        methods=["POST"],
        operation_id=f"text_classifier_add_{kind}_samples",
        summary=f"Add {kind} samples.",
        description=f"Add {kind} samples to named text classifier. Returns the samples added to the model.",
        **SAMPLES,
    )
    router.add_api_route(
        base,
        update,
        methods=["PUT"],
        operation_id=f"text_classifier_update_{kind}_samples",
        summary=f"Update {kind} samples by UUID.",
        description=f"Update {kind} samples of the named text classifier, found by uuid. Returns the samples updated.",
        **SAMPLES,
    )
    router.add_api_route(
        base,
        get,
        methods=["GET"],
        operation_id=f"text_classifier_get_{kind}_samples",
        summary=f"Get {kind} samples.",
        description=f"Get the {kind} samples of the named text classifier.",
        **SAMPLES,
    )
    router.add_api_route(
        base,
        delete,
        methods=["DELETE"],
        operation_id=f"text_classifier_del_{kind}_samples",
        summary=f"Delete {kind} samples.",
        description=f"Delete the listed {kind} samples (by uuid, else every sample with that text). Returns them.",
        **SAMPLES,
    )
    router.add_api_route(
        f"{base}_all",
        delete_all,
        methods=["DELETE"],
        operation_id=f"text_classifier_del_{kind}_samples_all",
        summary=f"Delete all {kind} samples.",
        description=f"Delete all {kind} samples of the named text classifier. Returns the deleted samples.",
        **SAMPLES,
    )


_sample_routes("training", "training_samples")
_sample_routes("testing", "testing_samples")


@router.post(
    "/{instance_name}/train",
    operation_id="text_classifier_train",
    summary="Train the named text classifier.",
    **DETAIL,
)
async def train(
    tenant: TenantDep,
    service: TextClassifiersDep,
    instance_name: InstanceName,
    train_details: TrainDetails,
) -> TextClassifierInstanceDetail:
    """Queue training on the samples already provided; with `immediate_mode` answer when it is done."""
    return await service.train(tenant, instance_name, train_details)


@router.post(
    "/{instance_name}/params",
    operation_id="text_classifier_set_params",
    summary="Set the model parameters of named text classifier.",
    **DETAIL,
)
async def set_params(
    tenant: TenantDep,
    service: TextClassifiersDep,
    instance_name: InstanceName,
    model_params: ModelParams,
) -> TextClassifierInstanceDetail:
    """Set long_name, desc, readonly, threshold or temperature; retrieve uses the new values at once."""
    return await service.set_params(tenant, instance_name, model_params)


@router.get(
    "/{instance_name}/params",
    operation_id="text_classifier_get_params",
    summary="Get the editable model parameters of named text classifier.",
    response_model=ModelParams,
    response_model_exclude_none=True,
)
async def get_params(
    tenant: TenantDep, service: TextClassifiersDep, instance_name: InstanceName
) -> ModelParams:
    """Get the editable model parameters of named text classifier."""
    return await service.get_params(tenant, instance_name)


@router.post(
    "/{instance_name}/online_training_samples",
    operation_id="text_classifier_online_training_samples",
    summary="Train/update the classifier online with the samples provided.",
    **SAMPLES,
)
async def online_training_samples(
    tenant: TenantDep,
    service: TextClassifiersDep,
    instance_name: InstanceName,
    labelled_text_sample_list: Samples,
) -> list[LabelledTextSample]:
    """Add the samples as training samples and queue a retrain with the model's last algorithm."""
    return await service.online_training_samples(tenant, instance_name, labelled_text_sample_list)


@router.post(
    "/{instance_name}/retrieve",
    operation_id="text_classifier_retrieve",
    summary="Classify text.",
    response_model=list[ScoredLabel],
)
async def retrieve(
    tenant: TenantDep,
    service: TextClassifiersDep,
    instance_name: InstanceName,
    text_input: TextInput,
) -> list[ScoredLabel]:
    """Classify the text and return a probability sorted list of classes."""
    return await service.retrieve(tenant, instance_name, text_input)


@router.get(
    "/{instance_name}/labels",
    operation_id="text_classifier_get_labels",
    summary="Get list of possible labels.",
    response_model=list[str],
)
async def get_labels(
    tenant: TenantDep, service: TextClassifiersDep, instance_name: InstanceName
) -> list[str]:
    """Return the classifier's list of possible class labels ([] until trained)."""
    return await service.labels(tenant, instance_name)


@router.post(
    "/{instance_name}/curate",
    operation_id="text_classifier_curate",
    summary="Endpoint to aid in the curation of a model instance.",
    **SAMPLES,
)
async def curate(
    tenant: TenantDep,
    service: TextClassifiersDep,
    instance_name: InstanceName,
    label_pair: ClassLabelPair,
) -> list[LabelledTextSample]:
    """Return the samples behind a cell of the training or testing confusion matrix."""
    return await service.curate(tenant, instance_name, label_pair)


@router.post(
    "/{instance_name}/tsne",
    operation_id="text_classifier_tsne_post",
    summary="Endpoint to start a TSNE process.",
    response_model=dict[str, Any],
    responses={200: {"description": "successful request"}},
)
async def tsne_post(
    tenant: TenantDep,
    service: TextClassifiersDep,
    instance_name: InstanceName,
    tsne_settings: TsneSettings,
) -> dict[str, Any]:
    """Run t-SNE over the training samples' embeddings; GET .../tsne reads the result."""
    await service.tsne_start(tenant, instance_name, tsne_settings)
    return {}


@router.get(
    "/{instance_name}/tsne",
    operation_id="text_classifier_tsne_get",
    summary="Get the latest results of TSNE.",
    response_model=list[TsneSample],
    response_model_exclude_none=True,
)
async def tsne_get(
    tenant: TenantDep, service: TextClassifiersDep, instance_name: InstanceName
) -> list[TsneSample]:
    """Get the latest results of TSNE ([] if never run)."""
    return await service.tsne_get(tenant, instance_name)
