import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.breaker import LEGAL_TRANSITIONS, BreakerConfig, BreakerState, CircuitBreaker
from actors.errors import InputError

CFG = BreakerConfig(failure_threshold=5, window_s=10.0, failure_rate=0.5, min_calls=20, open_s=30.0)


def test_breaker_opens_after_five_failures_in_window() -> None:
    b = CircuitBreaker("tempo", CFG)
    for i in range(4):
        b.record_failure(float(i))
        assert b.state is BreakerState.CLOSED
    b.record_failure(4.0)
    assert b.state is BreakerState.OPEN
    assert not b.allow(4.0)
    assert b.transitions[-1].reason.startswith("5 failures within 10s")


def test_failures_spread_wider_than_the_window_do_not_open_it() -> None:
    b = CircuitBreaker("tempo", CFG)
    for i in range(20):
        b.record_failure(i * 3.0)  # 5 failures always span 12 s > 10 s
    assert b.state is BreakerState.CLOSED


def test_a_high_failure_rate_over_enough_calls_opens_it() -> None:
    config = BreakerConfig(failure_threshold=1000, window_s=10.0, failure_rate=0.5, min_calls=20)
    b = CircuitBreaker("circle", config)
    for i in range(10):
        b.record_success(i * 0.1)
    for i in range(9):
        b.record_failure(1.0 + i * 0.1)
    assert b.state is BreakerState.CLOSED  # 19 calls: below min_calls
    b.record_failure(2.0)
    assert b.state is BreakerState.OPEN
    assert "failure rate 10/20" in b.transitions[-1].reason


def test_old_calls_leave_the_rate_window() -> None:
    config = BreakerConfig(failure_threshold=1000, window_s=10.0, failure_rate=0.5, min_calls=20)
    b = CircuitBreaker("circle", config)
    for i in range(19):
        b.record_failure(i * 0.01)
    for i in range(30):
        b.record_success(20.0 + i * 0.01)
    b.record_failure(20.5)
    assert b.state is BreakerState.CLOSED  # 1 failure in 31 recent calls


def test_open_breaker_turns_half_open_after_open_s_and_closes_on_success() -> None:
    b = CircuitBreaker("tempo", CFG)
    for i in range(5):
        b.record_failure(0.0 + i * 0.01)
    assert not b.allow(29.0)
    assert b.allow(30.05)
    assert b.state is BreakerState.HALF_OPEN
    assert not b.allow(30.06)  # one trial at a time
    b.record_success(30.2)
    assert b.state is BreakerState.CLOSED
    assert b.allow(30.3)


def test_a_failed_trial_opens_the_breaker_again() -> None:
    b = CircuitBreaker("tempo", CFG)
    for i in range(5):
        b.record_failure(float(i))
    assert b.allow(40.0)
    b.record_failure(40.5, "timeout")
    assert b.state is BreakerState.OPEN
    assert not b.allow(60.0)  # open_s counts from the new opening
    assert b.allow(70.6)


def test_a_passing_health_probe_moves_open_to_half_open_early() -> None:
    b = CircuitBreaker("tempo", CFG)
    for i in range(5):
        b.record_failure(float(i))
    b.probe_succeeded(10.0)
    assert b.state is BreakerState.HALF_OPEN
    assert b.allow(10.0)


def test_forced_open_and_disabled_hold_until_an_admin_reset() -> None:
    b = CircuitBreaker("stripe", CFG)
    b.force_open(1.0)
    assert not b.allow(1000.0)
    b.probe_succeeded(1000.0)
    b.record_success(1000.0)
    assert b.state is BreakerState.FORCED_OPEN
    b.disable(1001.0)
    assert b.state is BreakerState.DISABLED
    b.reset(1002.0)
    assert b.state is BreakerState.CLOSED
    assert b.allow(1002.0)


def test_answers_to_calls_made_before_opening_change_nothing() -> None:
    b = CircuitBreaker("tempo", CFG)
    for i in range(5):
        b.record_failure(float(i))
    b.record_success(5.0)
    b.record_failure(5.0)
    assert b.state is BreakerState.OPEN
    assert len(b.transitions) == 1


def test_bad_breaker_settings_are_rejected_with_the_field_name() -> None:
    with pytest.raises(InputError, match="failure_threshold"):
        BreakerConfig(failure_threshold=0)
    with pytest.raises(InputError, match="failure_rate"):
        BreakerConfig(failure_rate=1.5)


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["fail", "ok", "allow", "probe", "force", "disable", "reset", "current"]),
        st.floats(min_value=0.0, max_value=5.0),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(ACTIONS)
def test_breaker_never_makes_an_illegal_transition(actions: list[tuple[str, float]]) -> None:
    config = BreakerConfig(failure_threshold=3, window_s=4.0, min_calls=4, open_s=6.0)
    b = CircuitBreaker("p", config)
    now = 0.0
    for action, dt in actions:
        now += dt
        before = b.state
        if action == "fail":
            b.record_failure(now)
        elif action == "ok":
            b.record_success(now)
        elif action == "allow":
            allowed = b.allow(now)
            assert allowed == (b.state is BreakerState.CLOSED or b.state is BreakerState.HALF_OPEN)
        elif action == "probe":
            b.probe_succeeded(now)
        elif action == "force":
            b.force_open(now)
        elif action == "disable":
            b.disable(now)
        elif action == "reset":
            b.reset(now)
        else:
            b.current(now)
        if before in (BreakerState.FORCED_OPEN, BreakerState.DISABLED) and action in (
            "fail",
            "ok",
            "allow",
            "probe",
            "current",
        ):
            assert b.state is before  # only an admin leaves an admin state
    previous = BreakerState.CLOSED
    for t in b.transitions:
        assert (t.from_state, t.to_state) in LEGAL_TRANSITIONS
        assert t.from_state is previous
        previous = t.to_state
    assert previous is b.state
