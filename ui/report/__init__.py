"""The pages people read of a run and of a sweep, as self-contained HTML files (inline CSS
and SVG, nothing fetched): ``run_page`` (``report.html``, from ``report.json``) and
``sweep_page`` (``sweep.html``). Their charts are Altair charts in the dashboards'
vocabulary (``charts``, on the run's time axis of ``story``), drawn to inline SVG by
``embed``; ``reasons`` says why a figure reads "—"; ``page`` is the shared document."""

from ui.report.run_page import render_report_html
from ui.report.sweep_page import render_sweep_html

__all__ = ["render_report_html", "render_sweep_html"]
