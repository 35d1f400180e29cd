"""Shared lifecycle of the "named model record" resources (extractors, recognisers)."""
