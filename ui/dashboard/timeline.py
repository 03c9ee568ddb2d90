"""Provider health over the run, as the API records it: pure functions, no Streamlit.

The API answers every health and breaker change of the running scenario
(``GET /providers/health/timeline``), each with the provider's state after it,
and the scenario's faults, scheduled by its file or injected through the API
(``GET /faults``). From them come the spans of the status and breaker charts
(a provider's state from one change to the next) and the fault marks.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from ui.dashboard.models import Fault, ProviderChange, ProviderHealth
from ui.dashboard.palette import PROVIDERS, ordered
from ui.formatting import clock, clock_span, duration, words

Field = Literal["provider_status", "provider_breaker"]
_KIND = {"provider_status": "health", "provider_breaker": "breaker"}


class Span(TypedDict):
    provider: str
    state: str
    start_s: float
    end_s: float


class Mark(TypedDict):
    provider: str
    label: str  # the fault in words: "tempo outage (scheduled)"
    start_s: float
    end_s: float | None  # None: not over yet


def state_spans(
    changes: list[ProviderChange], health: list[ProviderHealth], now_s: float, field: Field
) -> list[Span]:
    """Each provider's ``field`` from simulated 0 to ``now_s``, one span per state held.

    Before a provider's first change every replica was in its starting state: the
    ``previous`` of that change when it is of this kind, else the state after it. A
    provider without a change has held its state now (``health``) the whole run."""
    by_provider: dict[str, list[ProviderChange]] = {}
    for change in changes:
        by_provider.setdefault(change["provider"], []).append(change)
    spans: list[Span] = []
    for h in health:
        if h["provider"] not in by_provider:
            state = h["status"] if field == "provider_status" else h["breaker"]
            spans.append(Span(provider=h["provider"], state=state, start_s=0.0, end_s=now_s))
    for provider, mine in by_provider.items():
        first = mine[0]
        same_kind = first["kind"] == _KIND[field]
        state = (first["previous"] if same_kind else None) or first[field]
        start_s = 0.0
        for change in mine:
            if change[field] != state:
                spans.append(Span(provider=provider, state=state, start_s=start_s,
                                  end_s=change["at_s"]))  # fmt: skip
                state, start_s = change[field], change["at_s"]
        end_s = max(now_s, start_s)
        spans.append(Span(provider=provider, state=state, start_s=start_s, end_s=end_s))
    return sorted(spans, key=lambda s: (s["provider"], s["start_s"]))


def clip(spans: list[Span], since_s: float) -> list[Span]:
    """The spans as seen from ``since_s`` on: earlier ones dropped, the one across it cut."""
    return [
        Span(
            provider=s["provider"],
            state=s["state"],
            start_s=max(s["start_s"], since_s),
            end_s=s["end_s"],
        )
        for s in spans
        if s["end_s"] > since_s or s["start_s"] >= since_s
    ]


def origin(fault: Fault) -> str:
    return "scheduled" if fault["origin"] == "scenario" else "injected"


def fault_marks(faults: list[Fault], providers: list[str], now_s: float) -> list[Mark]:
    """The faults of these providers that have started, with their end once it is past."""
    return [
        Mark(
            provider=f["target"],
            label=f"{f['target']} {words(f['kind'])} ({origin(f)})",
            start_s=f["start_s"],
            end_s=f["end_s"] if f["end_s"] is not None and f["end_s"] <= now_s else None,
        )
        for f in faults
        if f["target"] in providers and f["start_s"] <= now_s
    ]


def system_health_pct(health: list[ProviderHealth]) -> float | None:
    """Share of providers serving: healthy counts 1, degraded 1/2, down 0."""
    weights = {"healthy": 1.0, "degraded": 0.5, "down": 0.0}
    known = [weights[h["status"]] for h in health if h["status"] in weights]
    return None if not known else round(100 * sum(known) / len(known), 1)


class Why(TypedDict):
    """Why a provider is in its state now, in words, for its card."""

    since_s: float | None  # when it entered its status now; None: it has been so all run
    causes: list[str]  # what the engine recorded, and the faults on it now
    breaker: str | None  # what its breaker state means beside its status, if not plain


def why(
    health: ProviderHealth, changes: list[ProviderChange], faults: list[Fault], now_s: float
) -> Why:
    """The provider's status since when and why: the reason of the health change that set it
    (a failed probe, a success rate, a slow probe), the faults on it now, its breaker's last
    reason when it is not closed, and, when it is down but its breaker closed, that health
    routing keeps calls away, so the breaker has no failure to count."""
    name, status, breaker = health["provider"], health["status"], health["breaker"]
    mine = [c for c in changes if c["provider"] == name]
    spans = [
        s for s in state_spans(mine, [health], now_s, "provider_status") if s["provider"] == name
    ]
    since_s = spans[-1]["start_s"] if spans and spans[-1]["start_s"] > 0 else None
    causes: list[str] = []
    set_it = [c for c in mine if c["kind"] == "health" and c["state"] == status and c["reason"]]
    if status != "healthy" and set_it:
        causes.append(f"health check: {set_it[-1]['reason']}")
    for f in faults:
        if f["target"] == name and active(f, now_s):
            until = "until restored" if f["end_s"] is None else f"until {clock(f['end_s'])}"
            causes.append(f"{words(f['kind'])} fault {origin(f)} at {clock(f['start_s'])}, {until}")
    tripped = [c for c in mine if c["kind"] == "breaker" and c["state"] == breaker and c["reason"]]
    note = None
    if breaker != "closed" and tripped:
        note = (
            f"breaker {words(breaker)} since {clock(tripped[-1]['at_s'])}: {tripped[-1]['reason']}"
        )
    elif breaker == "closed" and status == "down":
        note = (
            "breaker closed: health routing sends no calls to a provider that is down, so "
            "the breaker has no failure to count"
        )
    return Why(since_s=since_s, causes=causes, breaker=note)


def status_line(health: ProviderHealth, reasons: Why, now_s: float) -> str:
    """``down for 1 min 10 s (since 04:05)`` or ``healthy all run``."""
    if reasons["since_s"] is None:
        return f"{health['status']} all run"
    held = duration(round(max(0.0, now_s - reasons["since_s"])))
    return f"{health['status']} for {held} (since {clock(reasons['since_s'])})"


def fault_rows(faults: list[Fault], providers: list[str]) -> list[dict[str, str]]:
    """The faults of these providers as table rows, in words."""
    return [
        {
            "Provider": f["target"],
            "Fault": words(f["kind"]),
            "Origin": origin(f),
            "When": clock_span(f["start_s"], f["end_s"]),
            "State": words(f["state"]),
        }
        for f in faults
        if f["target"] in providers
    ]


def active(fault: Fault, now_s: float) -> bool:
    return fault["start_s"] <= now_s and (fault["end_s"] is None or fault["end_s"] > now_s)


def needs_restore(health: list[ProviderHealth], faults: list[Fault], now_s: float) -> list[str]:
    """The providers a Restore acts on: those with a fault on them now, or not healthy."""
    faulted = {f["target"] for f in faults if active(f, now_s)}
    names = [h["provider"] for h in health]
    names += sorted(n for n in faulted if n not in names and n in PROVIDERS)
    return [
        n
        for n in ordered(names)
        if n in faulted or any(h["provider"] == n and h["status"] != "healthy" for h in health)
    ]
