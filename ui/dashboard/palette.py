"""One colour per provider, everywhere: cards, lines, bars and legends.

Colours are from the Okabe-Ito palette (distinguishable with colour-vision
deficiencies). A provider the palette does not know gets one of ``EXTRA`` by its
place among the run's other unknown providers when the page knows them (a run
may have up to 16), else grey; never a shipped provider's colour.
"""

from __future__ import annotations

from typing import Any

import altair as alt

PROVIDERS = ("tempo", "circle", "stripe")
COLOURS = {"tempo": "#0072B2", "circle": "#009E73", "stripe": "#CC79A7"}
OTHER = "#999999"
# Streamlit's Material icons: they render from Streamlit's own font, where a system without
# an emoji font shows emoji as empty boxes.
STATUS_ICONS = {
    "healthy": ":material/check_circle:",
    "degraded": ":material/warning:",
    "down": ":material/error:",
}
# st.badge colours by status and by breaker state.
STATUS_BADGES = {"healthy": "green", "degraded": "orange", "down": "red"}
BREAKER_BADGES = {
    "closed": "green",
    "half_open": "orange",
    "open": "red",
    "forced_open": "red",
    "disabled": "gray",
}
# States on the timeline charts: the health status, and the breaker (closed is the good one).
STATUS_COLOURS = {"healthy": "#4CAF50", "degraded": "#F0C000", "down": "#D62728"}
BREAKER_COLOURS = {
    "closed": "#4CAF50",
    "half_open": "#F0C000",
    "open": "#D62728",
    "forced_open": "#8C2D04",
    "disabled": "#7F7F7F",
}


EXTRA = (
    "#E69F00", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#882255", "#44AA99",
    "#117733", "#332288", "#AA4499", "#661100", "#6699CC", "#888888",
)  # fmt: skip


def ordered(names: list[str]) -> list[str]:
    """The shipped providers first, in their order (tempo, circle, stripe), then the rest."""
    return [p for p in PROVIDERS if p in names] + sorted(n for n in names if n not in PROVIDERS)


def colour(provider: str, names: list[str] | None = None) -> str:
    """The provider's colour; an unknown one's by its place among the unknown ``names``."""
    if provider in COLOURS:
        return COLOURS[provider]
    unknown = [n for n in ordered(names or []) if n not in COLOURS]
    if provider in unknown and unknown.index(provider) < len(EXTRA):
        return EXTRA[unknown.index(provider)]
    return OTHER


def provider_scale(names: list[str] | None = None) -> alt.Scale:
    """A colour scale mapping every provider (shipped ones first) to its colour."""
    domain = ordered(list(PROVIDERS) + [n for n in (names or []) if n not in PROVIDERS])
    return alt.Scale(domain=domain, range=[colour(n, domain) for n in domain])


def provider_colour(
    field: str = "provider", names: list[str] | None = None, legend: Any = alt.Undefined
) -> alt.Color:
    return alt.Color(f"{field}:N", title="Provider", scale=provider_scale(names), legend=legend)
