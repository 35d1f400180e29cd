"""Image datasets through the gateway with the `feersum-nlu==2.0.46` client, real processes."""

from __future__ import annotations

from collections.abc import Callable

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException

from scripts.stack import Stack
from tests.e2e.conftest import client_operations, public_operations
from tests.e2e.test_feersum_client import client_for, new_tenant_key, status_of
from tests.e2e.test_image_classifiers import image_samples
from tests.vision_service.support import discs, encode


def test_image_dataset_lifecycle_with_the_client(stack: Stack) -> None:
    api = feersum_nlu.ImageDatasetsApi(client_for(stack, new_tenant_key(stack, "image sets")))
    created = api.image_dataset_create(
        feersum_nlu.ImageDatasetCreateDetails(
            name="photos", long_name="Photos", desc="e2e", load_from_store=False
        )
    )
    assert created.name == "photos" and created.long_name == "Photos" and created.id
    added = api.image_dataset_add_samples("photos", image_samples(3))
    assert len(added) == 6 and all(s.uuid for s in added)
    assert [s.image for s in added] == [s.image for s in image_samples(3)]
    assert api.image_dataset_add_samples("photos", image_samples(1)) == []
    page = api.image_dataset_get_samples("photos", index=1, len=2)
    assert [s.uuid for s in page] == [s.uuid for s in added[1:3]]
    assert len(api.image_dataset_get_samples("photos", sub_sample=4)) == 4
    assert api.image_dataset_get_labels("photos") == ["discs", "stripes"]

    updated = api.image_dataset_update_samples(
        "photos", [feersum_nlu.LabelledImageSample(uuid=added[0].uuid, label="circles")]
    )
    assert updated[0].label == "circles" and updated[0].image == added[0].image
    gone = api.image_dataset_del_samples(
        "photos",
        [
            feersum_nlu.LabelledImageSample(uuid=added[1].uuid),
            feersum_nlu.LabelledImageSample(image=added[2].image),
        ],
    )
    assert {s.uuid for s in gone} == {added[1].uuid, added[2].uuid}
    assert len(api.image_dataset_get_samples("photos")) == 4

    api.image_dataset_set_params("photos", feersum_nlu.ModelParams(desc="new", readonly=True))
    params = api.image_dataset_get_params("photos")
    assert params.desc == "new" and params.readonly is True
    with pytest.raises(ApiException) as exc:
        api.image_dataset_del_samples_all("photos")
    assert status_of(exc) == 400
    api.image_dataset_set_params("photos", feersum_nlu.ModelParams(readonly=False))
    assert len(api.image_dataset_del_samples_all("photos")) == 4

    bad = [feersum_nlu.LabelledImageSample(image="bm90IGFuIGltYWdl", label="discs")]
    with pytest.raises(ApiException) as exc:
        api.image_dataset_add_samples("photos", bad)
    assert status_of(exc) == 400
    no_label = [feersum_nlu.LabelledImageSample(image=encode(discs(1)))]
    with pytest.raises(ApiException) as exc:
        api.image_dataset_add_samples("photos", no_label)
    assert status_of(exc) == 400

    api.image_dataset_add_samples("photos", image_samples(1))
    assert api.image_dataset_del("photos").name == "photos"
    assert api.image_dataset_get_details_all() == []
    restored = api.image_dataset_create(
        feersum_nlu.ImageDatasetCreateDetails(name="photos", load_from_store=True)
    )
    assert restored.name == "photos"
    assert len(api.image_dataset_get_samples("photos")) == 2
    assert [d.name for d in api.image_dataset_get_details_all()] == ["photos"]
    api.image_dataset_vaporise("photos")
    with pytest.raises(ApiException) as exc:
        api.image_dataset_get_details("photos")
    assert status_of(exc) == 404


def test_another_tenant_gets_404_for_image_datasets(stack: Stack) -> None:
    owner = feersum_nlu.ImageDatasetsApi(client_for(stack, new_tenant_key(stack, "set owner")))
    intruder = feersum_nlu.ImageDatasetsApi(
        client_for(stack, new_tenant_key(stack, "set intruder"))
    )
    owner.image_dataset_create(
        feersum_nlu.ImageDatasetCreateDetails(name="mine", load_from_store=False)
    )
    owner.image_dataset_add_samples("mine", image_samples(2))
    calls: list[Callable[[], object]] = [
        lambda: intruder.image_dataset_get_details("mine"),
        lambda: intruder.image_dataset_get_samples("mine"),
        lambda: intruder.image_dataset_add_samples("mine", image_samples(1, start=9)),
        lambda: intruder.image_dataset_get_labels("mine"),
        lambda: intruder.image_dataset_del_samples_all("mine"),
        lambda: intruder.image_dataset_del("mine"),
        lambda: intruder.image_dataset_vaporise("mine"),
    ]
    for call in calls:
        with pytest.raises(ApiException) as exc:
            call()
        assert status_of(exc) == 404
    assert intruder.image_dataset_get_details_all() == []
    assert len(owner.image_dataset_get_samples("mine")) == 4


def test_the_public_openapi_document_lists_the_image_dataset_operations(stack: Stack) -> None:
    operations, paths = public_operations(stack, "/vision/v2/image_datasets")
    client_ops = client_operations(feersum_nlu.ImageDatasetsApi, "image_dataset_")
    assert client_ops == operations
    assert not [p for p in paths if p.startswith("/nlu/v2/image_datasets")]
