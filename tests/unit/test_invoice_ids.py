"""A run's invoice ids: each given once, a repeat refused with where it came first."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.errors import ConflictError, InputError
from actors.invoice_ids import InvoiceIds, Origin, load_invoice_id, load_invoice_number

HEADER = "invoice_id,payer,merchant,amount,currency,method,due_date\n"
TODAY = date(2026, 6, 1)


def upload(ids: list[str], due: str = "2026-07-01") -> bytes:
    return (HEADER + "".join(f"{i},p,m,1.00,USD,card,{due}\n" for i in ids)).encode()


@given(st.lists(st.lists(st.sampled_from(["A", "B", "C", "D", "E"]), max_size=6), max_size=5))
def test_across_uploads_every_id_is_admitted_once_and_a_repeat_names_the_first(
    uploads: list[list[str]],
) -> None:
    ids = InvoiceIds()
    admitted: dict[str, tuple[int, int]] = {}  # id -> (job, line) it was admitted from
    for job, rows in enumerate(uploads):
        result = ids.import_csv(job, f"file{job}.csv", upload(rows), TODAY)
        assert len(result.accepted) + result.rows_rejected == result.rows_seen == len(rows)
        for draft in result.accepted:
            assert draft.invoice_id not in admitted, "an id admitted twice would be paid twice"
            admitted[draft.invoice_id] = (job, draft.line)
        for error in result.errors:  # each names where its id came first
            first_job, first_line = admitted[rows[error.line - 2]]
            if first_job == job:
                assert error.reason.endswith(f"already imported from line {first_line}")
            else:
                assert f"job {first_job} (file{first_job}.csv), line {first_line}" in error.reason
    assert set(admitted) == {i for rows in uploads for i in rows}


def test_a_past_due_row_is_refused_with_the_day_and_the_others_are_kept() -> None:
    ids = InvoiceIds()
    data = upload(["OLD"], due="2026-05-31") + b"NEW,p,m,1.00,USD,card,2026-06-01\n"
    result = ids.import_csv(0, "f.csv", data, TODAY)
    assert [d.invoice_id for d in result.accepted] == ["NEW"]
    [error] = result.errors
    assert (error.line, error.column) == (2, "due_date")
    assert "2026-05-31 is in the past (today is 2026-06-01)" in error.reason
    assert ids.origin("OLD") is None  # refused: still free


def test_a_claimed_id_is_a_conflict_a_reserved_one_an_input_error_and_a_released_one_free() -> None:
    ids = InvoiceIds()
    ids.claim("X-1", Origin(at_s=3.0))
    with pytest.raises(ConflictError, match="X-1 already exists"):
        ids.claim("X-1", Origin(at_s=4.0))
    with pytest.raises(ConflictError, match="reserved"):
        ids.claim(load_invoice_id(7), Origin())
    ids.release("X-1")
    ids.claim("X-1", Origin())


def test_made_ids_are_readable_and_skip_the_ones_users_took() -> None:
    ids = InvoiceIds()
    ids.claim("INV-000001", Origin())
    assert ids.next_api_id() == "INV-000002"
    assert load_invoice_id(42) == "SIM-0000042" and load_invoice_number("SIM-0000042") == 42
    assert load_invoice_number("INV-000002") is None


def test_the_number_of_ids_a_run_remembers_is_bounded() -> None:
    ids = InvoiceIds(limit=2)
    ids.claim("a", Origin())
    ids.claim("b", Origin())
    with pytest.raises(InputError, match="2 invoices given by users"):
        ids.claim("c", Origin())
