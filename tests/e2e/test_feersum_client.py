"""The whole lifecycle through the gateway with the PyPI client `feersum-nlu==2.0.46`, unchanged.

Four real processes on loopback; the client talks to the gateway exactly as a bot would.
"""

from __future__ import annotations

import json
import time

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException

from scripts.stack import Stack

GREETINGS = [
    "hello there",
    "hi",
    "good morning",
    "hey, how are you",
    "howdy",
    "good evening to you",
]
GOODBYES = [
    "goodbye",
    "bye bye",
    "see you later",
    "cheers, talk soon",
    "farewell",
    "have a good night",
]
REFUNDS = ["I want my money back", "refund my order", "can I get a refund", "return this for a refund",
           "please reimburse me", "I was charged twice, refund it"]  # fmt: skip


def client_for(stack: Stack, key: str, legacy_header: bool = False) -> feersum_nlu.ApiClient:
    config = feersum_nlu.Configuration()
    config.host = stack.url("gateway")
    config.api_key["AUTH_TOKEN" if legacy_header else "X-Auth-Token"] = key
    return feersum_nlu.ApiClient(config)


def new_tenant_key(stack: Stack, desc: str) -> str:
    admin = feersum_nlu.ApiKeysApi(client_for(stack, stack.admin_key))
    created = admin.api_key_create(feersum_nlu.ApiKeyCreateDetails(desc=desc))
    assert created.api_key and created.desc == desc
    return str(created.api_key)


def samples(label_texts: dict[str, list[str]]) -> list[feersum_nlu.LabelledTextSample]:
    return [
        feersum_nlu.LabelledTextSample(text=t, label=label)
        for label, texts in label_texts.items()
        for t in texts
    ]


def wait_trained(api: feersum_nlu.TextClassifiersApi, name: str, timeout_s: float = 120) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        details = api.text_classifier_get_details(name)
        if details.training_stamp:
            return details
        time.sleep(0.3)
    raise AssertionError(f"{name} was not trained within {timeout_s}s")


def status_of(exc: pytest.ExceptionInfo[ApiException]) -> int:
    return int(exc.value.status)


def test_text_classifier_lifecycle_with_the_feersum_client(stack: Stack) -> None:
    key = new_tenant_key(stack, "e2e lifecycle")
    api = feersum_nlu.TextClassifiersApi(client_for(stack, key))
    name = "support_bot"

    created = api.text_classifier_create(
        feersum_nlu.TextClassifierCreateDetails(
            name=name, long_name="Support bot", desc="e2e", load_from_store=False
        )
    )
    assert created.name == name and created.long_name == "Support bot"
    assert [d.name for d in api.text_classifier_get_details_all()] == [name]

    added = api.text_classifier_add_training_samples(
        name, samples({"greeting": GREETINGS[:5], "goodbye": GOODBYES[:5], "refund": REFUNDS[:5]})
    )
    assert len(added) == 15 and all(s.uuid for s in added)
    tests = api.text_classifier_add_testing_samples(
        name, samples({"greeting": GREETINGS[5:], "goodbye": GOODBYES[5:], "refund": REFUNDS[5:]})
    )
    assert len(tests) == 3

    page = api.text_classifier_get_training_samples(name, index=2, len=4)
    assert [s.text for s in page] == [s.text for s in added[2:6]]

    # Update one sample's label by uuid, then put it back.
    moved = api.text_classifier_update_training_samples(
        name,
        [feersum_nlu.LabelledTextSample(uuid=added[0].uuid, text=added[0].text, label="goodbye")],
    )
    assert moved[0].label == "goodbye"
    api.text_classifier_update_training_samples(
        name,
        [feersum_nlu.LabelledTextSample(uuid=added[0].uuid, text=added[0].text, label="greeting")],
    )
    # Delete by text, then add it back.
    gone = api.text_classifier_del_training_samples(
        name, [feersum_nlu.LabelledTextSample(text=REFUNDS[4])]
    )
    assert [s.text for s in gone] == [REFUNDS[4]]
    api.text_classifier_add_training_samples(name, samples({"refund": [REFUNDS[4]]}))

    trained = api.text_classifier_train(
        name,
        feersum_nlu.TrainDetails(
            immediate_mode=True, clsfr_algorithm="logistic_regression", temperature=1.0
        ),
    )
    assert trained.training_stamp
    assert trained.num_training_samples == 15 and trained.num_testing_samples == 3
    assert trained.training_accuracy >= 0.9
    assert trained.testing_accuracy is not None
    assert set(trained.cm_labels) == {"greeting", "goodbye", "refund"}
    assert sorted(api.text_classifier_get_labels(name)) == ["goodbye", "greeting", "refund"]

    ranked = api.text_classifier_retrieve(
        name, feersum_nlu.TextInput(text="I need a refund for my purchase")
    )
    assert ranked[0].label == "refund"
    probs = [r.probability for r in ranked]
    assert probs == sorted(probs, reverse=True) and abs(sum(probs) - 1.0) < 1e-3

    # The legacy AUTH_TOKEN header works as well.
    legacy = feersum_nlu.TextClassifiersApi(client_for(stack, key, legacy_header=True))
    assert (
        legacy.text_classifier_retrieve(name, feersum_nlu.TextInput(text="hello!"))[0].label
        == "greeting"
    )

    params = api.text_classifier_get_params(name)
    assert params.long_name == "Support bot"
    sharper = api.text_classifier_set_params(
        name, feersum_nlu.ModelParams(temperature=0.2, desc="sharper")
    )
    assert sharper.temperature == pytest.approx(0.2) and sharper.desc == "sharper"
    sharp_top = api.text_classifier_retrieve(
        name, feersum_nlu.TextInput(text="I need a refund for my purchase")
    )[0]
    assert sharp_top.label == "refund" and sharp_top.probability > ranked[0].probability

    cell = api.text_classifier_curate(
        name,
        feersum_nlu.ClassLabelPair(
            true_label="refund", predicted_label="refund", matrix_name="train"
        ),
    )
    assert cell and all(s.label == "refund" for s in cell)

    api.text_classifier_tsne_post(name, feersum_nlu.TsneSettings(n_components=2, perplexity=5.0))
    points = api.text_classifier_tsne_get(name)
    assert len(points) == 15 and {p.label for p in points} == {"greeting", "goodbye", "refund"}

    # Online samples add data and retrain in the background; the client polls.
    online = api.text_classifier_online_training_samples(
        name, samples({"greeting": ["greetings, friend"], "goodbye": ["catch you later"]})
    )
    assert len(online) == 2
    polled = wait_trained(api, name)
    assert polled.num_training_samples == 17

    # Non-immediate training answers at once with an empty stamp, then the client polls.
    queued = api.text_classifier_train(
        name, feersum_nlu.TrainDetails(immediate_mode=False, clsfr_algorithm="svm")
    )
    assert queued.training_stamp == ""
    done = wait_trained(api, name)
    assert done.clsfr_algorithm == "svm"
    # The SVM revision answers: the held-out test samples and a plain unseen goodbye. (Not
    # "see ya", which sits on the greeting/goodbye boundary, about 0.54 to 0.46.)
    held_out = {GREETINGS[5]: "greeting", GOODBYES[5]: "goodbye", REFUNDS[5]: "refund"}
    for text, label in {**held_out, "bye for now": "goodbye"}.items():
        top = api.text_classifier_retrieve(name, feersum_nlu.TextInput(text=text))[0]
        assert top.label == label, (text, top)

    # Delete to trash, restore, then vaporise.
    api.text_classifier_del(name)
    with pytest.raises(ApiException) as missing:
        api.text_classifier_retrieve(name, feersum_nlu.TextInput(text="hello"))
    assert status_of(missing) == 404
    restored = api.text_classifier_create(
        feersum_nlu.TextClassifierCreateDetails(name=name, load_from_store=True)
    )
    assert restored.training_stamp
    assert (
        api.text_classifier_retrieve(name, feersum_nlu.TextInput(text="hello"))[0].label
        == "greeting"
    )
    wiped = api.text_classifier_del_testing_samples_all(name)
    assert len(wiped) == 3
    api.text_classifier_vaporise(name)
    with pytest.raises(ApiException) as vaporised:
        api.text_classifier_create(
            feersum_nlu.TextClassifierCreateDetails(name=name, load_from_store=True)
        )
    assert status_of(vaporised) == 404


def test_other_tenant_sees_nothing_through_the_client(stack: Stack) -> None:
    owner = feersum_nlu.TextClassifiersApi(client_for(stack, new_tenant_key(stack, "owner")))
    intruder = feersum_nlu.TextClassifiersApi(client_for(stack, new_tenant_key(stack, "intruder")))
    owner.text_classifier_create(
        feersum_nlu.TextClassifierCreateDetails(name="private", load_from_store=False)
    )
    owner.text_classifier_add_training_samples(
        "private", samples({"greeting": GREETINGS, "goodbye": GOODBYES})
    )
    owner.text_classifier_train("private", feersum_nlu.TrainDetails(immediate_mode=True))

    attempts = [
        lambda: intruder.text_classifier_get_details("private"),
        lambda: intruder.text_classifier_retrieve("private", feersum_nlu.TextInput(text="hello")),
        lambda: intruder.text_classifier_get_training_samples("private"),
        lambda: intruder.text_classifier_add_training_samples("private", samples({"x": ["y"]})),
        lambda: intruder.text_classifier_del_training_samples_all("private"),
        lambda: intruder.text_classifier_train(
            "private", feersum_nlu.TrainDetails(immediate_mode=True)
        ),
        lambda: intruder.text_classifier_set_params(
            "private", feersum_nlu.ModelParams(threshold=0.9)
        ),
        lambda: intruder.text_classifier_del("private"),
        lambda: intruder.text_classifier_vaporise("private"),
    ]
    for attempt in attempts:
        with pytest.raises(ApiException) as exc:
            attempt()
        assert status_of(exc) == 404
        assert json.loads(exc.value.body)["error"] == "not_found"
    assert intruder.text_classifier_get_details_all() == []
    assert len(owner.text_classifier_get_training_samples("private")) == 12
    assert (
        owner.text_classifier_retrieve("private", feersum_nlu.TextInput(text="hello"))[0].label
        == "greeting"
    )


def test_missing_key_is_refused_with_www_authenticate(stack: Stack) -> None:
    api = feersum_nlu.TextClassifiersApi(client_for(stack, "bbk_wrong_key"))
    with pytest.raises(ApiException) as exc:
        api.text_classifier_get_details_all()
    assert status_of(exc) == 401
    assert "WWW-Authenticate" in exc.value.headers
    assert json.loads(exc.value.body)["error"] == "unauthorized"
