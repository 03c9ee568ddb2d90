"""Inline SVG line charts for the HTML run report.

Everything is drawn here in Python so the page opens offline: no JavaScript
library, no external file. Every chart marks each provider fault as a shaded
band (class ``fault-band``) with dashed start/end lines, in the provider's colour.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Any

KNOWN_COLOURS = {"tempo": "#2563eb", "circle": "#16a34a", "stripe": "#9333ea"}
# Other providers take these in order of their sorted names; none is a known colour.
FALLBACK_COLOURS = ("#d97706", "#0d9488", "#db2777", "#4f46e5", "#65a30d", "#0284c7", "#be123c")

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 40, 48
MAX_TICKS = 12


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    colour: str
    points: Sequence[tuple[float, float | None]]  # a None value breaks the line
    provider: str | None = None
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Fault:
    provider: str
    kind: str
    start_s: float
    end_s: float
    colour: str


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    y_label: str
    lines: Sequence[Line]
    x_max_s: float
    y_max: float | None = None  # fixed top, e.g. 100 for a percentage
    x_label: str = "simulated time (s)"


def provider_colours(names: Iterable[str]) -> dict[str, str]:
    """One colour per provider for the whole page: known ones fixed, others by sorted name."""
    others = sorted({n for n in names if n not in KNOWN_COLOURS})
    colours = {n: FALLBACK_COLOURS[i % len(FALLBACK_COLOURS)] for i, n in enumerate(others)}
    return {**KNOWN_COLOURS, **colours}


def has_data(chart: Chart) -> bool:
    return any(v is not None for line in chart.lines for _, v in line.points)


def nice_step(span: float, count: int = 5) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that splits ``span`` in ``count``."""
    raw = span / count if span > 0 else 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 2.5, 5.0):
        if raw <= m * power * (1 + 1e-9):
            return m * power
    return 10.0 * power


class _Frame:
    """Maps data to pixels inside the plot area."""

    def __init__(self, x_max: float, y_lo: float, y_hi: float) -> None:
        self.x_max = max(x_max, 1e-9)
        self.y_lo, self.y_hi = y_lo, y_hi
        self.w, self.h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(self, value: float) -> float:
        return round(LEFT + self.w * min(max(value, 0.0), self.x_max) / self.x_max, 2)

    def y(self, value: float) -> float:
        span = self.y_hi - self.y_lo
        return round(TOP + self.h * (1 - (value - self.y_lo) / span), 2)


def _y_range(chart: Chart) -> tuple[float, float, float]:
    values = [v for line in chart.lines for _, v in line.points if v is not None]
    lo, hi = min([0.0, *values]), max([0.0, *values])
    if chart.y_max is not None:
        hi = max(hi, chart.y_max)
    step = nice_step(hi - lo)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    return lo, (hi if hi > lo else lo + step), step


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    first = math.ceil(lo / step - 1e-9)
    count = min(math.floor((hi - lo) / step + 1e-9) + 1, MAX_TICKS)
    return [round((first + i) * step, 10) for i in range(count)]


def tick_label(value: float) -> str:
    """Short enough for the y axis: 1,500 / 25k / 2.5M."""
    for least, scale, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(value) >= least:
            return f"{value / scale:.4g}{suffix}"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:.3g}"


def _text(cls: str, x: float, y: float, body: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text class="{cls}" x="{x}" y="{y}" text-anchor="{anchor}"{extra}>{body}</text>'


def _axes(chart: Chart, frame: _Frame, y_step: float) -> list[str]:
    out, bottom, right = [], HEIGHT - BOTTOM, WIDTH - RIGHT
    for v in _ticks(frame.y_lo, frame.y_hi, y_step):
        y = frame.y(v)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{right}" y1="{y}" y2="{y}"/>')
        out.append(_text("tick", LEFT - 6, y + 4, tick_label(v), "end"))
    for v in _ticks(0.0, frame.x_max, nice_step(frame.x_max, 6)):
        x = frame.x(v)
        out.append(f'<line class="axis" x1="{x}" x2="{x}" y1="{bottom}" y2="{bottom + 4}"/>')
        out.append(_text("tick", x, bottom + 16, tick_label(v), "middle"))
    out.append(f'<line class="axis" x1="{LEFT}" x2="{right}" y1="{bottom}" y2="{bottom}"/>')
    out.append(f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}"/>')
    out.append(_text("axis-title", LEFT + frame.w / 2, HEIGHT - 8, escape(chart.x_label), "middle"))
    mid = TOP + frame.h / 2
    turn = f' transform="rotate(-90 14 {mid})"'
    out.append(_text("axis-title", 14, mid, escape(chart.y_label), "middle", turn))
    return out


def _fault_marks(faults: Sequence[Fault], frame: _Frame) -> list[str]:
    out = []
    bottom = HEIGHT - BOTTOM
    for i, fault in enumerate(faults):
        x0, x1 = frame.x(fault.start_s), frame.x(fault.end_s)
        width = max(x1 - x0, 1.0)
        who = f'data-provider="{escape(fault.provider)}"'
        label = escape(f"{fault.provider} {fault.kind}")
        out.append(
            f'<rect class="fault-band" {who} x="{x0}" y="{TOP}" width="{width}" '
            f'height="{bottom - TOP}" fill="{fault.colour}" fill-opacity="0.12">'
            f"<title>{label}: {fault.start_s:g} s to {fault.end_s:g} s</title></rect>"
        )
        for x in (x0, x0 + width):
            out.append(
                f'<line class="fault-edge" x1="{x}" x2="{x}" y1="{TOP}" y2="{bottom}" '
                f'stroke="{fault.colour}" stroke-dasharray="4 3"/>'
            )
        # Labels near the right edge grow leftwards so they stay inside the plot.
        x, anchor = (x0 + 3, "start") if x0 < LEFT + frame.w * 0.7 else (x0 - 3, "end")
        y = TOP + 11 + 11 * (i % 3)
        out.append(_text("fault-label", x, y, label, anchor, f' fill="{fault.colour}"'))
    return out


def _segments(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    segments: list[list[tuple[float, float]]] = [[]]
    for x, v in points:
        if v is None:
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append((x, v))
    return [s for s in segments if s]


def _line(line: Line, frame: _Frame) -> list[str]:
    who = f' data-provider="{escape(line.provider)}"' if line.provider else ""
    dash = ' stroke-dasharray="6 3"' if line.dashed else ""
    out = []
    for segment in _segments(line.points):
        if len(segment) == 1:
            x, v = segment[0]
            out.append(
                f'<circle class="series"{who} cx="{frame.x(x)}" cy="{frame.y(v)}" '
                f'r="2.5" fill="{line.colour}"/>'
            )
            continue
        coords = " ".join(f"{frame.x(x)},{frame.y(v)}" for x, v in segment)
        out.append(
            f'<polyline class="series"{who} points="{coords}" fill="none" '
            f'stroke="{line.colour}" stroke-width="1.8"{dash}/>'
        )
    return out


def _legend(lines: Sequence[Line]) -> list[str]:
    out, x = [], float(LEFT)
    for line in lines:
        who = f' data-provider="{escape(line.provider)}"' if line.provider else ""
        out.append(
            f'<rect class="swatch"{who} x="{x}" y="8" width="12" height="12" fill="{line.colour}"/>'
        )
        out.append(_text("legend", x + 16, 18, escape(line.label)))
        x += 28 + 7 * len(line.label)
    return out


def render_chart(chart: Chart, faults: Sequence[Fault]) -> str:
    """The chart as inline SVG, or a "no data" note when no line has a value."""
    title = escape(chart.title)
    if not has_data(chart):
        return (
            f'<figure class="chart"><figcaption>{title}</figcaption>'
            f'<p class="no-data">no data</p></figure>'
        )
    lo, hi, step = _y_range(chart)
    frame = _Frame(chart.x_max_s, lo, hi)
    parts = [*_axes(chart, frame, step), *_fault_marks(faults, frame)]
    for line in chart.lines:
        parts += _line(line, frame)
    parts += _legend(chart.lines)
    body = "\n".join(parts)
    return (
        f'<figure class="chart"><figcaption>{title}</figcaption>'
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{title}">\n{body}\n</svg></figure>'
    )


# ---- the charts of a run report ------------------------------------------------------
MAX_BUCKETS = 5000  # beyond this, missing buckets are not filled in with zeros
PAID, FAILED, P50, P99 = "#0f172a", "#dc2626", "#0891b2", "#ea580c"
CUSTODIAN, BOOK = "#334155", "#ca8a04"


def run_faults(report: dict[str, Any], colours: dict[str, str]) -> list[Fault]:
    return [
        Fault(
            str(row.get("provider")),
            str(row.get("kind", "fault")),
            float(row.get("fault_start_s") or 0.0),
            float(row.get("fault_end_s") or 0.0),
            colours.get(str(row.get("provider")), FALLBACK_COLOURS[0]),
        )
        for row in report.get("failover") or []
    ]


def x_max_s(report: dict[str, Any], faults: Sequence[Fault]) -> float:
    series = report.get("series") or {}
    bucket_s = float(series.get("bucket_s") or 1.0)
    ends = [float(report.get("simulated_s") or 0.0), *(f.end_s for f in faults)]
    ends += [float(r["t"]) + bucket_s for r in series.get("rows") or []]
    ends += [float(r["at"]) for r in report.get("reserve_history") or []]
    return max(ends)


def _dense_rows(series: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
    """Every bucket from 0 to the last: a bucket where nothing happened is not in the report."""
    bucket_s = float(series.get("bucket_s") or 1.0)
    rows = sorted(series.get("rows") or [], key=lambda r: float(r["t"]))
    by_index = {round(float(r["t"]) / bucket_s): r for r in rows}
    if not by_index or max(by_index) > MAX_BUCKETS:
        return bucket_s, rows
    empty: dict[str, Any] = {"paid": 0, "failed": 0, "p50_ms": None, "p99_ms": None, "share": {}}
    return bucket_s, [
        by_index.get(i, {**empty, "t": i * bucket_s}) for i in range(max(by_index) + 1)
    ]


def _ratio_pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 3) if whole > 0 else None


def _derived(row: dict[str, Any], bucket_s: float) -> dict[str, float | None]:
    paid, failed, share = row["paid"], row["failed"], row["share"]
    return {
        "paid_per_s": paid / bucket_s,
        "failed_per_s": failed / bucket_s,
        "success_pct": _ratio_pct(paid, paid + failed),
        "p50_ms": row.get("p50_ms"),
        "p99_ms": row.get("p99_ms"),
        **{f"share:{n}": _ratio_pct(c, sum(share.values())) for n, c in share.items()},
    }


_Spec = tuple[str, str, str, bool]  # label, derived key, colour, dashed
_SERIES_CHARTS: tuple[tuple[str, str, tuple[_Spec, ...], float | None], ...] = (
    ("Throughput", "invoices / s", (("paid", "paid_per_s", PAID, False),
                                    ("failed", "failed_per_s", FAILED, False)), None),
    ("Success rate: paid / (paid + failed)", "success rate (%)",
     (("success", "success_pct", PAID, False),), 100.0),
    ("Payment latency", "latency (ms)", (("p50", "p50_ms", P50, False),
                                         ("p99", "p99_ms", P99, True)), None),
)  # fmt: skip


def series_charts(report: dict[str, Any], colours: dict[str, str]) -> list[Chart]:
    """Throughput, success rate, latency and provider share over simulated time."""
    bucket_s, rows = _dense_rows(report.get("series") or {})
    x_max = x_max_s(report, run_faults(report, colours))
    table = [(float(r["t"]) + bucket_s / 2, _derived(r, bucket_s)) for r in rows]

    def line(label: str, key: str, colour: str, dashed: bool, provider: str | None = None) -> Line:
        # A provider missing from a bucket's share had none of its paid invoices.
        points = [(x, d.get(key, 0.0 if d["paid_per_s"] else None)) for x, d in table]
        return Line(label, colour, points, provider, dashed)

    charts = [
        Chart(title, y_label, [line(*spec) for spec in specs], x_max, y_max)
        for title, y_label, specs, y_max in _SERIES_CHARTS
    ]
    names = sorted({*(report.get("providers") or {}), *(n for r in rows for n in r["share"])})
    shares = [line(n, f"share:{n}", colours[n], False, n) for n in names]
    charts.append(
        Chart("Provider share of paid invoices", "share of paid (%)", shares, x_max, 100.0)
    )
    charts[0] = replace(charts[0], title=f"Throughput ({bucket_s:g} s buckets)")
    return charts


def reserve_charts(report: dict[str, Any], faults: Sequence[Fault]) -> list[Chart]:
    """Custodian statement vs book reserve, and their discrepancy, at each reconciliation."""
    history = report.get("reserve_history") or []
    x_max = x_max_s(report, faults)

    def line(label: str, key: str, scale: float, colour: str, dashed: bool = False) -> Line:
        points = [(float(r["at"]), None if r.get(key) is None else r[key] / scale) for r in history]
        return Line(label, colour, points, dashed=dashed)

    return [
        Chart("Reserve: custodian statement vs book", "reserve (currency units)", [
            line("custodian statement", "custodian_minor", 100.0, CUSTODIAN),
            line("book reserve", "book_reserve_minor", 100.0, BOOK, dashed=True)], x_max),
        Chart("Reserve discrepancy", "discrepancy (bp)",
              [line("discrepancy", "discrepancy_bp", 1.0, FAILED)], x_max),
    ]  # fmt: skip
