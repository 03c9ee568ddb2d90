"""The entry file of `invoicesim ui` (``streamlit run ui/dashboard/app.py``): the six pages.

Each page is its own script under ``views/`` (not ``pages/``: Streamlit treats a
``pages/`` folder beside the entry file as the old multipage app, and a page's own
URL then runs that script alone, without this navigation); every one draws the sidebar
(API URL and token) through ``session.connect`` and only talks to the API.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="invoicesim", page_icon=":material/payments:", layout="wide")
OVERVIEW = st.Page(
    PAGES / "overview.py", title="Overview", icon=":material/home:", url_path="overview"
)


def _home() -> None:
    """The app's root opens the Overview at its own URL, /overview (a default page would be
    served at the root only, and /overview would be "Page not found")."""
    st.switch_page(OVERVIEW)


navigation = st.navigation(
    [
        st.Page(_home, title="Home", default=True, visibility="hidden"),
        OVERVIEW,
        st.Page(
            PAGES / "providers.py", title="Provider Health Monitor", icon=":material/monitor_heart:"
        ),
        st.Page(PAGES / "reserves.py", title="Reserves", icon=":material/account_balance:"),
        st.Page(PAGES / "bulk.py", title="Bulk Invoices", icon=":material/description:"),
        st.Page(PAGES / "pay.py", title="Pay Invoice", icon=":material/credit_card:"),
        st.Page(PAGES / "scenarios.py", title="Scenarios", icon=":material/movie:"),
    ]
)
navigation.run()
