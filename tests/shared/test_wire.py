"""The Feersum wire schemas: strict about types, relaxed about extra fields, spec-shaped out."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.wire import (
    LabelledTextSample,
    ScoredLabel,
    TextClassifierCreateDetails,
    TextClassifierInstanceDetail,
    TextInput,
    TrainDetails,
    TsneSettings,
    dump,
)


def test_unknown_fields_are_ignored() -> None:
    details = TextClassifierCreateDetails.model_validate(
        {"name": "m", "load_from_store": False, "word_manifold": "old", "extra": {"x": 1}}
    )
    assert details.name == "m"
    assert "extra" not in details.model_dump()


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (TextInput, {"text": 5}),
        (TextInput, {}),
        (TextClassifierCreateDetails, {"name": ["m"], "load_from_store": False}),
        (TextClassifierCreateDetails, {"name": "m"}),
        (LabelledTextSample, {"text": "hi", "label": 3}),
        (TrainDetails, {"clsfr_algorithm": 1}),
        (TrainDetails, {"immediate_mode": [True]}),
        (TsneSettings, {"n_components": 2.5}),
        (TsneSettings, {}),
    ],
)
def test_wrong_types_and_missing_required_fields_are_refused(
    model: type, body: dict[str, object]
) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(body)  # type: ignore[attr-defined]


def test_defaults_follow_the_spec() -> None:
    settings = TsneSettings.model_validate({"n_components": 2})
    assert settings.perplexity == 30.0 and settings.learning_rate == 200.0
    assert TrainDetails().clsfr_algorithm is None


def test_answers_leave_out_what_is_unset() -> None:
    detail = TextClassifierInstanceDetail(name="m", id="1", training_stamp="")
    assert dump(detail) == {"name": "m", "id": "1", "training_stamp": ""}
    assert dump(ScoredLabel(label="a", probability=0.5)) == {"label": "a", "probability": 0.5}
    assert dump(LabelledTextSample(text="t", label="l", uuid="u")) == {
        "text": "t",
        "label": "l",
        "uuid": "u",
    }
