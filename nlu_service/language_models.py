"""The Feersum language-model and word-manifold names Baobab accepts, and what serves them.

Feersum's train request names sentence encoders (`language_model_list[].lang_model`) and
word manifolds (`word_manifold`, `word_manifold_list[].word_manifold`): its own
universal-sentence encoder (`feers_usent_eng`), word manifolds per South African language
(`feers_wm_<ISO 639-3 code>`), and trimmed GloVe vectors (`glove6B50D_trimmed`). Baobab
has one multilingual sentence encoder, so every accepted name maps to it; the names are
checked here, stored with the request and echoed in the details as given. Any other name
is refused with the list of accepted ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared import InvalidInput
from shared.wire import TrainDetails

#: The encoder that serves every accepted name (see DESIGN.md, "Text encoder").
ENCODER = "all-MiniLM-L6-v2"
#: The 11 official languages of South Africa, as ISO 639-3 codes.
SA_LANGUAGES = ("afr", "eng", "nbl", "xho", "zul", "nso", "sot", "tsn", "ssw", "ven", "tso")
#: Accepted name -> the encoder used in its place.
LANGUAGE_MODELS: dict[str, str] = {
    "feers_usent_eng": ENCODER,
    "glove6B50D_trimmed": ENCODER,
    **{f"feers_wm_{code}": ENCODER for code in SA_LANGUAGES},
}


def encoder_for(name: str, field: str = "lang_model") -> str:
    """Return the encoder serving the Feersum model `name`; InvalidInput (400) if unknown.

    `field` names the request field in the error, e.g. `word_manifold_list[0].word_manifold`.
    """
    encoder = LANGUAGE_MODELS.get(name)
    if encoder is None:
        raise InvalidInput(
            f"unknown {field} {name!r}; accepted language models: {', '.join(LANGUAGE_MODELS)}"
        )
    return encoder


def check_names(named: Iterable[tuple[str, str | None]]) -> None:
    """Raise InvalidInput at the first (field, name) pair whose name is not accepted.

    A None name (the field was left out) is skipped.
    """
    for field, name in named:
        if name is not None:
            encoder_for(name, field)


def check_train_details(details: TrainDetails) -> None:
    """Raise InvalidInput unless every model the train request names is accepted."""
    named: list[tuple[str, str | None]] = [("word_manifold", details.word_manifold)]
    named += [
        (f"word_manifold_list[{i}].word_manifold", m.word_manifold)
        for i, m in enumerate(details.word_manifold_list or [])
    ]
    named += [
        (f"language_model_list[{i}].lang_model", m.lang_model)
        for i, m in enumerate(details.language_model_list or [])
    ]
    check_names(named)
