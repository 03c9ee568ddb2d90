"""What every self-contained HTML page of invoicesim shares: the document and its base
CSS. The run report and the sweep page add their own CSS."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BASE_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#0f172a;margin:0;
background:#f8fafc}main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #cbd5e1}
h3{font-size:15px;margin:18px 0 4px}
.meta{color:#475569;overflow-wrap:anywhere}
.verdict{display:inline-block;padding:2px 12px;border-radius:4px;color:#fff;font-weight:700}
.verdict.pass{background:#16a34a}.verdict.fail{background:#dc2626}
table{border-collapse:collapse;background:#fff;margin:6px 0;font-size:13px}
th,td{border:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f5f9}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.fail{background:#fef2f2}
"""


def html_page(title: str, css: str, body: Sequence[str]) -> str:
    """A page that opens offline: ``title`` is text (escaped here), ``body`` is HTML."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{BASE_CSS}{css}</style></head>\n<body><main>\n"
        + "\n".join(body)
        + "\n</main></body></html>\n"
    )
