"""Load scenario files: YAML in, a validated ``Scenario`` out, or every problem with its line.

``load_scenario`` reads a file (at most ``MAX_FILE_BYTES``), ``parse_scenario``
reads text. YAML is read with the safe loader (no arbitrary tags) and composed
first, so each pydantic error's field path can be mapped back to the line of
the node it names. Every problem found is reported at once, one per line:

    scenarios/x.yaml: faults[1].kind: 'meltdown' is not one of outage, ... (line 14)

``validate_data`` checks data already read (``simulation.scenario.overrides``
uses it after setting fields by path).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from actors.errors import InputError
from simulation.scenario.base import FieldProblems, Loc
from simulation.scenario.model import Scenario
from simulation.scenario.paths import model_at, path_text

__all__ = [
    "MAX_FILE_BYTES",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
    "validate_data",
]

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000  # YAML nodes after aliases are expanded: no "billion laughs"


class ScenarioError(InputError):
    """A scenario that cannot be used; ``errors`` holds one line per problem."""

    def __init__(self, file: str, errors: list[str]) -> None:
        self.file = file
        self.errors = list(errors)
        super().__init__("\n".join(f"{file}: {error}" for error in self.errors))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; bulk files are looked up beside it."""
    source, file = str(path), Path(path)
    try:
        if not file.is_file():
            reason = "is a folder, not a file" if file.is_dir() else "file not found"
            raise ScenarioError(source, [reason])
        with file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(source, [f"cannot read the file: {exc.strerror or exc}"]) from None
    _check_size(len(data), source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            source, [f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8"]
        ) from None
    return parse_scenario(text, source=source, base_dir=file.parent)


def parse_scenario(text: str, source: str = "<text>", base_dir: Path | None = None) -> Scenario:
    """Validate scenario YAML; ``base_dir`` (if given) is where bulk files must exist."""
    _check_size(len(text.encode("utf-8", errors="surrogatepass")), source)
    root, data = _read_yaml(text, source)
    return validate_data(data, source, base_dir, root)


# ---- YAML ---------------------------------------------------------------------------
def _check_size(size: int, source: str) -> None:
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            source, [f"the file is over {MAX_FILE_BYTES:,} bytes; a scenario must be smaller"]
        )


def _read_yaml(text: str, source: str) -> tuple[yaml.Node, Any]:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ScenarioError(source, ["the file is empty; a scenario needs name and duration_s"])
        problems = _tree_problems(root)
        if problems:
            raise ScenarioError(source, problems)
        return root, loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ScenarioError(source, [f"not valid YAML: {exc.problem or exc}{where}"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, [f"not valid YAML: {exc}"]) from None
    except RecursionError:
        raise ScenarioError(source, ["not valid YAML: nested too deeply"]) from None
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _tree_problems(root: yaml.Node) -> list[str]:
    """Duplicate keys, self-referencing aliases and oversized documents."""
    problems: list[str] = []
    sizes: dict[int, int] = {}
    ancestors: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative post-order walk: deep or aliased documents cost no recursion
        node, done = stack.pop()
        key = id(node)
        if done:
            ancestors.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in ancestors:
            return [f"an alias refers to itself (line {node.start_mark.line + 1})"]
        ancestors.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
        if isinstance(node, yaml.MappingNode):
            problems += _duplicate_keys(node)
    if sizes[id(root)] > MAX_NODES:
        problems.append(f"the document expands to over {MAX_NODES:,} values (check the aliases)")
    return problems


def _duplicate_keys(node: yaml.MappingNode) -> list[str]:
    seen: set[str] = set()
    problems = []
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value != "<<":
            if key.value in seen:
                problems.append(f"duplicate key {key.value!r} (line {key.start_mark.line + 1})")
            seen.add(key.value)
    return problems


def _line_of(root: yaml.Node, loc: Loc) -> int:
    """The line of the deepest YAML node that ``loc`` reaches (a key's own line for a field)."""
    node, line = root, root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(
                (
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part)
                ),
                None,
            )
            if match is None:
                return line
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


# ---- validation and messages --------------------------------------------------------
def validate_data(
    data: Any,
    source: str,
    base_dir: Path | None,
    root: yaml.Node | None,
    overridden: set[str] | None = None,
) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(
            source, [f"a scenario is a mapping (name: ..., duration_s: ...), not {_kind(data)}"]
        )
    context = {"base_dir": base_dir, "source": source}
    try:
        return Scenario.model_validate(data, context=context)
    except ValidationError as exc:
        lines = []
        for loc, message in _problems(exc):
            path = path_text(loc)
            where = f" (line {_line_of(root, loc)})" if root is not None else ""
            if overridden and any(path == o or path.startswith(o + ".") for o in overridden):
                where = " (set by override)"
            lines.append(f"{path}: {message}{where}" if path else f"{message}{where}")
        raise ScenarioError(source, list(dict.fromkeys(lines))) from None


def _problems(exc: ValidationError) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblems):
            out += [((*loc, *sub), message) for sub, message in cause.problems]
        else:
            out.append((loc, _message(error, loc)))
    return out


def _message(error: ErrorDetails, loc: Loc) -> str:
    kind, value = error["type"], error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return _unknown_field(loc)
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"]))
    if kind == "string_pattern_mismatch":  # only provider names have a pattern
        return f"{value!r} is not a valid name: lower-case letters, digits, - and _"
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"{value!r} is not one of {expected}"
    message = error["msg"].replace("Input should be", "must be", 1)
    if isinstance(value, dict | list):
        return f"{message}, got a {_kind(value)}"
    return f"{message}, got {value!r}"


_KIND_NAMES: dict[type, str] = {dict: "mapping", list: "list", str: "text"}


def _kind(value: object) -> str:
    return _KIND_NAMES.get(type(value), type(value).__name__)


def _unknown_field(loc: Loc) -> str:
    name = str(loc[-1])
    model = model_at(loc[:-1])
    if model is None:
        return f"unknown field {name!r}"
    fields = sorted(model.model_fields)
    close = difflib.get_close_matches(name, fields, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown field {name!r}; {hint}allowed: {', '.join(fields)}"
