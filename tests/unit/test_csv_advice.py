"""Every error of the bulk CSV import says what to write instead, in the user's own values."""

from __future__ import annotations

import pytest

from actors.bulk_csv import REQUIRED_COLUMNS, ImportResult, RowError, parse_invoices_csv

HEADER = ",".join(REQUIRED_COLUMNS)


def row(**fields: str) -> str:
    values = {
        "invoice_id": "INV-1",
        "payer": "alice",
        "merchant": "acme",
        "amount": "12.50",
        "currency": "USD",
        "method": "card",
        "due_date": "2031-01-31",
        **fields,
    }
    return ",".join(values[column] for column in REQUIRED_COLUMNS)


def parse(*lines: str) -> ImportResult:
    return parse_invoices_csv(("\n".join(lines) + "\n").encode())


def only_error(*lines: str) -> RowError:
    result = parse(*lines)
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def test_a_formula_wrapped_in_quotes_without_doubling_them_is_shown_as_it_must_be_written() -> None:
    error = only_error(HEADER, row(payer='"=HYPERLINK("https://x.test","pay")"'))
    assert (error.line, error.column) == (2, "payer")
    assert error.reason.endswith(
        "a value containing quotes must be wrapped in double quotes and its quotes doubled: "
        '"=HYPERLINK(""https://x.test"",""pay"")"'
    )


def test_a_value_starting_with_a_quoted_word_keeps_its_words_in_the_advice() -> None:
    error = only_error(HEADER, row(merchant='"Best" Shop'))
    assert (error.line, error.column) == (2, "merchant")
    assert error.reason.endswith('its quotes doubled: """Best"" Shop"')


def test_spaces_after_a_closing_quote_are_named_for_removal() -> None:
    error = only_error(HEADER, row(payer='"alice"  '))
    assert (error.line, error.column) == (2, "payer")
    assert "spaces after the closing double quote" in error.reason
    assert error.reason.endswith('remove them: "alice"')


def test_a_quote_never_closed_names_the_lines_it_took_and_how_to_close_it() -> None:
    result = parse(HEADER, row(), row(invoice_id="INV-2", payer='"bob'), row(invoice_id="INV-3"))
    assert [d.invoice_id for d in result.accepted] == ["INV-1"]
    (error,) = result.errors
    assert (error.line, error.column) == (3, "payer")
    assert "lines 3 to 4, the rest of the file, were read as this one value" in error.reason
    assert 'close the quote: "bob"' in error.reason


def test_a_quote_closed_lines_later_names_the_line_to_fix_and_the_next_rows_import() -> None:
    result = parse(
        HEADER,
        row(payer='"bob'),
        row(invoice_id="INV-2", payer='"carol"'),
        row(invoice_id="INV-3"),
    )
    assert [d.invoice_id for d in result.accepted] == ["INV-3"]
    (error,) = result.errors
    assert (error.line, error.column) == (2, "payer")
    assert "is not closed on that line, so lines 2 to 3 were read as this one value" in (
        error.reason
    )
    assert 'close the quote on line 2: "bob"' in error.reason


def test_a_broken_quote_in_a_column_the_header_does_not_know_is_named_by_its_position() -> None:
    error = only_error(HEADER + ",notes", row() + ',"a"b')
    assert (error.line, error.column) == (2, None)
    assert error.reason.startswith("8th value: not valid CSV")


def test_a_space_before_an_opening_quote_is_named_as_the_cause_of_extra_values() -> None:
    result = parse(HEADER, row(payer=' "Acme, Inc."'))
    first = result.errors[0]
    assert (first.line, first.column) == (2, None)
    assert first.reason.startswith("row has 8 fields, the header 7")
    assert "remove the space before the opening quote" in first.reason


@pytest.mark.parametrize(
    ("amount", "advice"),
    [
        ("$12.50", "write it without the currency sign or code (12.50)"),
        ("12.50 USD", "write it without the currency sign or code (12.50)"),
        ('"1,234.50"', "write it without thousands separators: 1234.50"),
        ('"12,50"', "use a point for decimals: 12.50"),
        ('"1.234,50"', "with a point for decimals and no separators: 1234.50"),
        ("1 234.50", "write it without spaces or separators: 1234.50"),
        ("1e3", "write it in plain digits, without an exponent: 1000"),
        ("=12.50", "remove the leading '=' and write the amount itself: 12.50"),
        ("+12.50", "remove the leading '+'"),
        (".5", "write a 0 before the point: 0.5"),
        ("\u0661\u0662", "write it with the digits 0-9: 12"),
        ("1.500", "has 3 decimals; USD allows at most 2: write 1.50"),
        ("1.005", "has 3 decimals; USD allows at most 2: round it to at most 2 decimals"),
        ("-5", "amount must be greater than 0, got -5; write the amount due, without a sign"),
        ("9" * 40, "(40 digits) is over the limit of 1000000.00 USD per invoice; split it"),
        ("2000000", "2000000.00 USD is over the limit of 1000000.00 USD per invoice; split it"),
        ("NaN", "write digits with a point for decimals and no sign, e.g. 12.50"),
    ],
)
def test_an_amount_that_is_not_one_says_how_to_write_it(amount: str, advice: str) -> None:
    error = only_error(HEADER, row(amount=amount))
    assert (error.line, error.column) == (2, "amount")
    assert advice in error.reason


def test_a_yen_amount_with_decimals_is_told_to_be_whole() -> None:
    error = only_error(HEADER, row(amount="12.5", currency="JPY"))
    assert "'12.5' has 1 decimal; JPY allows at most 0: round it to a whole number" in (
        error.reason
    )


def test_leading_zeros_and_a_bare_point_still_import_as_written() -> None:
    result = parse(HEADER, row(amount="0000000000000000000000012.50"), row(amount="7."))
    assert [str(d.amount) for d in result.accepted] == ["12.50 USD"]
    assert [(e.line, e.column) for e in result.errors] == [(3, "invoice_id")]  # the repeat


@pytest.mark.parametrize(
    ("due_date", "advice"),
    [
        ("31/01/2031", "write it as YYYY-MM-DD: 2031-01-31"),
        ("01/31/2031", "write it as YYYY-MM-DD: 2031-01-31"),
        ("03/04/2031", "2031-04-03 or 2031-03-04, whichever you meant"),
        ("2031/1/5", "write it as YYYY-MM-DD: 2031-01-05"),
        ("20310131", "write it as YYYY-MM-DD: 2031-01-31"),
        ("2031-01-31T10:00:00", "write it as YYYY-MM-DD: 2031-01-31"),
        ("45658", "write it as YYYY-MM-DD: 2025-01-01"),  # a spreadsheet's day number
        ("2031-02-30", "2031-02 has days 01 to 28; write one of those"),
        ("2031-13-01", "write the month as 01 to 12"),
        ("next friday", "write it as YYYY-MM-DD, e.g. 2031-01-31"),
    ],
)
def test_a_date_that_is_not_one_is_rewritten_where_it_is_unambiguous(
    due_date: str, advice: str
) -> None:
    error = only_error(HEADER, row(due_date=due_date))
    assert (error.line, error.column) == (2, "due_date")
    assert f"{due_date!r} is not a date" in error.reason
    assert advice in error.reason


def test_a_currency_sign_is_answered_with_its_code() -> None:
    error = only_error(HEADER, row(currency="€"))
    assert (error.line, error.column) == (2, "currency")
    assert "write its code, EUR" in error.reason


def test_empty_and_missing_values_name_the_column_with_an_example() -> None:
    result = parse(HEADER, row(invoice_id="", payer=""), "INV-2,bob,acme")
    reasons = {(e.line, e.column): e.reason for e in result.errors}
    assert reasons[(2, "invoice_id")].endswith("give each row an id of its own, e.g. INV-1001")
    assert reasons[(2, "payer")].endswith("give this row its payer, e.g. Acme Corp")
    assert reasons[(3, "currency")].endswith(
        "the row has only 3 fields, the header 7; give this row its currency, e.g. USD"
    )


def test_bytes_that_are_not_utf8_are_named_with_their_likely_character() -> None:
    data = f"{HEADER}\n".encode() + b"INV-1,Caf\xe9 Co,acme,1.00,USD,card,2031-01-31\n"
    (error,) = parse_invoices_csv(data).errors
    assert (error.line, error.column) == (2, "payer")
    assert error.reason == (
        "not valid UTF-8 (byte 0xe9, 'é' in Windows-1252) after 'Caf'; save the file as UTF-8 "
        "(in Excel: Save As, CSV UTF-8)"
    )


def test_a_utf16_file_is_told_to_be_saved_as_utf8() -> None:
    (error,) = parse_invoices_csv(f"{HEADER}\n{row()}\n".encode("utf-16")).errors
    assert (error.line, error.column) == (1, None)
    assert "the file is UTF-16" in error.reason and "save it as CSV UTF-8" in error.reason


def test_a_misspelt_header_column_is_named_with_the_likely_intended_one() -> None:
    error = only_error(HEADER.replace("merchant", "merchent"), row())
    assert error.line == 1
    assert "header missing columns: merchant (is 'merchent' meant? rename it)" in error.reason


def test_a_file_without_a_header_is_told_to_add_one() -> None:
    error = only_error(row(), row(invoice_id="INV-2"))
    assert error.line == 1
    assert f"the first line must be the header {HEADER}" in error.reason
    assert "this line looks like an invoice: add the header above it" in error.reason


def test_a_broken_quote_in_the_header_names_the_column() -> None:
    error = only_error('invoice_id,"pay"er,merchant', row())
    assert (error.line, error.column) == (1, None)
    assert error.reason.startswith("header, 2nd column: not valid CSV")
