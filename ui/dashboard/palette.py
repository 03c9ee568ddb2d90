"""One colour per provider, everywhere: cards, lines, bars and legends.

Colours are from the Okabe-Ito palette (distinguishable with colour-vision
deficiencies). A provider the palette does not know gets grey, never another
provider's colour.
"""

from __future__ import annotations

import altair as alt

PROVIDERS = ("tempo", "circle", "stripe")
COLOURS = {"tempo": "#0072B2", "circle": "#009E73", "stripe": "#CC79A7"}
OTHER = "#999999"
STATUS_ICONS = {"healthy": "🟢", "degraded": "🟡", "down": "🔴"}
# States on the timeline charts: the health status, and the breaker (closed is the good one).
STATUS_COLOURS = {"healthy": "#4CAF50", "degraded": "#F0C000", "down": "#D62728"}
BREAKER_COLOURS = {
    "closed": "#4CAF50",
    "half_open": "#F0C000",
    "open": "#D62728",
    "forced_open": "#8C2D04",
    "disabled": "#7F7F7F",
}


def colour(provider: str) -> str:
    return COLOURS.get(provider, OTHER)


def provider_scale(names: list[str] | None = None) -> alt.Scale:
    """A colour scale mapping every provider (shipped ones first) to its colour."""
    domain = list(PROVIDERS) + [n for n in (names or []) if n not in PROVIDERS]
    return alt.Scale(domain=domain, range=[colour(n) for n in domain])


def provider_colour(field: str = "provider", names: list[str] | None = None) -> alt.Color:
    return alt.Color(f"{field}:N", title="Provider", scale=provider_scale(names))
