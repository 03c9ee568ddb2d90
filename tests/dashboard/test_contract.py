"""The dashboard's view of the API (``ui/dashboard/models.py``) against the API's own
OpenAPI schema: every field the dashboard reads is one the API always sends, with a
compatible type and the same nullability. The dashboard keeps its own copy of the
shapes on purpose (it is a client of the HTTP contract, not of the server's code);
this is what keeps the copy true."""

from __future__ import annotations

import types
import typing
from typing import Any, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from ui.api import ApiSettings, create_app
from ui.dashboard import models

SCHEMAS: dict[str, Any] = create_app(ApiSettings(), None, None).openapi()["components"][  # type: ignore[arg-type]
    "schemas"
]
# The dashboard's name -> the API's, where it is not the name plus "Out".
RENAMED = {"EngineState": "EngineOut", "BulkRowError": "BulkRowErrorOut"}
DEFAULTED = {"expires_at"}  # WalletOut's and ActiveWalletOut's wall time, set by the route
SHAPES = sorted(name for name in vars(models) if is_typeddict(getattr(models, name)))

JSON_TYPES = {int: {"integer"}, float: {"number", "integer"}, str: {"string"}, bool: {"boolean"}}


def schema_types(schema: dict[str, Any]) -> tuple[set[str], bool]:
    """The JSON types a property may have, and whether it may be null."""
    options = schema.get("anyOf", [schema])
    kinds = set()
    for option in options:
        if "$ref" in option:
            kinds.add("object")
        elif "type" in option:
            kinds.add(option["type"])
        elif "enum" in option or "const" in option:
            kinds.add("string")
        else:  # no type: any JSON value
            kinds.update({"integer", "number", "string", "boolean", "array", "object"})
    nullable = "null" in kinds
    kinds.discard("null")
    return kinds, nullable


def hint_types(hint: Any) -> tuple[set[str], bool]:
    """The JSON types a TypedDict field accepts, and whether it may be None."""
    if get_origin(hint) in (Union, types.UnionType):
        kinds: set[str] = set()
        nullable = False
        for arg in get_args(hint):
            k, n = hint_types(arg)
            kinds |= k
            nullable |= n
        return kinds, nullable
    if hint is type(None):
        return set(), True
    if hint is Any:
        return {"integer", "number", "string", "boolean", "array", "object"}, True
    if hint in JSON_TYPES:
        return JSON_TYPES[hint], False
    origin = get_origin(hint)
    if origin is list:
        return {"array"}, False
    if origin is dict or is_typeddict(hint):
        return {"object"}, False
    raise AssertionError(f"no JSON type for {hint!r}")


def test_every_dashboard_shape_has_an_api_schema() -> None:
    missing = [n for n in SHAPES if RENAMED.get(n, n + "Out") not in SCHEMAS]
    assert not missing, f"dashboard shapes with no API schema: {missing}"


def problems(shape: Any, schema: dict[str, Any]) -> list[str]:
    """Where the dashboard's ``shape`` reads what the API's ``schema`` does not promise."""
    name = shape.__name__
    found = []
    properties, required = schema["properties"], set(schema.get("required", ()))
    for field, hint in get_type_hints(shape).items():
        where = f"{name}.{field}"
        if field not in properties:
            found.append(f"{where}: the API does not send it")
            continue
        # No route leaves out unset fields (no response_model_exclude_*): a field with a
        # default, which the schema lists as optional, is sent all the same.
        if field not in required and field not in DEFAULTED:
            found.append(f"{where}: the API may leave it out")
        sent, sent_null = schema_types(properties[field])
        read, read_null = hint_types(hint)
        if not sent <= read:
            found.append(f"{where}: the API sends {sent}, the dashboard reads {read}")
        if sent_null != read_null:
            found.append(f"{where}: null possible in the API: {sent_null}, expected: {read_null}")
    return found


@pytest.mark.parametrize("name", SHAPES)
def test_the_dashboard_reads_only_what_the_api_always_sends(name: str) -> None:
    schema = SCHEMAS[RENAMED.get(name, name + "Out")]
    assert problems(getattr(models, name), schema) == []


def test_the_check_catches_drift() -> None:
    class ProviderHealth(typing.TypedDict):
        provider: int  # the API sends a string
        success_rate: float  # the API may send null
        vanished: str  # the API does not send it

    assert problems(ProviderHealth, SCHEMAS["ProviderHealthOut"]) == [
        "ProviderHealth.provider: the API sends {'string'}, the dashboard reads {'integer'}",
        "ProviderHealth.success_rate: null possible in the API: True, expected: False",
        "ProviderHealth.vanished: the API does not send it",
    ]
