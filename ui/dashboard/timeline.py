"""Provider health over the run, as the API records it: pure functions, no Streamlit.

The API answers every health and breaker change of the running scenario
(``GET /providers/health/timeline``), each with the provider's state after it,
and the scenario's faults, scheduled by its file or injected through the API
(``GET /faults``). From them come the spans of the status and breaker charts
(a provider's state from one change to the next) and the fault marks.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from ui.dashboard.models import Fault, ProviderChange, ProviderHealth, TrafficBucket

Field = Literal["provider_status", "provider_breaker"]
_KIND = {"provider_status": "health", "provider_breaker": "breaker"}


class Span(TypedDict):
    provider: str
    state: str
    start_s: float
    end_s: float


class Mark(TypedDict):
    provider: str
    label: str
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


def fault_marks(faults: list[Fault], providers: list[str], now_s: float) -> list[Mark]:
    """The faults of these providers that have started, with their end once it is past."""
    return [
        Mark(
            provider=f["target"],
            label=f"{f['kind']} ({'scheduled' if f['origin'] == 'scenario' else 'injected'})",
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


def traffic_points(buckets: list[TrafficBucket], bucket_s: float) -> list[dict[str, object]]:
    """Chart rows: success in %, and an empty point (``None``) for every bucket a provider
    had no finished attempt in, from its first bucket to the last one shown, so its line
    breaks where its traffic stopped (an outage) instead of bridging the gap."""
    if not buckets:
        return []
    last = max(b["start_s"] for b in buckets)
    seen = {(b["provider"], b["start_s"]) for b in buckets}
    rows: list[dict[str, object]] = [
        {**b, "success_pct": round(b["success_rate"] * 100, 2)} for b in buckets
    ]
    for provider in sorted({b["provider"] for b in buckets}):
        start = min(b["start_s"] for b in buckets if b["provider"] == provider)
        for n in range(round((last - start) / bucket_s) + 1):
            at_s = start + n * bucket_s
            if (provider, at_s) not in seen:
                rows.append({"provider": provider, "start_s": at_s, "attempts": 0,
                             "success_pct": None, "latency_p99_ms": None})  # fmt: skip
    return sorted(rows, key=lambda r: (str(r["provider"]), float(r["start_s"])))  # type: ignore[arg-type]
