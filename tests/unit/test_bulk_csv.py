from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.bulk_csv import (
    REQUIRED_COLUMNS,
    CsvLimits,
    ImportResult,
    InvoiceDraft,
    RowError,
    parse_invoices_csv,
)
from actors.errors import InputError, InvariantViolation
from actors.methods import PaymentMethod
from actors.money import Money

HEADER = "invoice_id,payer,merchant,amount,currency,method,due_date"
GOOD = "INV-1,alice,acme,12.50,USD,card,2025-01-31"


def csv_bytes(*lines: str, newline: str = "\n") -> bytes:
    return newline.join(lines).encode() + newline.encode()


def parse(*lines: str, limits: CsvLimits | None = None) -> ImportResult:
    data = csv_bytes(*lines)
    return parse_invoices_csv(data) if limits is None else parse_invoices_csv(data, limits)


def row(invoice_id: str = "INV-1", **fields: str) -> str:
    values = {
        "invoice_id": invoice_id,
        "payer": "alice",
        "merchant": "acme",
        "amount": "12.50",
        "currency": "USD",
        "method": "card",
        "due_date": "2025-01-31",
        **fields,
    }
    return ",".join(values[column] for column in REQUIRED_COLUMNS)


def only_error(result: ImportResult) -> RowError:
    assert result.accepted == []
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def test_a_good_file_becomes_drafts_with_their_line_numbers() -> None:
    result = parse(HEADER, GOOD, row("INV-2", amount="700", currency="JPY", method="crypto"))
    assert result.errors == [] and result.warnings == []
    assert result.accepted == [
        InvoiceDraft(
            2, "INV-1", "alice", "acme", Money(1250), PaymentMethod.CARD, date(2025, 1, 31)
        ),
        InvoiceDraft(
            3, "INV-2", "alice", "acme", Money(700, "JPY"), PaymentMethod.CRYPTO, date(2025, 1, 31)
        ),
    ]
    assert (result.rows_seen, result.rows_rejected, result.rows_over_limit) == (2, 0, 0)


def test_a_utf8_bom_is_ignored() -> None:
    plain = parse_invoices_csv(csv_bytes(HEADER, GOOD))
    with_bom = parse_invoices_csv(b"\xef\xbb\xbf" + csv_bytes(HEADER, GOOD))
    assert with_bom == plain
    assert len(with_bom.accepted) == 1


def test_crlf_line_endings_give_the_same_rows_and_line_numbers() -> None:
    lines = (HEADER, GOOD, row("INV-2", amount="x"), row("INV-3"))
    crlf = parse_invoices_csv(csv_bytes(*lines, newline="\r\n"))
    assert crlf == parse_invoices_csv(csv_bytes(*lines))
    assert [d.line for d in crlf.accepted] == [2, 4]
    assert [e.line for e in crlf.errors] == [3]


def test_quoted_fields_keep_commas_and_newlines_and_lines_count_physically() -> None:
    result = parse(
        HEADER,
        row("INV-1", payer='"Acme, Inc."'),
        row("INV-2", merchant='"two\nline ""shop"""'),
        row("INV-3", amount="oops"),
    )
    assert [d.payer for d in result.accepted] == ["Acme, Inc.", "alice"]
    assert result.accepted[1].merchant == 'two\nline "shop"'
    assert [d.line for d in result.accepted] == [2, 3]
    assert [(e.line, e.column) for e in result.errors] == [(5, "amount")]
    assert result.errors[0].reason.startswith("'oops' is not a decimal amount")


def test_formula_looking_cells_are_accepted_as_plain_text() -> None:
    result = parse(HEADER, row("=1+1", payer='=HYPERLINK("x")', merchant="@SUM(A1)"))
    (draft,) = result.accepted
    assert (draft.invoice_id, draft.payer, draft.merchant) == (
        "=1+1",
        '=HYPERLINK("x")',
        "@SUM(A1)",
    )


def test_columns_may_come_in_any_order_and_in_any_case() -> None:
    result = parse(
        "Due_Date, METHOD ,currency,amount,merchant,payer,invoice_id",
        "2025-01-31,Card,usd,12.50,acme,alice,INV-1",
    )
    assert result.errors == []
    assert result.accepted[0] == parse(HEADER, GOOD).accepted[0]


def test_unknown_columns_are_one_header_warning_and_rows_still_import() -> None:
    result = parse(HEADER + ",notes,Extra", GOOD + ",hello,world", row("INV-2") + ",,")
    assert result.warnings == [RowError(1, None, "unknown columns ignored: 'notes', 'extra'")]
    assert result.errors == []
    assert [d.invoice_id for d in result.accepted] == ["INV-1", "INV-2"]


def test_missing_header_columns_are_one_line_1_error_naming_them_and_no_rows() -> None:
    result = parse("invoice_id,payer,amount,currency,due_date", "INV-1,alice,12.50,USD,2025-01-31")
    error = only_error(result)
    assert (error.line, error.column) == (1, None)
    assert "missing columns: merchant, method" in error.reason
    assert result.rows_seen == 0


def test_a_required_column_given_twice_is_a_header_error() -> None:
    error = only_error(parse(HEADER + ",amount", GOOD + ",13.00"))
    assert (error.line, error.column) == (1, None)
    assert "columns given twice: amount" in error.reason


def test_an_empty_file_or_one_of_blank_lines_is_a_line_1_error() -> None:
    for data in (b"", b"\n\r\n\n", b"\xef\xbb\xbf"):
        error = only_error(parse_invoices_csv(data))
        assert (error.line, error.column) == (1, None)
        assert "empty" in error.reason


def test_invalid_utf8_is_an_error_naming_the_line_and_column_and_spares_other_rows() -> None:
    data = csv_bytes(HEADER, GOOD) + b"INV-2,al\xffice,acme,1.00,USD,card,2025-01-31\n"
    data += csv_bytes(row("INV-3"))
    result = parse_invoices_csv(data)
    assert [d.invoice_id for d in result.accepted] == ["INV-1", "INV-3"]
    assert result.errors == [
        RowError(
            3,
            "payer",
            "not valid UTF-8 (byte 0xff, 'ÿ' in Windows-1252) after 'al'; save the file as "
            "UTF-8 (in Excel: Save As, CSV UTF-8)",
        )
    ]


def test_invalid_utf8_in_the_header_is_a_line_1_error() -> None:
    error = only_error(parse_invoices_csv(b"invoice_id,pa\xc3yer\n" + csv_bytes(GOOD)))
    assert (error.line, error.column) == (1, None)
    assert "UTF-8" in error.reason


def test_a_file_over_max_bytes_is_refused_whole_saying_size_and_limit() -> None:
    data = csv_bytes(HEADER, GOOD)
    with pytest.raises(InputError, match=f"is {len(data)} bytes; the limit is 50 bytes"):
        parse_invoices_csv(data, CsvLimits(max_bytes=50))
    assert len(parse_invoices_csv(data, CsvLimits(max_bytes=len(data))).accepted) == 1


def test_the_default_limits_are_5_mib_10000_rows_and_1_million_dollars() -> None:
    limits = CsvLimits()
    assert (limits.max_bytes, limits.max_rows) == (5 * 1024 * 1024, 10_000)
    assert Money(limits.max_amount_minor).format() == "1000000.00 USD"
    with pytest.raises(InputError, match="max_rows must be positive"):
        CsvLimits(max_rows=0)


def test_rows_past_max_rows_are_one_error_at_the_first_excess_line() -> None:
    rows = [row(f"INV-{n}") for n in range(5)]
    result = parse(
        HEADER, rows[0], "", row("", amount="x"), *rows[1:], limits=CsvLimits(max_rows=2)
    )
    assert [d.invoice_id for d in result.accepted] == ["INV-0"]
    assert result.errors[-1] == RowError(
        5,
        None,
        "4 rows from this line on were not imported: a file may hold at most 2 rows; "
        "upload them in another file",
    )
    assert (result.rows_seen, result.rows_rejected, result.rows_over_limit) == (6, 5, 4)


def test_a_duplicate_invoice_id_rejects_the_second_and_keeps_the_first() -> None:
    result = parse(HEADER, GOOD, row("INV-2"), row("INV-1", payer="bob"))
    assert [(d.invoice_id, d.payer) for d in result.accepted] == [
        ("INV-1", "alice"),
        ("INV-2", "alice"),
    ]
    assert result.errors == [
        RowError(
            4,
            "invoice_id",
            "duplicate invoice id 'INV-1': give this row an id of its own, or remove it if it "
            "is the invoice already imported from line 2",
        )
    ]


def test_an_id_whose_first_row_was_rejected_is_not_a_duplicate() -> None:
    result = parse(HEADER, row("INV-1", amount="0"), row("INV-1"))
    assert [d.line for d in result.accepted] == [3]
    assert [e.line for e in result.errors] == [2]


@pytest.mark.parametrize(
    ("fields", "column", "reason"),
    [
        ({"amount": "0"}, "amount", "amount must be greater than 0, got 0"),
        ({"amount": "-5.00"}, "amount", "amount must be greater than 0, got -5.00"),
        ({"amount": "1.005"}, "amount", "'1.005' has 3 decimals; USD allows at most 2"),
        ({"amount": "1.5", "currency": "JPY"}, "amount", "JPY allows at most 0"),
        ({"amount": "1000000.01"}, "amount", "1000000.01 USD is over the limit of 1000000.00 USD"),
        ({"amount": "abc"}, "amount", "'abc' is not a decimal amount"),
        ({"amount": "1e3"}, "amount", "is not a decimal amount"),
        ({"amount": "\u0661\u0662"}, "amount", "write it with the digits 0-9: 12"),
        ({"amount": "9" * 5000}, "amount", "value is 5,000 characters; the limit is 256"),
        ({"method": "paypal"}, "method", "unknown method 'paypal'; use one of bank, card, crypto"),
        ({"currency": "XYZ"}, "currency", "unknown currency 'XYZ'; use one of EUR, GBP, JPY, USD"),
        (
            {"due_date": "2025/01/31"},
            "due_date",
            "is not a date; write it as YYYY-MM-DD: 2025-01-31",
        ),
        ({"due_date": "20250131"}, "due_date", "is not a date"),
        ({"due_date": "2025-W05-1"}, "due_date", "is not a date"),
        ({"due_date": "2025-02-30"}, "due_date", "is not a date"),
        ({"payer": " "}, "payer", "missing value"),
        ({"merchant": ""}, "merchant", "missing value"),
        ({"invoice_id": ""}, "invoice_id", "empty invoice id"),
    ],
)
def test_each_bad_value_is_reported_with_its_line_column_and_reason(
    fields: dict[str, str], column: str, reason: str
) -> None:
    invoice_id = fields.pop("invoice_id", "INV-2")
    result = parse(HEADER, GOOD, row(invoice_id, **fields), row("INV-3"))
    assert [d.invoice_id for d in result.accepted] == ["INV-1", "INV-3"]
    (error,) = result.errors
    assert (error.line, error.column) == (3, column)
    assert reason in error.reason
    assert (result.rows_seen, result.rows_rejected) == (3, 1)


def test_the_amount_limit_applies_in_minor_units() -> None:
    limits = CsvLimits(max_amount_minor=1_000)
    assert len(parse(HEADER, row(amount="10.00"), limits=limits).accepted) == 1
    error = only_error(parse(HEADER, row(amount="10.01"), limits=limits))
    assert (error.line, error.column) == (2, "amount")


def test_a_field_longer_than_max_field_chars_is_rejected() -> None:
    limits = CsvLimits(max_field_chars=10)
    error = only_error(parse(HEADER, row(payer="abcdefghijk"), limits=limits))
    assert error == RowError(2, "payer", "value is 11 characters; the limit is 10: shorten it")
    assert len(parse(HEADER, row(payer="abcdefghij"), limits=limits).accepted) == 1


def test_a_row_with_too_few_fields_names_each_missing_column() -> None:
    result = parse(HEADER, "INV-1,alice,acme,12.50")
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "currency"),
        (2, "method"),
        (2, "due_date"),
    ]
    assert all("missing value: the row has only 4 fields" in e.reason for e in result.errors)
    assert (result.rows_seen, result.rows_rejected) == (1, 1)


def test_a_row_with_more_fields_than_the_header_is_rejected() -> None:
    error = only_error(parse(HEADER, GOOD + ",surplus"))
    assert (error.line, error.column) == (2, None)
    assert "row has 8 fields, the header 7" in error.reason
    # An unquoted comma shifts the values: the row is refused, never imported askew.
    shifted = parse(HEADER, "INV-1,Acme, Inc,acme,12.50,USD,card,2025-01-31")
    assert shifted.accepted == []
    assert shifted.errors[0] == error


def test_a_row_with_several_errors_reports_each_and_counts_once() -> None:
    result = parse(HEADER, row("", amount="-1", method="cash", due_date="tomorrow"))
    assert {(e.line, e.column) for e in result.errors} == {
        (2, "invoice_id"),
        (2, "amount"),
        (2, "method"),
        (2, "due_date"),
    }
    assert len(result.errors) == 4
    assert (result.rows_seen, result.rows_rejected) == (1, 1)


def test_an_unknown_currency_is_reported_without_guessing_at_the_amount() -> None:
    result = parse(HEADER, row(amount="1.234", currency="BTC"))
    assert [(e.line, e.column) for e in result.errors] == [(2, "currency")]


def test_blank_and_empty_separator_lines_are_skipped() -> None:
    result = parse("", HEADER, "", GOOD, "   ", ",,,,,,", row("INV-2"), "")
    assert [d.line for d in result.accepted] == [4, 7]
    assert result.errors == []
    assert result.rows_seen == 2


def test_a_broken_quote_is_a_row_error_and_the_next_rows_still_import() -> None:
    result = parse(HEADER, 'INV-1,"al"ice,acme,1.00,USD,card,2025-01-31', row("INV-2"))
    assert [d.invoice_id for d in result.accepted] == ["INV-2"]
    (error,) = result.errors
    assert (error.line, error.column) == (2, "payer")
    assert error.reason.startswith("not valid CSV")
    assert error.reason.endswith('its quotes doubled: """al""ice"')


def test_an_unterminated_quote_is_reported_at_the_line_where_it_starts() -> None:
    result = parse(HEADER, GOOD, 'INV-2,"alice', row("INV-3"))
    assert [d.invoice_id for d in result.accepted] == ["INV-1"]
    assert [(e.line, e.column) for e in result.errors] == [(3, "payer")]
    assert "never closed, so lines 3 to 4, the rest of the file," in result.errors[0].reason
    assert 'close the quote: "alice"' in result.errors[0].reason


def test_a_bad_row_never_drops_a_good_row() -> None:
    bad = [
        row("B1", amount="x"),
        "B2,,",
        row("B3", method="cash"),
        'B4,"x"y,z',
        row("B5", currency="???"),
        "\u00e9,\u00e9",
    ]
    good = [row(f"G{n}") for n in range(len(bad))]
    lines = [line for pair in zip(good, bad, strict=True) for line in pair]
    result = parse(HEADER, *lines)
    assert [d.invoice_id for d in result.accepted] == [f"G{n}" for n in range(len(bad))]
    assert sorted({e.line for e in result.errors}) == [3, 5, 7, 9, 11, 13]


def test_an_import_result_that_loses_a_row_is_an_invariant_violation() -> None:
    with pytest.raises(InvariantViolation, match="lost rows"):
        ImportResult([], [], [], rows_seen=1, rows_rejected=0, rows_over_limit=0)


def _check_accounting(result: ImportResult) -> None:
    assert len(result.accepted) + result.rows_rejected == result.rows_seen
    error_lines = {e.line for e in result.errors}
    assert not error_lines & {d.line for d in result.accepted}
    if result.rows_seen == 0:
        assert len(result.errors) <= 1  # the header's error, if any: no row was read
        return
    rows_with_errors = result.rows_rejected - result.rows_over_limit
    # Every rejected row has its own error line; rows over the limit share one.
    assert len(error_lines) == rows_with_errors + (result.rows_over_limit > 0)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.integers(min_value=1, max_value=700))
def test_arbitrary_bytes_never_raise_except_over_size_and_account_for_every_row(
    data: bytes, max_bytes: int
) -> None:
    limits = CsvLimits(max_bytes=max_bytes, max_rows=4, max_field_chars=40)
    if len(data) > max_bytes:
        with pytest.raises(InputError, match="the limit is"):
            parse_invoices_csv(data, limits)
        return
    _check_accounting(parse_invoices_csv(data, limits))


_cell = st.one_of(
    st.sampled_from(["INV-1", "INV-2", "12.50", "0", "-1", "1.001", "USD", "JPY", "card"]),
    st.sampled_from(["crypto", "2025-01-31", "2025-13-01", "", " ", "=A1", '"q,"', '"a\nb"']),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=6),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(_cell, min_size=0, max_size=9), max_size=8),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
)
def test_rows_of_random_cells_under_a_good_header_are_all_accounted_for(
    rows: list[list[str]], newline: str, bom: bool
) -> None:
    data = csv_bytes(HEADER, *(",".join(cells) for cells in rows), newline=newline)
    result = parse_invoices_csv((b"\xef\xbb\xbf" if bom else b"") + data, CsvLimits(max_rows=5))
    _check_accounting(result)
    assert len({d.invoice_id for d in result.accepted}) == len(result.accepted)
    assert all(d.amount.is_positive() for d in result.accepted)
