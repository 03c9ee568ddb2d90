"""What the read side returns (``storage/queries/shapes.py``) and what the API answers
(``ui/api/views.py``) are declared in two layers; they agree field by field."""

from __future__ import annotations

import types
import typing
from typing import Any, get_type_hints

import pytest
from pydantic import BaseModel

from actors.invoice import InvoiceState
from storage.queries import shapes
from ui.api import views
from ui.api.routes import invoices

# (read-side row, API model, fields the API adds itself: wall times of simulated times)
PAIRS: list[tuple[type, type[BaseModel], set[str]]] = [
    (shapes.InvoiceRow, views.InvoiceOut, set()),
    (shapes.InvoicePage, views.InvoicePageOut, set()),
    (shapes.ActiveWallet, views.ActiveWalletOut, {"expires_at"}),
    (shapes.RowErrorRow, views.RowErrorOut, set()),
    (shapes.BulkProgress, views.BulkProgressOut, set()),
    (shapes.ReconciliationRow, views.ReconciliationOut, set()),
    (shapes.ComparedFigure, views.ComparedFigureOut, set()),
    (shapes.Comparison, views.ComparisonOut, set()),
    (shapes.RunSummary, views.RunSummaryOut, set()),
]
SAME = {row: model for row, model, _ in PAIRS}


def normal(tp: Any) -> Any:
    """A type with each read-side row replaced by its API model, unions as sets."""
    if tp in SAME:
        return SAME[tp]
    args = typing.get_args(tp)
    if not args:
        return tp
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return frozenset(normal(a) for a in args)
    return (origin, tuple(normal(a) for a in args))


@pytest.mark.parametrize(("row", "model", "added"), PAIRS, ids=[m.__name__ for _, m, _ in PAIRS])
def test_the_api_model_has_every_field_of_the_row_with_its_type(
    row: type, model: type[BaseModel], added: set[str]
) -> None:
    row_fields = get_type_hints(row)
    model_fields = {name: field.annotation for name, field in model.model_fields.items()}
    assert set(model_fields) - added == set(row_fields)
    for name, annotation in row_fields.items():
        assert normal(model_fields[name]) == normal(annotation), name


def test_the_invoice_status_filter_takes_exactly_the_invoice_states() -> None:
    assert typing.get_args(invoices.Status) == tuple(state.value for state in InvoiceState)
