import math

import pytest

from actors.alerts import MAX_KEY_LEN, MAX_MESSAGE_LEN, Alert, AlertBook, Severity
from actors.errors import InputError, InvariantViolation

W, B, INFO = Severity.WARNING, Severity.BREACH, Severity.INFO


def test_a_first_alert_is_raised_with_its_id_time_key_severity_and_message() -> None:
    book = AlertBook(period_s=300.0)
    alert = book.raise_alert(12.5, "reserve_drift:USD", W, "reserve shortfall of 1.00 USD")
    assert alert == Alert(1, 12.5, "reserve_drift:USD", W, "reserve shortfall of 1.00 USD")
    assert book.take_alerts() == [alert]


def test_the_same_key_and_severity_within_the_period_is_suppressed() -> None:
    book = AlertBook(period_s=300.0)
    book.raise_alert(0.0, "k", W, "first")
    assert book.raise_alert(299.9, "k", W, "again") is None
    assert book.suppressed == 1
    assert [a.message for a in book.take_alerts()] == ["first"]


def test_the_same_key_is_raised_again_once_the_period_has_passed() -> None:
    book = AlertBook(period_s=300.0)
    book.raise_alert(0.0, "k", W, "first")
    again = book.raise_alert(300.0, "k", W, "still drifting")
    assert again is not None and again.id == 2


def test_the_period_runs_from_the_last_raised_alert_not_the_last_attempt() -> None:
    book = AlertBook(period_s=100.0)
    book.raise_alert(0.0, "k", W, "first")
    assert book.raise_alert(60.0, "k", W, "suppressed") is None
    assert book.raise_alert(100.0, "k", W, "raised") is not None
    assert book.raise_alert(150.0, "k", W, "suppressed") is None


def test_a_higher_severity_is_raised_at_once_and_restarts_the_period() -> None:
    book = AlertBook(period_s=300.0)
    book.raise_alert(0.0, "k", INFO, "noticed")
    assert book.raise_alert(1.0, "k", W, "warning") is not None
    breach = book.raise_alert(2.0, "k", B, "breach")
    assert breach is not None and breach.severity is B
    assert book.raise_alert(200.0, "k", B, "breach again") is None
    assert book.raise_alert(302.0, "k", B, "breach again") is not None


def test_a_lower_severity_within_the_period_of_a_higher_one_is_suppressed() -> None:
    book = AlertBook(period_s=300.0)
    book.raise_alert(0.0, "k", B, "breach")
    assert book.raise_alert(10.0, "k", W, "warning") is None
    assert book.raise_alert(10.0, "k", INFO, "info") is None
    assert book.raise_alert(300.0, "k", W, "warning") is not None


def test_different_keys_are_deduplicated_independently() -> None:
    book = AlertBook(period_s=300.0)
    assert book.raise_alert(0.0, "reserve_drift:USD", W, "usd") is not None
    assert book.raise_alert(0.0, "reserve_drift:EUR", W, "eur") is not None
    assert book.raise_alert(1.0, "reserve_drift:USD", W, "usd") is None


def test_alert_ids_are_sequential_per_book() -> None:
    first, second = AlertBook(60.0), AlertBook(60.0)
    ids = [first.raise_alert(0.0, f"k{i}", W, "m") for i in range(3)]
    assert [a.id for a in ids if a] == [1, 2, 3]
    other = second.raise_alert(0.0, "k", W, "m")
    assert other is not None and other.id == 1


def test_new_alerts_are_drained_once() -> None:
    book = AlertBook(60.0)
    book.raise_alert(0.0, "a", W, "m")
    book.raise_alert(1.0, "b", B, "m")
    assert [a.key for a in book.take_alerts()] == ["a", "b"]
    assert book.take_alerts() == []


def test_severity_may_be_given_as_text() -> None:
    alert = AlertBook(60.0).raise_alert(0.0, "k", "breach", "m")
    assert alert is not None and alert.severity is B


def test_expired_keys_are_forgotten_so_memory_stays_bounded() -> None:
    book = AlertBook(period_s=10.0)
    for i in range(1_000):
        book.raise_alert(float(i), f"key-{i}", W, "m")
    assert book.tracked_keys == 10
    assert book.last("key-989") is None
    last = book.last("key-999")
    assert last is not None and last.at == 999.0


def test_beyond_max_keys_the_oldest_key_is_forgotten() -> None:
    book = AlertBook(period_s=1_000.0, max_keys=2)
    book.raise_alert(0.0, "a", W, "m")
    book.raise_alert(1.0, "b", W, "m")
    book.raise_alert(2.0, "a", B, "m")  # "a" is now the newest
    book.raise_alert(3.0, "c", W, "m")
    assert book.tracked_keys == 2
    assert book.last("b") is None
    assert book.raise_alert(4.0, "b", W, "m") is not None
    assert book.raise_alert(4.0, "c", W, "m") is None


def test_undrained_alerts_beyond_the_limit_stop_the_run() -> None:
    book = AlertBook(period_s=60.0, max_pending=2)
    book.raise_alert(0.0, "a", W, "m")
    book.raise_alert(0.0, "b", W, "m")
    with pytest.raises(InvariantViolation, match="take_alerts"):
        book.raise_alert(0.0, "c", W, "m")
    assert book.last("c") is None
    book.take_alerts()
    assert book.raise_alert(0.0, "c", W, "m") is not None


def test_a_zero_period_never_suppresses() -> None:
    book = AlertBook(period_s=0.0)
    assert book.raise_alert(0.0, "k", W, "m") is not None
    assert book.raise_alert(0.0, "k", W, "m") is not None


def test_time_going_backwards_is_rejected() -> None:
    book = AlertBook(60.0)
    book.raise_alert(10.0, "a", W, "m")
    with pytest.raises(InputError, match="before"):
        book.raise_alert(9.0, "b", W, "m")


@pytest.mark.parametrize(
    ("now", "key", "severity", "message"),
    [
        (0.0, "", W, "m"),
        (0.0, "k" * (MAX_KEY_LEN + 1), W, "m"),
        (0.0, "k", W, ""),
        (0.0, "k", W, "m" * (MAX_MESSAGE_LEN + 1)),
        (0.0, "k", "critical", "m"),
        (math.nan, "k", W, "m"),
    ],
)
def test_an_invalid_alert_is_rejected_and_not_recorded(
    now: float, key: str, severity: str, message: str
) -> None:
    book = AlertBook(60.0)
    with pytest.raises(InputError):
        book.raise_alert(now, key, severity, message)
    assert book.take_alerts() == []


@pytest.mark.parametrize(("period_s", "max_keys"), [(-1.0, 10), (math.inf, 10), (60.0, 0)])
def test_an_invalid_alert_book_is_refused(period_s: float, max_keys: int) -> None:
    with pytest.raises(InputError):
        AlertBook(period_s, max_keys=max_keys)
