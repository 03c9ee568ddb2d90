"""What to write instead: advice for a bulk invoice CSV that does not read.

The importer (``actors.bulk_csv``) names the line and column of every problem;
the functions here say what to change, in the user's own values where they
can: a value whose double quote ends it early, a quote never closed, an amount
written with a currency sign or a decimal comma, a date written day first,
bytes that are not UTF-8. Advice is only advice: the row stays refused, and
nothing here guesses a value into the import.
"""

from __future__ import annotations

import csv
import re
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from actors.money import CURRENCY_EXPONENTS

# A value of each column as the header names it, for "e.g." in the advice.
EXAMPLES = {
    "invoice_id": "INV-1001",
    "payer": "Acme Corp",
    "merchant": "Globex",
    "amount": "12.50",
    "currency": "USD",
    "method": "card",
    "due_date": "2031-01-31",
}
SAVE_AS_UTF8 = "save the file as UTF-8 (in Excel: Save As, CSV UTF-8)"
MAX_SHOWN_CHARS = 48  # a value quoted back in a message is cut to this, with "…"
_SPREADSHEET_EPOCH = date(1899, 12, 30)  # day 0 of a spreadsheet's date numbers
_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "円": "JPY"}
# Dates written other than YYYY-MM-DD, in the order they are tried: a date and time,
# year first with other separators or none, then day or month first (ambiguous when
# both are 12 or less), then a spreadsheet's day number.
_YEAR_FIRST = (
    re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ].*"),
    re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})"),
    re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})"),
)
_DAY_OR_MONTH_FIRST = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})")
_SPREADSHEET_DAY = re.compile(r"([0-9]{5})(\.[0-9]+)?")
_UNQUOTED = re.compile(r"[^,\r\n]*")
_LINE_END = re.compile(r"\r\n|\r|\n")


def shown(value: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """``value`` cut to ``limit`` characters around an ellipsis, to quote it back."""
    if len(value) <= limit:
        return value
    half = (limit - 1) // 2
    return f"{value[:half]}…{value[-half:]}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def quoted(value: str) -> str:
    """``value`` as a CSV cell that reads back as it: in double quotes, its quotes doubled
    (quotes the user already doubled are taken as one)."""
    return '"' + value.replace('""', '"').replace('"', '""') + '"'


# -- values the csv module refused -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A record the csv module refused: the physical lines it took, and its message."""

    first_line: int
    lines: tuple[str, ...]
    error: str


def explain_unreadable(record: Unreadable, width: int | None) -> tuple[int | None, str]:
    """(the index of the value at fault, or None; what is wrong and what to write instead).
    ``width``: how many values a row has (the header's), or None for the header itself."""
    text = "".join(record.lines)
    spans, failure = _scan(text)
    if "field larger than field limit" in record.error:
        limit = csv.field_size_limit()
        index = next((i for i, (s, e) in enumerate(spans) if e - s > limit), len(spans) - 1)
        return index, (
            f"not valid CSV: this value is longer than {limit:,} characters; shorten it, and "
            "if it starts with a double quote check that the quote is closed (a quote never "
            "closed takes the lines after it into the value)"
        )
    if failure is None:  # a refusal this scan does not know: say what the module said
        return None, (
            f"not valid CSV ({record.error}); a value containing commas, double quotes or "
            "line breaks must be wrapped in double quotes, and its own quotes doubled"
        )
    index, (start, _) = len(spans) - 1, spans[-1]
    opened_on = record.first_line + _line_of(text, start)
    if failure == len(text):
        return index, _never_closed(record, text, start, opened_on, width, index)
    failed_on = record.first_line + _line_of(text, failure)
    if failed_on != opened_on:
        return index, _closed_lines_later(text, start, opened_on, failed_on, width, index)
    return index, _closed_early(text, start, failure, width, index)


def _scan(text: str) -> tuple[list[tuple[int, int]], int | None]:
    """The spans of a record's values as the csv module reads them (strict, excel dialect),
    up to where it gives up: the offset of the character it refuses (``len(text)`` for a
    quote never closed), or None when it reads the whole record."""
    spans: list[tuple[int, int]] = []
    at = 0
    while True:
        start = at
        if text.startswith('"', at):
            at += 1
            while (at := text.find('"', at)) >= 0 and text.startswith('""', at):
                at += 2
            if at < 0:
                spans.append((start, len(text)))
                return spans, len(text)
            at += 1
            if at < len(text) and text[at] not in ",\r\n":
                spans.append((start, at))
                return spans, at
        else:
            match = _UNQUOTED.match(text, at)
            at = match.end() if match else at
        spans.append((start, at))
        if not text.startswith(",", at):
            return spans, None
        at += 1


def _line_of(text: str, offset: int) -> int:
    """How many line ends come before ``offset`` (``\\r\\n`` is one)."""
    return len(_LINE_END.findall(text, 0, offset))


def _intended(text: str, start: int, after: int, width: int | None, index: int) -> str:
    """The value the user most likely meant at ``start``, read to a comma or the end of
    the line at or past ``after``: the first such end that leaves the rest of the line
    with the values the header still expects (else the first end)."""
    line_end = _LINE_END.search(text, after)
    stop = line_end.start() if line_end else len(text)
    ends = [m.start() for m in re.finditer(",", text[:stop]) if m.start() >= after] + [stop]
    chosen = ends[0]
    if width is not None:
        for end in ends:
            rest = text[end + 1 : stop] if end < stop else None
            if rest is not None:
                try:
                    remaining = len(next(csv.reader([rest], strict=True), []))
                except csv.Error:
                    continue
            else:
                remaining = 0
            if index + 1 + remaining == width:
                chosen = end
                break
    raw = text[start:chosen].strip()
    wrapped = len(raw) >= 2 and raw.startswith('"') and raw.endswith('"')
    return raw[1:-1] if wrapped else raw


def _closed_early(text: str, start: int, failure: int, width: int | None, index: int) -> str:
    after_quote = _UNQUOTED.match(text, failure)
    trailing = after_quote.group() if after_quote else ""
    if not trailing.strip():
        return (
            "not valid CSV: spaces after the closing double quote of this value; remove "
            f"them: {shown(text[start:failure])}"
        )
    value = _intended(text, start, failure, width, index)
    return (
        "not valid CSV: a value that starts with a double quote ends at its next double "
        f"quote, and here text follows it ({shown(text[start:failure])} then "
        f"{shown(trailing, 16)}); a value containing quotes must be wrapped in double quotes "
        f"and its quotes doubled: {shown(quoted(value))}"
    )


def _closed_lines_later(
    text: str, start: int, opened_on: int, failed_on: int, width: int | None, index: int
) -> str:
    first = text[start + 1 :]
    value = _intended(first, 0, 0, width, index)
    return (
        f"not valid CSV: the double quote that opens this value on line {opened_on} is not "
        f"closed on that line, so lines {opened_on} to {failed_on} were read as this one "
        f"value (and not imported); close the quote on line {opened_on}: "
        f"{shown(quoted(value))}, or, if the value is meant to span lines, wrap all of it in "
        "double quotes and double the quotes inside it"
    )


def _never_closed(
    record: Unreadable, text: str, start: int, opened_on: int, width: int | None, index: int
) -> str:
    last = record.first_line + len(record.lines) - 1
    value = _intended(text[start + 1 :], 0, 0, width, index)
    swallowed = (
        f"lines {opened_on} to {last}, the rest of the file, were read as this one value and "
        "no row after it was imported"
        if last > opened_on
        else "the file ends inside it"
    )
    return (
        f"not valid CSV: the double quote that opens this value is never closed, so "
        f"{swallowed}; close the quote: {shown(quoted(value))}, and double any quote inside "
        "the value"
    )


# -- values that read but mean nothing ---------------------------------------------


def not_utf8(value: str, at: int, byte: int) -> str:
    """A value with a byte that is not UTF-8 at ``at`` (decoded with surrogateescape)."""
    before = value[max(0, at - 12) : at]
    try:
        as_windows = f", {bytes([byte]).decode('cp1252')!r} in Windows-1252"
    except UnicodeDecodeError:
        as_windows = ""
    where = f" after {before!r}" if before else " at its start"
    return f"not valid UTF-8 (byte 0x{byte:02x}{as_windows}){where}; {SAVE_AS_UTF8}"


def currency_advice(text: str) -> str:
    """Why ``text`` is no supported currency: its code when it is written as a sign."""
    known = ", ".join(sorted(CURRENCY_EXPONENTS))
    code = _SYMBOLS.get(text.strip().upper())
    if code is not None:
        return f"unknown currency {shown(text)!r}: write its code, {code} (one of {known})"
    return f"unknown currency {shown(text)!r}; use one of {known}"


def amount_advice(text: str, currency: str) -> str:
    """Why ``text`` is not an amount in ``currency``, and what to write instead."""
    head = f"{shown(text)!r} is not a decimal amount"
    exponent = CURRENCY_EXPONENTS[currency]
    example = "1250" if exponent == 0 else f"12.{'5'.ljust(exponent, '0')}"
    body = text.strip()
    for sign in ("=", "@", "+"):
        if body.startswith(sign) and len(body) > 1:
            rest = shown(body[1:])
            return f"{head}: remove the leading {sign!r} and write the amount itself: {rest}"
    if body.startswith(".") and _plain(f"0{body}"):
        return f"{head}: write a 0 before the point: 0{body}"
    letters = body.strip("$€£¥円 ").strip(string.ascii_letters + " ")
    if letters != body and letters and _plain(letters):
        return (
            f"{head}: write it without the currency sign or code ({letters}); the currency "
            "goes in the currency column"
        )
    if "," in body:
        return f"{head}: {_comma_advice(body, example)}"
    if " " in body or "_" in body or "'" in body:
        joined = body.replace(" ", "").replace("_", "").replace("'", "")
        if _plain(joined):
            return f"{head}: write it without spaces or separators: {joined}"
    digits = "".join(str(d) if (d := unicodedata.decimal(c, None)) is not None else c for c in body)
    if digits != body and digits.isascii() and _plain(digits):
        return f"{head}: write it with the digits 0-9: {digits}"
    if "e" in body.lower():
        plain = _without_exponent(body)
        if plain is not None:
            return f"{head}: write it in plain digits, without an exponent: {plain}"
    return f"{head}: write digits with a point for decimals and no sign, e.g. {example}"


def _plain(text: str) -> bool:
    return re.fullmatch(r"[0-9]+(\.[0-9]*)?", text) is not None


def _comma_advice(body: str, example: str) -> str:
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", body) and "." in body:
        return f"write it without thousands separators: {body.replace(',', '')}"
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+,[0-9]+", body):
        european = body.replace(".", "").replace(",", ".")
        return f"write it with a point for decimals and no separators: {european}"
    if re.fullmatch(r"[0-9]+,[0-9]{1,2}", body):
        return f"use a point for decimals: {body.replace(',', '.')}"
    return f"write it with a point for decimals and no thousands separators, e.g. {example}"


def _without_exponent(body: str) -> str | None:
    try:
        number = Decimal(body)
    except InvalidOperation:
        return None
    exponent = number.as_tuple().exponent
    if not number.is_finite() or not isinstance(exponent, int) or abs(exponent) > 30:
        return None
    return format(number, "f")


def decimals_advice(text: str, decimals: int, currency: str) -> str:
    """An amount with more decimals than ``currency`` has."""
    exponent = CURRENCY_EXPONENTS[currency]
    whole, _, fraction = text.partition(".")
    plural = "decimal" if decimals == 1 else "decimals"
    head = f"{shown(text)!r} has {decimals} {plural}; {currency} allows at most {exponent}"
    if not fraction[exponent:].strip("0"):
        trimmed = whole if exponent == 0 else f"{whole}.{fraction[:exponent]}"
        return f"{head}: write {shown(trimmed)}"
    unit = "a whole number" if exponent == 0 else f"at most {exponent} decimals"
    return f"{head}: round it to {unit}"


def date_advice(text: str) -> str:
    """Why ``text`` is not a YYYY-MM-DD date, with the user's date rewritten where it is
    unambiguous."""
    head = f"{shown(text)!r} is not a date"
    value = text.strip()
    if m := re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", value):
        year, month, _ = map(int, m.groups())
        if not 1 <= month <= 12:
            return f"{head}: write the month as 01 to 12 (YYYY-MM-DD)"
        if year < 1:
            return f"{head}: write a year from 0001 on (YYYY-MM-DD)"
        last = _days_in(year, month)
        return f"{head}: {year:04d}-{month:02d} has days 01 to {last:02d}; write one of those"
    guesses = _dates_meant(value)
    if len(guesses) == 1:
        return f"{head}; write it as YYYY-MM-DD: {guesses[0].isoformat()}"
    if len(guesses) == 2:
        a, b = (g.isoformat() for g in guesses)
        return f"{head}; write it as YYYY-MM-DD: {a} or {b}, whichever you meant"
    return f"{head}; write it as YYYY-MM-DD, e.g. {EXAMPLES['due_date']}"


def _dates_meant(value: str) -> list[date]:
    """The dates ``value`` may be written for (none when it is no date at all)."""
    year_first = next(filter(None, (pattern.fullmatch(value) for pattern in _YEAR_FIRST)), None)
    day_or_month_first = _DAY_OR_MONTH_FIRST.fullmatch(value)
    serial = _SPREADSHEET_DAY.fullmatch(value)
    if year_first:
        ymd = [(int(year_first[1]), int(year_first[2]), int(year_first[3]))]
    elif day_or_month_first:
        first, second, year = map(int, day_or_month_first.groups())
        ymd = list(dict.fromkeys([(year, second, first), (year, first, second)]))
    elif serial:
        return [_SPREADSHEET_EPOCH + timedelta(days=int(serial[1]))]
    else:
        return []
    found = []
    for year, month, day in ymd:
        try:
            found.append(date(year, month, day))
        except ValueError:
            continue
    return found


def _days_in(year: int, month: int) -> int:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - timedelta(days=1)).day


def too_few_values(count: int, width: int, column: str) -> str:
    return (
        f"missing value: the row has only {count} fields, the header {width}; give this row "
        f"its {column}, e.g. {EXAMPLES.get(column, '…')}"
    )


def too_many_values(fields: Sequence[str], width: int) -> str:
    head = f"row has {len(fields)} fields, the header {width}"
    spaced = next((f for f in fields if f[:1].isspace() and f.lstrip().startswith('"')), None)
    if spaced is not None:
        return (
            f"{head}: a double quote opens a quoted value only as its first character, so "
            f"{shown(spaced.strip())!r} was split at its commas; remove the space before the "
            "opening quote"
        )
    return (
        f"{head}: a value containing a comma must be wrapped in double quotes "
        '("Acme, Inc."), else the values after it move to the next column; remove any value '
        "past the last column"
    )
