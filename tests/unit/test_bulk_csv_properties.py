"""Any invoice CSV, written from a model of its rows, imports each row exactly as written or
refuses it on its own line: no row lost, no id accepted twice (hypothesis).

The model is a header (the columns in any order and case, with unknown ones) and a list of
rows: a value per column, and how each is written (plain, padded, quoted, padded inside
its quotes, or with a byte that is not UTF-8), a row cut short or given extra values, a
value with text after its closing quote, a quote never closed, blank lines. Values are
unicode, formula-looking, with commas, quotes and line breaks; amounts are huge and
malformed too. The file is written from the model (with a UTF-8 BOM or not, one line
ending) and every row of the import is compared with what the model says of it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.bulk_csv import (
    REQUIRED_COLUMNS,
    CsvLimits,
    ImportResult,
    InvoiceDraft,
    RowError,
    parse_invoices_csv,
)
from actors.methods import PaymentMethod
from actors.money import CURRENCY_EXPONENTS, Money

MAX_FIELD_CHARS = 40  # small, so an over-long value is cheap to write
LIMITS_ROWS = (5, 1_000)  # max_rows is one of these: the limit is reached in some files
BOM = b"\xef\xbb\xbf"
LINE_END = re.compile(rb"\r\n|\r|\n")
# Words of the advice: every error must say what to change, with one of them.
ACTIONS = re.compile(
    r"\b(must|write|give|use|remove|close|save|shorten|round|split|upload|add|keep|rename)\b"
)
OK, FIELD, PARSE = "ok", "field", "parse"  # a value is fine, bad as text, or bad as a value

# Values with commas, quotes, line breaks and formula prefixes, beside arbitrary unicode.
TRICKY = (
    "Acme, Inc.",
    'say "hi"',
    '"quoted"',
    "two\nlines",
    "cr\r\nlf",
    "old\rmac",
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+41 22",
    "-5",
    "@SUM(A1)",
    "日本の会社",
    "Zoë & Søren",
    ",",
    '""',
    "a\x00b",
)
_free = st.text(st.characters(codec="utf-8"), min_size=1, max_size=16)
TEXT = (
    st.one_of(
        st.sampled_from(TRICKY),
        _free,
        st.tuples(st.sampled_from("=+-@"), _free).map("".join),
    )
    .map(str.strip)
    .filter(bool)
)
SAFE = st.text(st.sampled_from("abcxyz019 -"), min_size=1, max_size=8).map(str.strip).filter(bool)
ID_POOL = st.sampled_from(["INV-1", "INV-2", "=A1", "-3", "@x", "é"])  # ids given again
IDS = st.one_of(ID_POOL, ID_POOL, TEXT)
BAD_TEXT = st.sampled_from(["", "   ", "x" * (MAX_FIELD_CHARS + 1)])
# Amounts no currency takes: each is refused whatever the currency.
BAD_AMOUNTS = (
    "0", "0.00", "-0", "-5", "-12.50", "1.005", "1e3", "1E999", "NaN", "Infinity", "abc",
    "0x1F", "1_000", "12,50", "1,234.50", "$5", "5 USD", "+5", "=5", "@5", ".", "1.2.3",
    "\u0661\u0662", "\uff11\uff12", "9" * 30, "1000000000", "99999999999999999999.99",
)  # fmt: skip
BAD_CURRENCIES = ("XYZ", "$", "€", "US D", "BTC", "usdt")
BAD_METHODS = ("paypal", "cash", "card!", "crypto currency")
BAD_DATES = (
    "2025/01/31", "31/01/2031", "2031-02-30", "2031-13-01", "tomorrow", "2031-1-5",
    "45678", "2031-01-31T00:00", "0000-01-01", "20310131",
)  # fmt: skip
EXTRA_NAMES = ("notes", "Memo", "", "ref")


@dataclass
class Cell:
    text: str  # what the importer reads (stripped), if written well
    state: str  # OK, FIELD or PARSE
    style: str  # plain, padded, quoted, inner_padded, bad_bytes
    bad_byte: bytes = b"\xff"


@dataclass
class Row:
    kind: str  # values, short, long, stray_quote, unclosed, blank
    cells: dict[str, Cell]  # by header column (required names, or "extra0"...)
    cut: int = 0  # short: values left out at the end; long: values added
    fault: str | None = None  # stray_quote, unclosed: the column of the bad quote
    blank_text: str = ""  # blank: the line's text
    meaning: dict[str, object] = field(default_factory=dict)  # the typed value of OK cells
    line: int = 0  # the line it starts on, once written


def write(cell: Cell) -> bytes:
    text = cell.text
    if cell.style == "plain":
        return text.encode()
    if cell.style == "padded":
        return f"  {text} ".encode()
    if cell.style == "bad_bytes":
        return text.encode() + cell.bad_byte
    inner = text.replace('"', '""')
    return (f'"{inner}"' if cell.style == "quoted" else f'" {inner}  "').encode()


def needs_quotes(text: str) -> bool:
    return any(c in text for c in ",\r\n") or text.startswith('"')


@st.composite
def styled(draw: st.DrawFn, text: str, state: str, bad_bytes: bool = False) -> Cell:
    """A value written in one of the ways that keep it (or, for ``bad_bytes``, with a byte
    that is not UTF-8, which makes it a FIELD error)."""
    if bad_bytes and not needs_quotes(text):
        byte = draw(st.sampled_from([b"\xff", b"\xc3", b"\xe9", b"\x80"]))
        return Cell(text, FIELD, "bad_bytes", byte)
    styles = ["quoted", "inner_padded"] + ([] if needs_quotes(text) else ["plain", "padded"])
    return Cell(text, state, draw(st.sampled_from(styles)))


@st.composite
def amount_cell(draw: st.DrawFn, currency: str | None) -> tuple[Cell, Money | None]:
    """A valid amount in ``currency`` written one of the ways it reads, or a bad one."""
    if currency is None or draw(st.integers(0, 9)) == 0:
        bad = draw(st.one_of(st.sampled_from(BAD_AMOUNTS), BAD_TEXT))
        state = FIELD if not bad.strip() or len(bad) > MAX_FIELD_CHARS else PARSE
        return draw(styled(bad, state)), None
    exponent = CURRENCY_EXPONENTS[currency]
    minor = draw(st.one_of(st.integers(1, 10**8), st.sampled_from([1, 100, 10**8])))
    units, cents = divmod(minor, 10**exponent)
    forms = [Money(minor, currency).decimal_text()]
    if exponent and cents % 10 == 0:
        forms.append(f"{units}.{cents // 10}")
    if cents == 0:
        forms += [str(units), f"{units}."]
    text = "0" * draw(st.integers(0, 20)) + draw(st.sampled_from(forms))
    return draw(styled(text, OK)), Money(minor, currency)


def any_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c.lower() for c, flip in zip(text, flips, strict=True))


@st.composite
def value_cells(draw: st.DrawFn, extras: int) -> tuple[dict[str, Cell], dict[str, object]]:
    """Every column's cell, each valid (mostly) or not, and the typed value of the valid."""
    cells: dict[str, Cell] = {}
    meaning: dict[str, object] = {}
    good = st.integers(0, 9).map(bool)  # 9 in 10 valid
    for column, values in (("invoice_id", IDS), ("payer", TEXT), ("merchant", TEXT)):
        if draw(good):
            cells[column] = draw(styled(draw(values), OK, bad_bytes=draw(st.integers(0, 9)) == 0))
            meaning[column] = cells[column].text
        else:
            bad = draw(BAD_TEXT)
            cells[column] = draw(styled(bad, FIELD))
    currency: str | None = None
    if draw(good):
        currency = draw(st.sampled_from(sorted(CURRENCY_EXPONENTS)))
        cells["currency"] = draw(styled(any_case(draw, currency), OK))
    else:
        bad = draw(st.one_of(st.sampled_from(BAD_CURRENCIES), BAD_TEXT))
        cells["currency"] = draw(styled(bad, FIELD if not bad.strip() else PARSE))
    cells["amount"], meaning["amount"] = draw(amount_cell(currency))
    if draw(good):
        method = draw(st.sampled_from(list(PaymentMethod)))
        cells["method"], meaning["method"] = draw(styled(any_case(draw, method), OK)), method
    else:
        bad = draw(st.one_of(st.sampled_from(BAD_METHODS), BAD_TEXT))
        cells["method"] = draw(styled(bad, FIELD if not bad.strip() else PARSE))
    if draw(good):
        due = draw(st.dates(date(2100, 1, 1), date(9999, 12, 31)))
        cells["due_date"], meaning["due_date"] = draw(styled(due.isoformat(), OK)), due
    else:
        bad = draw(st.one_of(st.sampled_from(BAD_DATES), BAD_TEXT))
        cells["due_date"] = draw(styled(bad, FIELD if not bad.strip() else PARSE))
    for n in range(extras):
        cells[f"extra{n}"] = draw(styled(draw(st.one_of(st.just(""), TEXT)), OK))
    return cells, meaning


@st.composite
def rows(draw: st.DrawFn, order: list[str], last: bool) -> Row:
    kinds = (
        ["values"] * 6 + ["short", "long", "stray_quote", "blank"] + (["unclosed"] if last else [])
    )
    kind = draw(st.sampled_from(kinds))
    extras = sum(column.startswith("extra") for column in order)
    if kind == "blank":
        text = draw(st.sampled_from(["", "   ", "," * (len(order) - 1), " , ", '""', '"",""']))
        return Row(kind, {}, blank_text=text)
    if kind in ("stray_quote", "unclosed"):
        cells = {column: Cell(draw(SAFE), OK, "plain") for column in order}
        return Row(kind, cells, fault=draw(st.sampled_from(order)))
    cells, meaning = draw(value_cells(extras))
    cut = draw(st.integers(1, len(order))) if kind == "short" else 0
    cut = draw(st.integers(1, 3)) if kind == "long" else cut
    return Row(kind, cells, cut=cut, meaning=meaning)


def row_bytes(row: Row, order: list[str]) -> bytes:
    if row.kind == "blank":
        return row.blank_text.encode()
    written = [write(row.cells[column]) for column in order]
    if row.kind in ("stray_quote", "unclosed"):
        at = order.index(row.fault or "")
        close = b'"x' if row.kind == "stray_quote" else b""
        written[at] = b'"' + row.cells[order[at]].text.encode() + close
    if row.kind == "short":
        written = written[: len(order) - row.cut]
    if row.kind == "long":
        written += [b"surplus"] * row.cut
    return b",".join(written)


def fields_read(row: Row, order: list[str]) -> list[str]:
    """The texts the importer reads from a row of kind values, short or long (stripped)."""
    texts = [row.cells[column].text for column in order]
    if row.kind == "short":
        texts = texts[: len(order) - row.cut]
    return texts + ["surplus"] * (row.cut if row.kind == "long" else 0)


@dataclass
class CsvFile:
    data: bytes
    order: list[str]
    rows: list[Row]  # the rows the importer must see (blank lines left out)
    previous: set[str]  # ids imported by an earlier upload
    max_rows: int


@st.composite
def csv_files(draw: st.DrawFn) -> CsvFile:
    extras = draw(st.integers(0, 2))
    order = draw(st.permutations([*REQUIRED_COLUMNS, *(f"extra{n}" for n in range(extras))]))
    names = [
        draw(st.sampled_from(EXTRA_NAMES)) if column.startswith("extra") else any_case(draw, column)
        for column in order
    ]
    header = ",".join(f" {name}" if draw(st.booleans()) else name for name in names).encode()
    newline = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    count = draw(st.integers(0, 12))
    model = [draw(rows(order, last=n == count - 1)) for n in range(count)]
    data = BOM if draw(st.booleans()) else b""
    data += header + newline
    for n, row in enumerate(model):
        row.line = len(LINE_END.findall(data)) + 1
        data += row_bytes(row, order)
        if n < count - 1 or draw(st.booleans()):
            data += newline
    seen = [row for row in model if row.kind != "blank" and not is_blank(row, order)]
    previous = set(draw(st.lists(ID_POOL, max_size=2)))
    return CsvFile(data, order, seen, previous, draw(st.sampled_from(LIMITS_ROWS)))


def is_blank(row: Row, order: list[str]) -> bool:
    """Whether the importer skips the row: every value it reads is blank."""
    if row.kind not in ("values", "short", "long"):
        return False
    kept = order[: len(order) - row.cut] if row.kind == "short" else order
    if any(row.cells[column].style == "bad_bytes" for column in kept):
        return False
    return not any(text.strip() for text in fields_read(row, order))


def expected_errors(
    row: Row, order: list[str], accepted: set[str], previous: set[str]
) -> set[str | None]:
    """The columns the importer must name for ``row`` (None: the row as a whole); empty when
    it must import the row."""
    if row.kind in ("stray_quote", "unclosed"):
        return {row.fault if row.fault in REQUIRED_COLUMNS else None}
    count = len(fields_read(row, order))
    columns: set[str | None] = {None} if count > len(order) else set()
    state = {
        c: ("missing" if order.index(c) >= count else row.cells[c].state) for c in REQUIRED_COLUMNS
    }
    columns |= {c for c, s in state.items() if s in ("missing", FIELD)}
    columns |= {c for c in ("currency", "method", "due_date") if state[c] == PARSE}
    if state["amount"] == PARSE and state["currency"] == OK:
        columns.add("amount")
    invoice_id = row.cells["invoice_id"].text
    if state["invoice_id"] == OK and invoice_id in accepted:
        columns.add("invoice_id")
    if not columns and invoice_id in previous:
        columns.add("invoice_id")  # refused by the check: an earlier upload has it
    return columns


def draft_of(row: Row) -> InvoiceDraft:
    m = row.meaning
    assert isinstance(m["amount"], Money) and isinstance(m["method"], PaymentMethod)
    assert isinstance(m["due_date"], date)
    return InvoiceDraft(
        line=row.line,
        invoice_id=str(m["invoice_id"]),
        payer=str(m["payer"]),
        merchant=str(m["merchant"]),
        amount=m["amount"],
        method=m["method"],
        due_date=m["due_date"],
    )


def check_accounting(result: ImportResult, file: CsvFile) -> None:
    assert len(result.accepted) + result.rows_rejected == result.rows_seen == len(file.rows)
    ids = [draft.invoice_id for draft in result.accepted]
    assert len(set(ids)) == len(ids), "an id accepted twice"
    assert not set(ids) & file.previous, "an id of an earlier upload accepted again"
    for error in result.errors:
        assert ACTIONS.search(error.reason), f"says nothing to do: {error.reason}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_every_row_of_any_csv_imports_exactly_as_written_or_is_refused_on_its_line(
    file: CsvFile,
) -> None:
    def earlier_upload(draft: InvoiceDraft) -> tuple[str, str] | None:
        if draft.invoice_id in file.previous:
            return "invoice_id", "imported by an earlier upload; give this invoice its own id"
        return None

    limits = CsvLimits(max_rows=file.max_rows, max_field_chars=MAX_FIELD_CHARS)
    result = parse_invoices_csv(file.data, limits, earlier_upload)
    assert result.warnings == [] or result.warnings[0].line == 1
    check_accounting(result, file)
    drafts = {draft.line: draft for draft in result.accepted}
    errors: dict[int, list[RowError]] = defaultdict(list)
    for error in result.errors:
        errors[error.line].append(error)
    accepted: set[str] = set()
    for row in file.rows[: file.max_rows]:
        columns = expected_errors(row, file.order, accepted, file.previous)
        if columns:
            assert row.line not in drafts, (row, drafts.get(row.line))
            assert {e.column for e in errors.pop(row.line, [])} == columns, row
        else:
            assert drafts.pop(row.line, None) == draft_of(row), row
            assert row.line not in errors, errors[row.line]
            accepted.add(draft_of(row).invoice_id)
    over = file.rows[file.max_rows :]
    assert result.rows_over_limit == len(over)
    if over:
        (limit_error,) = errors.pop(over[0].line)
        assert limit_error.column is None and "at most" in limit_error.reason
    assert drafts == {} and dict(errors) == {}, "a row imported or refused that is not in the file"
