"""Reading samples out of a Prometheus `/metrics` text answer, for the metrics tests."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """Return every sample called `name` in the exposition text, with its labels."""
    return [
        (dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def sample(text: str, name: str, **labels: str) -> float | None:
    """Return the value of the sample `name` with exactly these labels, or None when absent."""
    for found, value in samples(text, name):
        if found == labels:
            return value
    return None
