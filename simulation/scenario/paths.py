"""Walking the scenario models by field path: the model a path names, setting a value.

A path is a pydantic error location (``("faults", 1, "kind")``), shown to people
as ``faults[1].kind``, or a dotted override (``routing.breaker.open_s``,
``load.0.rate_per_s``).
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from simulation.scenario.base import Loc
from simulation.scenario.model import Scenario


def path_text(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else part
    return out


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional until a model, list, dict or plain type is left."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType):
            rest = [a for a in get_args(tp) if a is not type(None)]
            if len(rest) != 1:
                return tp
            tp = rest[0]
        else:
            return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def model_at(loc: Loc) -> type[BaseModel] | None:
    tp: Any = Scenario
    for part in loc:
        tp = _unwrap(tp)
        if _is_model(tp) and isinstance(part, str) and part in tp.model_fields:
            tp = tp.model_fields[part].annotation
        elif get_origin(tp) in (list, dict):
            tp = get_args(tp)[-1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if _is_model(tp) else None


def set_path(data: dict[str, Any], dotted: str, value: Any) -> str | None:
    """Set ``value`` at ``dotted`` in a scenario dump; a problem with the path, or None."""
    parts = dotted.split(".")
    if not all(parts):
        return "empty part in the path (use a.b.c)"
    node: Any = data
    tp: Any = Scenario
    for i, part in enumerate(parts):
        here = ".".join(parts[:i]) or "the scenario"
        tp = _unwrap(tp)
        key: Any = part
        if _is_model(tp):
            if part not in tp.model_fields:
                fields = ", ".join(sorted(tp.model_fields))
                return f"{part!r} is not a field of {here}; fields: {fields}"
            tp = tp.model_fields[part].annotation
        elif get_origin(tp) is list:
            if not part.isdigit() or int(part) >= len(node):
                return f"{here} is a list of {len(node)}; {part!r} is not an index in it"
            key, tp = int(part), get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return f"{here} is a single value; it has no field {part!r}"
        if i == len(parts) - 1:
            node[key] = value
        else:
            child = node[key] if isinstance(node, list) else node.get(key)
            if child is None:  # a section left at its defaults
                child = node[key] = {}
            node = child
    return None
