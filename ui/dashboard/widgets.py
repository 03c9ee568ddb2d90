"""Pieces several pages share: the run line, health now, provider cards, the fault form.

Every element a browser test needs has a stable key (``st.container(key=...)``
renders as the CSS class ``st-key-<key>``); the keys are listed in the README.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import streamlit as st

from ui import formatting as fmt
from ui.dashboard.client import ApiClient, ApiError
from ui.dashboard.models import EngineState, Fault, ProviderHealth
from ui.dashboard.palette import (
    BREAKER_BADGES,
    PROVIDERS,
    STATUS_BADGES,
    STATUS_ICONS,
    colour,
    ordered,
)
from ui.dashboard.session import attempt
from ui.dashboard.timeline import Why, needs_restore, status_line
from ui.dashboard.traffic import View, Window

# How often live parts poll the API. The page's data is then up to this old, plus
# the engine's 0.25 s row flush, plus a rerun: 1 s keeps it within the 2 s target
# (a 2 s refresh measured 2.5 s; bench/demo_ready.py).
REFRESH_S = 1.0
FAULT_KINDS = ("outage", "silent", "error_rate", "latency", "flapping")
CARDS_PER_ROW = 4


def run_line(engine: EngineState | None) -> None:
    """The running scenario and its simulated clock, in one caption. The clock's seconds
    are also in ``data-sim-s`` (bench/demo_ready.py reads how far the page trails). The
    run's id is for engineers (``invoicesim runs``): it shows on hover, not on the page."""
    with st.container(key="run-line"):
        if engine is None:
            return
        if not engine["running"]:
            st.warning(
                "No scenario is running: start one on the Scenarios page.",
                icon=":material/pause_circle:",
            )
            return
        now_s = engine["sim_now_s"]
        st.markdown(
            f"<small title='run {escape(str(engine['run_id']))}'>Scenario "
            f"<b>{escape(str(engine['scenario']))}</b> · "
            f"simulated clock <b data-sim-s='{now_s:.1f}'>{fmt.clock(now_s)}</b> at speed "
            f"{engine['speed']:g}</small>",
            unsafe_allow_html=True,
        )


def live_health(client: ApiClient) -> tuple[EngineState | None, list[ProviderHealth]]:
    """The engine's state and, while a run is live, provider health now (shipped providers
    first)."""
    engine = attempt(client.engine)
    health = attempt(client.provider_health) if engine and engine["run_id"] else None
    rank = ordered([h["provider"] for h in health or []])
    return engine, sorted(health or [], key=lambda h: rank.index(h["provider"]))


def provider_name(name: str, names: list[str], size: str = "1.3em") -> str:
    """The provider's name in its colour, as HTML for ``st.markdown``."""
    return (
        f"<span style='color:{colour(name, names)};font-size:{size};font-weight:700'>"
        f"■ {name}</span>"
    )


def status_badge(status: str) -> str:
    """The status as a Markdown badge with its Material icon: ``:red-badge[... down]``."""
    return f":{STATUS_BADGES.get(status, 'gray')}-badge[{STATUS_ICONS.get(status, '')} {status}]"


def breaker_badge(breaker: str) -> str:
    return f":{BREAKER_BADGES.get(breaker, 'gray')}-badge[breaker {fmt.words(breaker)}]"


def provider_card(
    h: ProviderHealth, reasons: Why, window: Window, view: View, names: list[str]
) -> None:
    """A provider now: status and breaker, since when and why, and its figures over the
    range the charts show (success rate, share of payments), with latency of the last
    minute."""
    name = h["provider"]
    with st.container(border=True, key=f"provider-card-{name}"):
        st.markdown(
            f"{provider_name(name, names)} &nbsp; {status_badge(h['status'])} "
            f"{breaker_badge(h['breaker'])}",
            unsafe_allow_html=True,
        )
        st.caption(status_line(h, reasons, view.now_s).capitalize())
        if reasons["causes"]:
            st.markdown("\n".join(f"- {cause}" for cause in reasons["causes"]))
        p50, p99 = h["latency_p50_ms"], h["latency_p99_ms"]
        calls = window.attempts
        rows = [
            ("Success rate", fmt.percent(window.success_rate) if calls else "no calls"),
            ("Calls", fmt.count(calls)),
            ("Share of payments", fmt.percent(window.payment_share)),
            ("Latency p50, last min", "no calls" if p50 is None else fmt.latency(p50)),
            ("Latency p99, last min", "no calls" if p99 is None else fmt.latency(p99)),
        ]
        st.caption(f"Over the {view.words}, as the charts below:")
        st.table(
            {"Figure": [r[0] for r in rows], "Value": [r[1] for r in rows]},
            hide_index=True,
            hide_header=True,
        )
        if reasons["breaker"]:
            st.caption(reasons["breaker"][0].upper() + reasons["breaker"][1:] + ".")


def provider_cards(
    health: list[ProviderHealth],
    reasons: dict[str, Why],
    windows: dict[str, Window],
    view: View,
) -> None:
    """A card per provider, at most ``CARDS_PER_ROW`` side by side."""
    names = [h["provider"] for h in health]
    per_row = min(CARDS_PER_ROW, max(1, len(health)))
    with st.container(key="provider-cards"):
        for first in range(0, len(health), per_row):
            for col, h in zip(st.columns(per_row), health[first : first + per_row], strict=False):
                with col:
                    provider_card(h, reasons[h["provider"]], windows[h["provider"]], view, names)


def _act(what: Callable[[], str], key: str) -> None:
    """Run a command and keep what it said (or why it failed) for the reruns that follow:
    the fault form refreshes every second, and a message shown once would vanish."""
    try:
        st.session_state[key] = ("success", what())
    except ApiError as error:
        st.session_state[key] = ("error", str(error))


@st.fragment(run_every=REFRESH_S)
def fault_controls(client: ApiClient, names: list[str], prefix: str) -> None:
    """Admin: take a provider down (a fault now, optionally for N s) or restore one that is
    down. The chosen provider is kept across reruns and page switches; Restore names the
    provider it restores: the chosen one if it is down or has a fault, else the first that
    has."""
    names = ordered(names) or list(PROVIDERS)
    engine = attempt(client.engine)
    health = attempt(client.provider_health) if engine and engine["run_id"] else None
    faults: list[Fault] = []
    if engine and engine["run_id"]:
        try:
            faults = client.faults()
        except ApiError:  # needs a token; the form says so when a button is pressed
            faults = []
    now_s = engine["sim_now_s"] if engine else 0.0
    message_key = f"{prefix}-fault-message"
    with st.container(border=True, key=f"{prefix}-faults"):
        st.markdown("**Faults** (admin)")
        if not engine or not engine["run_id"]:
            st.caption("Faults can be injected while a scenario runs.")
            return
        left, mid, right = st.columns(3)
        name = left.selectbox(
            "Provider", names, key=f"{prefix}-fault-provider", persist_state="session"
        )
        kind = mid.selectbox(
            "Fault",
            FAULT_KINDS,
            format_func=fmt.words,
            key=f"{prefix}-fault-kind",
            persist_state="session",
        )
        duration = right.number_input(
            "Duration (simulated s; 0 = until restored)",
            min_value=0,
            max_value=86_400,
            value=0,
            step=30,
            key=f"{prefix}-fault-duration",
            persist_state="session",
        )
        down = needs_restore(health or [], faults, now_s)
        target = name if name in down else (down[0] if down else None)
        take, restore = st.columns(2)
        if take.button(f"Take {name} down", key=f"{prefix}-take-down", type="primary"):
            _act(lambda: _take_down(client, name, str(kind), float(duration)), message_key)
        if restore.button(
            f"Restore {target}" if target else "Restore",
            key=f"{prefix}-restore",
            disabled=target is None,
            help=None if target else "No provider is down or has a fault.",
        ):
            assert target is not None
            _act(lambda: _restore(client, target), message_key)
        if target is None:
            restore.caption("Nothing to restore: every provider is healthy, with no fault.")
        shown: Any = st.session_state.get(message_key)
        if shown is not None:
            level, text = shown
            if level == "success":
                st.success(text, icon=":material/check_circle:")
            else:
                st.error(text, icon=":material/error:")


def _take_down(client: ApiClient, name: str, kind: str, duration_s: float) -> str:
    started = client.start_fault(name, kind, duration_s or None)
    until = "until restored" if not duration_s else f"for {fmt.duration(duration_s)}"
    return f"{name}: {fmt.words(kind)} from {fmt.clock(started['started_at_s'])}, {until}"


def _restore(client: ApiClient, name: str) -> str:
    cleared = client.clear_fault(name)
    return f"{name} restored at {fmt.clock(cleared['cleared_at_s'])}"
