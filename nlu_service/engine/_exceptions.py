"""Errors the text engine raises.

    FileNotFoundError
    └── ModelsMissing        the built backbone folder is absent: run `make models`
    ValueError
    ├── UnknownAlgorithm     a classifier algorithm name the engine does not know
    └── TrainingDataError    no samples, fewer than two labels, or malformed samples

Corrupt classifier artifacts raise a plain `ValueError`.
"""

from __future__ import annotations


class ModelsMissing(FileNotFoundError):
    """The encoder's files are not where they were looked for."""


class UnknownAlgorithm(ValueError):
    """A classifier algorithm name outside `ALGORITHMS`."""


class TrainingDataError(ValueError):
    """The training samples cannot train a classifier."""
