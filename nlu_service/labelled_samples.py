"""Labelled text samples on the wire and in the store: the checks and conversions every
resource that keeps `labelled_text_sample`s (classifiers, text datasets) shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared import InvalidInput, TooLarge
from shared.wire import LabelledTextSample


def sample_out(sample: dict[str, Any]) -> LabelledTextSample:
    """Return the wire form of a sample as the model store answers it."""
    return LabelledTextSample(
        text=sample.get("text"),
        label=sample.get("label"),
        lang_code=sample.get("lang_code"),
        comment=sample.get("comment"),
        uuid=sample.get("uuid"),
    )


def check_string(value: object, what: str, max_chars: int) -> str:
    """Return `value` when it is a non-blank string of at most `max_chars`; 400 otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be a non-empty string")
    if len(value) > max_chars:
        raise InvalidInput(f"{what} is {len(value)} characters long; the limit is {max_chars}")
    return value


def check_sample_count(samples: Sequence[object], limit: int) -> None:
    """Refuse an empty list (400) or more samples than one call may carry (413)."""
    if not samples:
        raise InvalidInput("the list of samples is empty")
    if len(samples) > limit:
        raise TooLarge(f"{len(samples)} samples in one call; the limit is {limit}")


def _optional_fields(row: dict[str, Any], sample: LabelledTextSample) -> dict[str, Any]:
    if sample.lang_code is not None:
        row["lang_code"] = sample.lang_code
    if sample.comment is not None:
        row["comment"] = sample.comment
    return row


def rows_to_add(samples: Sequence[LabelledTextSample], max_chars: int) -> list[dict[str, Any]]:
    """Return the store rows for new samples: text and label required and checked."""
    return [
        _optional_fields(
            {
                "text": check_string(s.text, f"samples[{i}].text", max_chars),
                "label": check_string(s.label, f"samples[{i}].label", max_chars),
            },
            s,
        )
        for i, s in enumerate(samples)
    ]


def rows_to_update(samples: Sequence[LabelledTextSample], max_chars: int) -> list[dict[str, Any]]:
    """Return the store rows for changes by uuid: only the fields given are checked and sent."""
    rows = []
    for i, s in enumerate(samples):
        if not s.uuid:
            raise InvalidInput(f"samples[{i}].uuid is required to update a sample")
        row: dict[str, Any] = {"uuid": s.uuid}
        if s.text is not None:
            row["text"] = check_string(s.text, f"samples[{i}].text", max_chars)
        if s.label is not None:
            row["label"] = check_string(s.label, f"samples[{i}].label", max_chars)
        rows.append(_optional_fields(row, s))
    return rows


def rows_to_delete(samples: Sequence[Any]) -> list[dict[str, Any]]:
    """Return the store rows naming the samples to delete: by uuid, else by text; 400 if neither."""
    rows: list[dict[str, Any]] = []
    for i, s in enumerate(samples):
        if s.uuid:
            rows.append({"uuid": s.uuid})
        elif s.text:
            rows.append({"text": s.text})
        else:
            raise InvalidInput(
                f"samples[{i}] needs a uuid or a text to say which samples to delete"
            )
    return rows
