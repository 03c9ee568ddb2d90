"""A chart as inline SVG, so a page opens offline: no script, no file, no font fetched.

``vl-convert`` renders the Vega-Lite spec in-process (its own Vega engine, no
browser, no network). Every SVG names its clip paths and gradients ``clip1``...,
so each chart's ids are given its own prefix: two charts in one page must not
point at each other's.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

_ID = re.compile(r'\bid="([^"]+)"')


def to_svg(chart: Any, key: str) -> str:
    """The chart (an Altair chart) as an ``<svg>`` element whose ids all start ``key-``."""
    import vl_convert  # imported by the commands that draw a page, not by every command

    svg = str(vl_convert.vegalite_to_svg(chart.to_dict()))
    svg = svg[svg.index("<svg") :]  # no XML declaration inside HTML
    for found in set(_ID.findall(svg)):
        svg = svg.replace(f'id="{found}"', f'id="{key}-{found}"')
        svg = svg.replace(f"url(#{found})", f"url(#{key}-{found})")
        svg = svg.replace(f'href="#{found}"', f'href="#{key}-{found}"')
    return svg.replace("<svg ", f'<svg data-chart="{escape(key)}" role="img" ', 1)


def figure(chart: Any, key: str, caption: str = "") -> str:
    """The chart in a ``<figure>``, with an optional caption (HTML) under it."""
    note = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure class="chart" id="{escape(key)}">{to_svg(chart, key)}{note}</figure>'
