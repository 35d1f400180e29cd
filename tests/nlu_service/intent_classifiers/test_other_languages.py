"""Intents in a language the encoder barely knows (isiZulu): the default head's n-grams carry it."""

from __future__ import annotations

from typing import Any

from tests.nlu_service.classifiers.support import INTENT_BASE as BASE
from tests.nlu_service.classifiers.support import retrieve, trained
from tests.nlu_service.support import NluClient

ZULU: dict[str, list[str]] = {
    "balance": [
        "ngicela ukubona ibhalansi yami",
        "ibhalansi yami ithini",
        "ngifuna ukwazi imali esekhawuntini yami",
        "mangaki amarandi asele ekhawuntini",
        "ngitshele ibhalansi",
        "bheka ibhalansi yekhawunti yami",
    ],
    "card_lost": [
        "ikhadi lami lilahlekile",
        "ngilahlekelwe yikhadi lami",
        "ikhadi lami lebhange lintshontshiwe",
        "ngicela uvimbe ikhadi lami",
        "angilitholi ikhadi lami",
        "ikhadi lami libiwe",
    ],
    "airtime": [
        "ngifuna ukuthenga i-airtime",
        "ngicela ungithengele i-airtime",
        "thenga idatha ne-airtime",
        "ngidinga i-airtime yeselula",
        "ngithengele idatha",
        "i-airtime ka-R50",
    ],
}
# New sentences: words of the training samples in new company and new forms.
QUERIES = {
    "ibhalansi yekhawunti yami ithini namuhla": "balance",
    "ikhadi lami lilahlekile izolo": "card_lost",
    "ngicela i-airtime ka-R20": "airtime",
    "ngicela ungivimbele ikhadi": "card_lost",
    "ngifuna ukubona imali ekhawuntini": "balance",
    "ngithengele idatha ka-R100": "airtime",
}


def zulu_samples() -> list[dict[str, Any]]:
    return [
        {"text": text, "label": label, "lang_code": "zul"}
        for label, texts in ZULU.items()
        for text in texts
    ]


async def test_default_head_classifies_isizulu_and_keeps_the_answers_in_scope(
    api: NluClient,
) -> None:
    details = await trained(api, BASE, "zulu", zulu_samples())
    assert details["threshold"] > 0  # calibrated: out-of-scope rejection is on
    for text, label in QUERIES.items():
        answer = await retrieve(api, BASE, "zulu", text)
        assert answer and answer[0]["label"] == label, (text, answer)
    # Unrelated English is still out of scope.
    assert await retrieve(api, BASE, "zulu", "who painted the mona lisa") == []
