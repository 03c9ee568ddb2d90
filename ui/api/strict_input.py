"""Query, path and form parameters taken as strictly as a JSON body (``requests.Body``).

A route's parameters arrive as text, and pydantic's lax mode reads much of it as a number:
``?limit=5.0``, ``1_0``, `` 5`` and ``+5`` were 5, as was ``/invoices/bulk/05``. A parameter
given twice was its last value, an unknown one (a misspelt ``?limt=5``) was ignored, and so
were an empty form field (``provider=`` was ``auto``) and an unknown one. Here each route
takes what its schema says and nothing else:

- a query parameter or form field the route does not take is refused, and so is one given
  more than once (none of them is a list);
- a number is written as JSON writes it (``10``, ``-2``, ``0.5``, ``1e3``), an integer in
  digits (``10``, or ``10.0``: JSON Schema's integer is any whole number, as in a body) and
  a boolean is ``true`` or ``false``;
- a form text field is not empty: left out, it has its default.

Each refusal is a 422 naming the field (``query.limit``), as pydantic's own are. The check is
a dependency of the whole app (``create_app``), so it runs before a route's own
dependencies: a malformed request is refused before its token is looked at (the schema that
says what is well formed is public anyway).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.params import File, Form
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile

Kind = Literal["integer", "number", "boolean", "text", "file"]
Error = dict[str, Any]  # as pydantic reports one: loc, msg, type
_FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# JSON's grammar (RFC 8259, section 6): a parameter writes a number as a body does.
_TEXT_OF: dict[Kind, re.Pattern[str]] = {
    "integer": re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.0+)?"),
    "number": re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"),
    "boolean": re.compile(r"true|false"),
}
_REFUSED: dict[Kind, tuple[str, str]] = {
    "integer": ("int_parsing", "Input should be a whole number written in digits, as 10 or -2"),
    "number": ("float_parsing", "Input should be a number written as JSON does, as 10 or 0.5"),
    "boolean": ("bool_parsing", "Input should be true or false"),
}
_TYPES: tuple[tuple[Kind, type], ...] = (("boolean", bool), ("integer", int), ("number", float))


@dataclass(frozen=True, slots=True)
class _Parameters:
    """What a route takes, by name: its query parameters, path parameters and form fields."""

    query: Mapping[str, Kind]
    path: Mapping[str, Kind]
    form: Mapping[str, Kind]


async def strict_parameters(request: Request) -> None:
    """Refuse (422) what the route does not take, as the module says."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    taken = _parameters(route)
    query = request.query_params.multi_items()
    errors = _name_errors("query", [name for name, _ in query], taken.query)
    errors += _value_errors("query", query, taken.query)
    errors += _value_errors("path", list(request.path_params.items()), taken.path)
    if taken.form:  # FastAPI has read the form already; this is the same, cached
        errors += _form_errors((await request.form()).multi_items(), taken.form)
    if errors:
        raise RequestValidationError(errors)


def _form_errors(
    items: list[tuple[str, str | UploadFile]], taken: Mapping[str, Kind]
) -> list[Error]:
    errors = _name_errors("body", [name for name, _ in items], taken)
    texts = [(name, value) for name, value in items if isinstance(value, str)]
    for name, value in texts:
        if taken.get(name) == "text" and value == "":
            message = "must not be empty; leave the field out for its default"
            errors.append(_error("body", name, "string_too_short", message))
    return errors + _value_errors("body", texts, taken)


def _name_errors(where: str, names: list[str], taken: Mapping[str, Kind]) -> list[Error]:
    errors = []
    for name in dict.fromkeys(names):
        if name not in taken:
            takes = f"it takes {', '.join(taken)}" if taken else "it takes none"
            message = f"unknown {'field' if where == 'body' else 'parameter'} ({takes})"
            errors.append(_error(where, name, "extra_forbidden", message))
        elif (count := names.count(name)) > 1:
            errors.append(_error(where, name, "too_many", f"given {count} times; give it once"))
    return errors


def _value_errors(
    where: str, items: list[tuple[str, str]], taken: Mapping[str, Kind]
) -> list[Error]:
    errors = []
    for name, value in items:
        kind = taken.get(name)
        pattern = None if kind is None else _TEXT_OF.get(kind)
        if kind is not None and pattern is not None and not pattern.fullmatch(value):
            errors.append(_error(where, name, *_REFUSED[kind]))
    return errors


def _error(where: str, name: str, kind: str, message: str) -> Error:
    return {"loc": (where, name), "msg": message, "type": kind}


# By route identity (a route is not hashable); holding the route keeps its id its own.
_TAKEN: dict[int, tuple[APIRoute, _Parameters]] = {}
_MAX_ROUTES = 1_024  # an app has a few dozen; tests build many apps


def _parameters(route: APIRoute) -> _Parameters:
    known = _TAKEN.get(id(route))
    if known is not None and known[0] is route:
        return known[1]
    if len(_TAKEN) >= _MAX_ROUTES:
        _TAKEN.clear()
    taken = _read_parameters(route)
    _TAKEN[id(route)] = (route, taken)
    return taken


def _read_parameters(route: APIRoute) -> _Parameters:
    query: dict[str, Kind] = {}
    path: dict[str, Kind] = {}
    form: dict[str, Kind] = {}
    for dependant in _dependants(route.dependant):
        for field in dependant.query_params:
            query[field.alias] = _kind(field.field_info.annotation)
        for field in dependant.path_params:
            path[field.alias] = _kind(field.field_info.annotation)
        for field in dependant.body_params:
            if isinstance(field.field_info, File):
                form[field.alias] = "file"
            elif isinstance(field.field_info, Form):
                form[field.alias] = _kind(field.field_info.annotation)
    return _Parameters(query, path, form)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _kind(annotation: Any) -> Kind:
    """The JSON type of a parameter's annotation (``int | None`` is an integer)."""
    types = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    types = tuple(t for t in types if t is not NoneType) or (annotation,)
    return next((kind for kind, python_type in _TYPES if python_type in types), "text")


def document_closed_forms(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (OpenAPI) with every form body closed (``additionalProperties: false``), as
    ``strict_parameters`` refuses an unknown field (a JSON body says so by its model)."""
    components = schema.get("components", {}).get("schemas", {})
    for operation in (op for path in schema.get("paths", {}).values() for op in path.values()):
        content = operation.get("requestBody", {}).get("content", {})
        for media_type, body in content.items():
            if media_type in _FORM_MEDIA_TYPES and isinstance(body.get("schema"), dict):
                reference = body["schema"].get("$ref")
                form = components[reference.rsplit("/", 1)[-1]] if reference else body["schema"]
                form["additionalProperties"] = False
    return schema
