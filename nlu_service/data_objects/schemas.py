"""Feersum wire schemas (spec 2.0.46) of the data objects.

`data_object` is any JSON object and `data_object_name` a string, so the routes use
`dict[str, Any]` and `str` directly; this module names them for the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

DataObject = dict[str, Any]
DataObjectName = str
