"""A wallet's countdown to expiry that ticks every second in the browser (no rerun needed).

The server computes how many milliseconds are left when the page is drawn and the
browser counts down from its own clock from there, so a browser clock set wrong
does not matter. The element is a small HTML page in an iframe (``st.iframe``): the
text has the id ``wallet-countdown`` and the attribute ``data-seconds-left`` for tests.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

import streamlit as st

TEMPLATE = """
<div style="font-family:'Source Sans Pro',sans-serif;font-size:28px;font-weight:700"
     id="wallet-countdown" data-seconds-left="{seconds}">{initial}</div>
<div style="font-family:'Source Sans Pro',sans-serif;color:#666;font-size:14px">
  left until the wallet expires at {expires}</div>
<script>
  const box = document.getElementById("wallet-countdown");
  const deadline = Date.now() + {millis};
  function tick() {{
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    const m = Math.floor(left / 60), s = left % 60;
    box.textContent = left > 0 ? m + ":" + String(s).padStart(2, "0") : "expired";
    box.dataset.secondsLeft = left;
    box.style.color = left > 60 ? "#0072B2" : "#D55E00";
  }}
  tick();
  setInterval(tick, 1000);
</script>
"""


def remaining_ms(expires_at: str, now: datetime | None = None) -> int:
    """Milliseconds from ``now`` (default: the server's clock) until ``expires_at`` (ISO)."""
    deadline = datetime.fromisoformat(expires_at)
    left = deadline - (now or datetime.now(UTC))
    return max(0, int(left.total_seconds() * 1000))


def countdown_html(expires_at: str, now: datetime | None = None) -> str:
    millis = remaining_ms(expires_at, now)
    seconds = millis // 1000
    initial = f"{seconds // 60}:{seconds % 60:02d}" if seconds else "expired"
    expires = html.escape(datetime.fromisoformat(expires_at).strftime("%H:%M:%S UTC"))
    return TEMPLATE.format(seconds=seconds, initial=initial, expires=expires, millis=millis)


def countdown(expires_at: str) -> None:
    st.iframe(countdown_html(expires_at), height=80)
