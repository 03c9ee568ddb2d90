"""Running a dashboard page with AppTest against the live API, with a token of one role."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[2] / "ui" / "dashboard" / "views"
TIMEOUT_S = 30.0


class Api(Protocol):
    """Where an API answers and its tokens by role: the live one or the fake-engine one."""

    @property
    def url(self) -> str: ...

    @property
    def tokens(self) -> dict[str, str]: ...


def open_page(api: Api, page: str, role: str | None = "admin") -> AppTest:
    """The page ``pages/<page>.py`` run once, connected to ``api`` as ``role``."""
    app = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=TIMEOUT_S)
    app.session_state["_api_url"] = api.url
    app.session_state["_api_token"] = "" if role is None else api.tokens[role]
    return app.run()


def texts(app: AppTest) -> str:
    """Every markdown, caption, metric, success, warning and error of the page, as one text."""
    parts = [e.value for e in app.markdown] + [e.value for e in app.caption]
    parts += [f"{m.label}: {m.value}" for m in app.metric]
    parts += [e.value for kind in (app.success, app.warning, app.error, app.info) for e in kind]
    return "\n".join(str(p) for p in parts)


def errors(app: AppTest) -> list[str]:
    return [str(e.value) for e in app.error] + [str(e.value) for e in app.exception]


def chart_rows(app: AppTest, key: str) -> list[dict[str, Any]]:
    """Every data row of the charts in container ``key`` (Streamlit ships them as Arrow)."""
    rows: list[dict[str, Any]] = []
    for chart in app.get_by_key(key).get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            rows += pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
    return rows
