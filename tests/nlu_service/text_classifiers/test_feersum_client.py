"""The unchanged PyPI client `feersum_nlu` 2.0.46 drives all 24 text-classifier operations.

The client is synchronous (urllib3); here its pool manager is swapped for one that sends
each request into the NLU app in-process, signed as the gateway signs it. Everything else
(how it builds requests, how it reads answers into its models) is the client's own code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException

from tests.nlu_service.support import INTENTS, NluClient


class _Urllib3Response:
    """Just enough of urllib3's HTTPResponse for `feersum_nlu.rest.RESTResponse`."""

    def __init__(self, status: int, reason: str, data: bytes, headers: dict[str, str]) -> None:
        self.status = status
        self.reason = reason
        self.data = data
        self._headers = headers

    def getheaders(self) -> dict[str, str]:
        return self._headers

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self._headers.get(name.lower(), default)


class _InProcessPool:
    """Stands in for urllib3.PoolManager: runs each request on the test's event loop."""

    def __init__(self, client: NluClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop

    def request(
        self,
        method: str,
        url: str,
        body: str | None = None,
        fields: Any = None,
        headers: dict[str, str] | None = None,
        **_: Any,
    ) -> _Urllib3Response:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if fields and method in ("GET", "HEAD"):
            target += ("&" if parts.query else "?") + urlencode(fields)
        coro = self.client.request(method, target, content=body, headers=headers)
        response = asyncio.run_coroutine_threadsafe(coro, self.loop).result(120)
        return _Urllib3Response(
            response.status_code,
            response.reason_phrase,
            response.content,
            {k.lower(): v for k, v in response.headers.items()},
        )


@pytest.fixture
async def feersum(api: NluClient) -> feersum_nlu.TextClassifiersApi:
    configuration = feersum_nlu.Configuration()
    configuration.api_key["X-Auth-Token"] = "the gateway checks this; the NLU app ignores it"
    configuration.host = "http://nlu.test"
    client = feersum_nlu.ApiClient(configuration)
    client.rest_client.pool_manager = _InProcessPool(api, asyncio.get_running_loop())
    return feersum_nlu.TextClassifiersApi(client)


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one blocking client call in a thread while the loop serves it."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def samples(pairs: list[tuple[str, str]]) -> list[feersum_nlu.LabelledTextSample]:
    return [feersum_nlu.LabelledTextSample(text=t, label=label) for t, label in pairs]


async def test_the_feersum_client_runs_every_operation(
    feersum: feersum_nlu.TextClassifiersApi,
) -> None:
    api = feersum
    name = "feersum_clsfr"
    created = await call(
        api.text_classifier_create,
        feersum_nlu.TextClassifierCreateDetails(
            name=name, long_name="Feersum", desc="d", load_from_store=False
        ),
    )
    assert isinstance(created, feersum_nlu.TextClassifierInstanceDetail)
    assert created.name == name and created.long_name == "Feersum" and created.training_stamp == ""

    training = [(t, label) for label, texts in INTENTS.items() for t in texts]
    added = await call(api.text_classifier_add_training_samples, name, samples(training))
    assert (
        len(added) == 18 and isinstance(added[0], feersum_nlu.LabelledTextSample) and added[0].uuid
    )
    testing = [
        ("good evening", "greeting"),
        ("sunny tomorrow?", "weather"),
        ("pay my loan", "banking"),
    ]
    tested = await call(api.text_classifier_add_testing_samples, name, samples(testing))
    assert len(tested) == 3

    got = await call(api.text_classifier_get_training_samples, name, index=2, len=3)
    assert [s.text for s in got] == [t for t, _ in training[2:5]]
    assert len(await call(api.text_classifier_get_testing_samples, name)) == 3

    extra = await call(
        api.text_classifier_add_training_samples, name, samples([("yo", "greeting")])
    )
    updated = await call(
        api.text_classifier_update_training_samples,
        name,
        [feersum_nlu.LabelledTextSample(uuid=extra[0].uuid, text="yo yo", label="greeting")],
    )
    assert updated[0].text == "yo yo"
    deleted = await call(
        api.text_classifier_del_training_samples,
        name,
        [feersum_nlu.LabelledTextSample(uuid=extra[0].uuid)],
    )
    assert [s.text for s in deleted] == ["yo yo"]
    extra_test = await call(
        api.text_classifier_add_testing_samples, name, samples([("zzz", "weather")])
    )
    updated = await call(
        api.text_classifier_update_testing_samples,
        name,
        [feersum_nlu.LabelledTextSample(uuid=extra_test[0].uuid, label="banking")],
    )
    assert updated[0].label == "banking"
    deleted = await call(
        api.text_classifier_del_testing_samples, name, [feersum_nlu.LabelledTextSample(text="zzz")]
    )
    assert len(deleted) == 1

    details = await call(
        api.text_classifier_train,
        name,
        feersum_nlu.TrainDetails(
            immediate_mode=True, clsfr_algorithm="logistic_regression", temperature=1.0
        ),
    )
    assert details.training_stamp and details.training_accuracy == 1.0
    assert details.training_cm["greeting"] == {"greeting": 6}
    assert details.clsfr_algorithm == "logistic_regression"

    scored = await call(
        api.text_classifier_retrieve, name, feersum_nlu.TextInput(text="hello, how are you")
    )
    assert isinstance(scored[0], feersum_nlu.ScoredLabel)
    assert scored[0].label == "greeting" and 0 < scored[0].probability <= 1

    assert sorted(await call(api.text_classifier_get_labels, name)) == sorted(INTENTS)
    params = await call(api.text_classifier_get_params, name)
    assert isinstance(params, feersum_nlu.ModelParams) and params.threshold == 0.0
    details = await call(
        api.text_classifier_set_params, name, feersum_nlu.ModelParams(threshold=0.4, desc="new")
    )
    assert details.threshold == 0.4 and details.desc == "new"

    cell = await call(
        api.text_classifier_curate,
        name,
        feersum_nlu.ClassLabelPair(
            true_label="weather", predicted_label="weather", matrix_name="train"
        ),
    )
    assert len(cell) == 6

    assert (
        await call(api.text_classifier_tsne_post, name, feersum_nlu.TsneSettings(n_components=2))
        is None
    )
    points = await call(api.text_classifier_tsne_get, name)
    assert len(points) == 18 and isinstance(points[0], feersum_nlu.TsneSample)

    online = await call(
        api.text_classifier_online_training_samples,
        name,
        samples([("hiya", "greeting"), ("bye", "greeting")]),
    )
    assert len(online) == 2

    everything = await call(api.text_classifier_get_details_all)
    assert [d.name for d in everything] == [name]
    assert (await call(api.text_classifier_get_details, name)).name == name

    assert len(await call(api.text_classifier_del_testing_samples_all, name)) == 3
    assert len(await call(api.text_classifier_del_training_samples_all, name)) == 20

    trashed = await call(api.text_classifier_del, name)
    assert trashed.name == name
    with pytest.raises(ApiException) as missing:
        await call(api.text_classifier_get_details, name)
    assert missing.value.status == 404
    restored = await call(
        api.text_classifier_create,
        feersum_nlu.TextClassifierCreateDetails(name=name, load_from_store=True),
    )
    assert restored.name == name
    vaporised = await call(api.text_classifier_vaporise, name)
    assert vaporised.name == name
    with pytest.raises(ApiException) as gone:
        await call(api.text_classifier_retrieve, name, feersum_nlu.TextInput(text="hello"))
    assert gone.value.status == 404


async def test_the_feersum_client_sees_bad_requests_as_400(
    feersum: feersum_nlu.TextClassifiersApi,
) -> None:
    await call(
        feersum.text_classifier_create,
        feersum_nlu.TextClassifierCreateDetails(name="bad", load_from_store=False),
    )
    with pytest.raises(ApiException) as untrained:
        await call(feersum.text_classifier_retrieve, "bad", feersum_nlu.TextInput(text="hello"))
    assert untrained.value.status == 400
    assert "has not been trained" in str(untrained.value.body)
    with pytest.raises(ApiException) as unknown:
        await call(
            feersum.text_classifier_train,
            "bad",
            feersum_nlu.TrainDetails(clsfr_algorithm="elmo_magic"),
        )
    assert unknown.value.status == 400
