"""Image classifiers through the gateway with the `feersum-nlu==2.0.46` client, real processes."""

from __future__ import annotations

import feersum_nlu
import httpx
import pytest
from feersum_nlu.rest import ApiException

from scripts.stack import Stack
from tests.e2e.conftest import client_operations, public_operations
from tests.e2e.test_feersum_client import client_for, new_tenant_key, status_of
from tests.vision_service.support import discs, encode, stripes


def image_samples(count: int, start: int = 0) -> list[feersum_nlu.LabelledImageSample]:
    out = []
    for i in range(start, start + count):
        out.append(feersum_nlu.LabelledImageSample(image=encode(discs(i)), label="discs"))
        out.append(feersum_nlu.LabelledImageSample(image=encode(stripes(i)), label="stripes"))
    return out


def test_image_classifier_lifecycle_with_the_client(stack: Stack) -> None:
    api = feersum_nlu.ImageClassifiersApi(client_for(stack, new_tenant_key(stack, "images")))
    created = api.image_classifier_create(
        feersum_nlu.ImageClassifierCreateDetails(
            name="shapes", long_name="Shapes", load_from_store=False
        )
    )
    assert created.name == "shapes" and created.long_name == "Shapes"
    added = api.image_classifier_add_training_samples("shapes", image_samples(5))
    assert len(added) == 10 and all(s.uuid for s in added)
    api.image_classifier_add_testing_samples("shapes", image_samples(2, start=50))
    details = api.image_classifier_train("shapes", feersum_nlu.TrainDetails(immediate_mode=True))
    assert details.training_stamp and details.training_accuracy == 1.0
    assert details.testing_accuracy == 1.0 and details.num_testing_samples == 4

    for image, label in ((discs(90, (600, 400)), "discs"), (stripes(91, (300, 500)), "stripes")):
        ranked = api.image_classifier_retrieve(
            "shapes", feersum_nlu.ImageInput(image=encode(image, "PNG"))
        )
        assert ranked[0].label == label and ranked[0].probability > 0.5
    assert sorted(api.image_classifier_get_labels("shapes")) == ["discs", "stripes"]
    page = api.image_classifier_get_training_samples("shapes", index=2, len=3)
    assert [s.uuid for s in page] == [s.uuid for s in added[2:5]]
    assert [d.name for d in api.image_classifier_get_details_all()] == ["shapes"]

    with pytest.raises(ApiException) as exc:
        api.image_classifier_retrieve("shapes", feersum_nlu.ImageInput(image="bm90IGFuIGltYWdl"))
    assert status_of(exc) == 400
    with pytest.raises(ApiException) as exc:
        api.image_classifier_retrieve("shapes", feersum_nlu.ImageInput(url="http://127.0.0.1/x"))
    assert status_of(exc) == 400

    api.image_classifier_del("shapes")
    api.image_classifier_create(
        feersum_nlu.ImageClassifierCreateDetails(name="shapes", load_from_store=True)
    )
    api.image_classifier_vaporise("shapes")
    with pytest.raises(ApiException) as exc:
        api.image_classifier_get_details("shapes")
    assert status_of(exc) == 404


def test_another_tenant_gets_404_for_image_classifiers(stack: Stack) -> None:
    owner = feersum_nlu.ImageClassifiersApi(client_for(stack, new_tenant_key(stack, "img owner")))
    intruder = feersum_nlu.ImageClassifiersApi(
        client_for(stack, new_tenant_key(stack, "img intruder"))
    )
    owner.image_classifier_create(
        feersum_nlu.ImageClassifierCreateDetails(name="mine", load_from_store=False)
    )
    owner.image_classifier_add_training_samples("mine", image_samples(3))
    owner.image_classifier_train("mine", feersum_nlu.TrainDetails(immediate_mode=True))
    image = feersum_nlu.ImageInput(image=encode(discs(5)))
    for call in (
        lambda: intruder.image_classifier_get_details("mine"),
        lambda: intruder.image_classifier_retrieve("mine", image),
        lambda: intruder.image_classifier_get_training_samples("mine"),
        lambda: intruder.image_classifier_del("mine"),
    ):
        with pytest.raises(ApiException) as exc:
            call()
        assert status_of(exc) == 404
    assert intruder.image_classifier_get_details_all() == []
    assert owner.image_classifier_retrieve("mine", image)[0].label == "discs"


def test_the_public_openapi_document_lists_the_image_classifier_operations(stack: Stack) -> None:
    operations, paths = public_operations(stack, "/vision/v2/image_classifiers")
    client_ops = client_operations(feersum_nlu.ImageClassifiersApi, "image_classifier_")
    assert client_ops <= operations
    assert not [p for p in paths if p.startswith("/nlu/v2/image_")]


def test_the_image_regressor_tag_says_it_is_our_extension(stack: Stack) -> None:
    doc = httpx.get(stack.url("gateway") + "/openapi.json", timeout=30).json()
    tags = {t["name"]: t.get("description", "") for t in doc.get("tags", [])}
    assert "Baobab extension" in tags["image_regressors"]
    assert any(p.startswith("/vision/v2/image_regressors") for p in doc["paths"])
