"""Many small records packed into a few large values, for checkpoints.

A pickler memoizes every string it writes, one table entry each: 300,000
idempotency keys with three strings apiece took a second to pickle even as
plain tuples. Packed, a column of strings is one string and an array of their
lengths, and a column of numbers a plain list: the pickler writes a handful of
objects, in C. Unpacking runs only when a lost LP is restored.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Any

PackedStrings = tuple[str, "array[int]"]
PackedRows = tuple[int, list[Any]]  # (row count, one packed column each)


def pack_strings(strings: Sequence[str]) -> PackedStrings:
    return "".join(strings), array("q", map(len, strings))


def unpack_strings(packed: PackedStrings) -> list[str]:
    text, lengths = packed
    out, start = [], 0
    for length in lengths:
        out.append(text[start : start + length])
        start += length
    return out


def pack_columns(
    items: Sequence[Any], fields: Sequence[Callable[[Any], Any]], text: Iterable[int]
) -> PackedRows:
    """``items`` as one column per field getter; the columns numbered in ``text`` hold strings."""
    columns: list[Any] = [list(map(field, items)) for field in fields]
    for i in text:
        columns[i] = pack_strings(columns[i])
    return len(items), columns


def unpack_rows(packed: PackedRows, text: Iterable[int]) -> list[tuple[Any, ...]]:
    count, columns = packed
    if count == 0:
        return []
    columns = list(columns)
    for i in text:
        columns[i] = unpack_strings(columns[i])
    return list(zip(*columns, strict=True))
