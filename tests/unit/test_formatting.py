"""Figures as people read them: one formatting module for every page, export and summary."""

from __future__ import annotations

import pytest

from ui import formatting as fmt


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (8419, "USD", "84.19 USD"),
        (1_075_644, "USD", "10,756.44 USD"),
        (5, "EUR", "0.05 EUR"),
        (-1_234_567, "GBP", "-12,345.67 GBP"),
        (1_234_567, "JPY", "1,234,567 JPY"),
        (None, "USD", "—"),
    ],
)
def test_money_reads_as_money_with_thousands_separators(
    minor: int | None, currency: str, shown: str
) -> None:
    assert fmt.money(minor, currency) == shown


@pytest.mark.parametrize(
    ("minor", "shown"),
    [(1_075_644, "10.8k USD"), (235_000_000, "2.35M USD"), (99_900, "999.00 USD"), (0, "0.00 USD")],
)
def test_compact_money_keeps_three_significant_digits(minor: int, shown: str) -> None:
    assert fmt.money_compact(minor) == shown


def test_percentages_have_at_most_two_decimals() -> None:
    assert fmt.percent(0.8261) == "82.6 %"
    assert fmt.percent(1.0) == "100 %"
    assert fmt.percent(0.123456, digits=5) == "12.35 %"
    assert fmt.percent(None) == "—"


def test_latency_is_whole_milliseconds() -> None:
    assert fmt.latency(839.3002) == "839 ms"
    assert fmt.latency(12_500.0) == "12.5 s"
    assert fmt.latency(None) == "—"


def test_simulated_time_reads_as_a_clock() -> None:
    assert fmt.clock(75) == "01:15"
    assert fmt.clock(3725.9) == "1:02:05"
    assert fmt.clock(None) == "—"


def test_spans_and_ages_read_as_words() -> None:
    assert fmt.duration(0.4) == "0.4 s"
    assert fmt.duration(95) == "1 min 35 s"
    assert fmt.duration(7200) == "2 h"
    assert fmt.duration(86_400 + 3_700) == "1 day 1 h"
    assert fmt.ago(30 * 86_400 + 50) == "30 days ago"
    assert fmt.ago(12) == "12 s ago"
    assert fmt.ago(4.7) == "5 s ago"
    assert fmt.ago(0.2) == "just now"


def test_ratio_and_basis_points() -> None:
    assert fmt.ratio(10_000) == "1.00 : 1"
    assert fmt.ratio(9_950) == "0.995 : 1"
    assert fmt.basis_points(12) == "12 bp (0.12 %)"


def test_a_missing_value_is_a_dash_and_booleans_are_words() -> None:
    assert fmt.cell(None) == "—"
    assert fmt.cell("") == "—"
    assert fmt.cell(True) == "yes"
    assert fmt.cell(1234) == "1,234"
    assert fmt.count(1234.4) == "1,234"


def test_machine_names_and_spans_of_time_read_as_words() -> None:
    assert fmt.words("half_open") == "half open"
    assert fmt.words("forced_open") == "forced open"
    assert fmt.words(None) == "—"
    assert fmt.clock_span(240, 330) == "04:00\u201305:30"
    assert fmt.clock_span(3600, None) == "1:00:00\u2013now"
    assert fmt.clock_span(None, 5) == "—"


def test_compact_money_can_keep_a_fourth_digit_for_figures_read_side_by_side() -> None:
    assert fmt.money_compact(94_972_467, significant=4) == "949.7k USD"
    assert fmt.money_compact(108_159_400, significant=4) == "1.082M USD"
    assert fmt.money_compact(10_741, significant=4) == "107.41 USD"


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("84.19", "USD", "84.19 USD"),
        ("1234.5", "EUR", "1,234.50 EUR"),
        ("4009", "JPY", "4,009 JPY"),
        ("", "USD", "—"),
        ("not-money", "USD", "—"),
        ("12.00", None, "—"),
    ],
)
def test_a_decimal_amount_from_a_file_reads_as_money(
    amount: str, currency: str | None, shown: str
) -> None:
    assert fmt.money_text(amount, currency) == shown


def test_a_moment_of_a_run_is_a_clock_or_a_day_of_its_history() -> None:
    assert fmt.run_time(68.4) == "01:08"
    assert fmt.run_time(-21_600) == "day -1, 18:00"
    assert fmt.run_time(-86_400 * 30) == "day -30, 00:00"
    assert fmt.run_time(None) == "—"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1.989311, "1.99 s"),
        (2.342266, "2.34 s"),
        (60.420322, "60.4 s"),
        (0.486145, "0.49 s"),
        (0.041, "0.041 s"),
        (0.0, "0 s"),
        (125.0, "2 min 5 s"),
        (-0.5, "-0.5 s"),
        (None, "—"),
    ],
)
def test_a_measured_span_reads_in_seconds_as_precise_as_is_worth_reading(
    value: float | None, shown: str
) -> None:
    assert fmt.seconds(value) == shown


def test_footnote_marks_are_superscript_numbers() -> None:
    assert fmt.note_mark(1) == "¹"
    assert fmt.note_mark(12) == "¹²"
