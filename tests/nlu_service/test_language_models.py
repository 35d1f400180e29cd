"""The Feersum language-model names: which are accepted, and what a wrong one says."""

from __future__ import annotations

import pytest

from nlu_service.language_models import (
    ENCODER,
    LANGUAGE_MODELS,
    SA_LANGUAGES,
    check_train_details,
    encoder_for,
)
from shared import InvalidInput
from shared.wire import TrainDetails


def test_every_feersum_name_maps_to_the_one_encoder() -> None:
    expected = {"feers_usent_eng", "feers_wm_eng", "glove6B50D_trimmed"}
    expected |= {f"feers_wm_{code}" for code in SA_LANGUAGES}
    assert set(LANGUAGE_MODELS) == expected
    assert len(SA_LANGUAGES) == 11 and "zul" in SA_LANGUAGES and "tso" in SA_LANGUAGES
    assert ENCODER == "all-MiniLM-L6-v2"
    assert {encoder_for(name) for name in expected} == {ENCODER}


@pytest.mark.parametrize("name", ["feers_wm_fra", "FEERS_WM_ENG", "feers_usent_eng ", "", "elmo"])
def test_unknown_names_are_refused_with_the_accepted_list(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        encoder_for(name, "word_manifold")
    message = str(caught.value)
    assert f"unknown word_manifold {name!r}" in message
    assert "feers_usent_eng" in message and "feers_wm_xho" in message
    assert caught.value.status_code == 400


def test_train_details_are_checked_field_by_field() -> None:
    check_train_details(TrainDetails())
    check_train_details(
        TrainDetails.model_validate(
            {
                "word_manifold": "feers_wm_zul",
                "word_manifold_list": [{"label": "afr", "word_manifold": "feers_wm_afr"}],
                "language_model_list": [{"lang_code": "eng", "lang_model": "glove6B50D_trimmed"}],
            }
        )
    )
    bad = TrainDetails.model_validate(
        {
            "word_manifold_list": [
                {"label": "eng", "word_manifold": "feers_wm_eng"},
                {"label": "fra", "word_manifold": "feers_wm_fra"},
            ]
        }
    )
    with pytest.raises(
        InvalidInput, match=r"word_manifold_list\[1\]\.word_manifold 'feers_wm_fra'"
    ):
        check_train_details(bad)
    bad = TrainDetails.model_validate(
        {"language_model_list": [{"lang_code": "eng", "lang_model": "bert"}]}
    )
    with pytest.raises(InvalidInput, match=r"language_model_list\[0\]\.lang_model 'bert'"):
        check_train_details(bad)
    with pytest.raises(InvalidInput, match="unknown word_manifold 'glove'"):
        check_train_details(TrainDetails(word_manifold="glove"))
