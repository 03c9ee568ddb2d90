"""What a run reports: ``report.json`` (``build``), its assertions and invariants
(``assertions``), and the self-contained HTML page (``html``, charts in ``svg``,
the CSS and cells shared with the sweep page in ``page``)."""

from simulation.report.assertions import evaluate_assertions
from simulation.report.build import build_report
from simulation.report.html import render_report_html, verdict

__all__ = ["build_report", "evaluate_assertions", "render_report_html", "verdict"]
