"""A browser session's API address and token, the sidebar that sets them, and error display.

The address and token come from ``invoicesim ui --api URL --token TOKEN``
(passed to Streamlit as ``INVOICESIM_API_URL`` and ``INVOICESIM_TOKEN``) and
can be changed in the sidebar. They are kept under keys of their own, not the
widgets', so they survive a change of page.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import streamlit as st

from ui.dashboard.client import ApiClient, ApiError

DEFAULT_API = "http://127.0.0.1:8000"
P = ParamSpec("P")
T = TypeVar("T")


def _keep(key: str) -> None:
    st.session_state["_" + key] = st.session_state[key]


def _field(key: str, default: str) -> None:
    st.session_state[key] = st.session_state.get("_" + key, default)


@st.cache_resource(max_entries=32, show_spinner=False)
def _client(url: str, token: str) -> ApiClient:
    return ApiClient(url, token)


def connect() -> ApiClient:
    """Draw the sidebar (API URL and token) and return the client they configure."""
    _field("api_url", os.environ.get("INVOICESIM_API_URL", DEFAULT_API))
    _field("api_token", os.environ.get("INVOICESIM_TOKEN", ""))
    with st.sidebar:
        st.text_input("API URL", key="api_url", on_change=_keep, args=("api_url",))
        st.text_input(
            "Token",
            key="api_token",
            type="password",
            on_change=_keep,
            args=("api_token",),
            help="A bearer token from `invoicesim token create --role admin|enterprise|consumer`.",
        )
    return _client(st.session_state["api_url"].strip(), st.session_state["api_token"].strip())


def attempt(action: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """``action(...)``, or None after showing what failed with ``st.error``."""
    try:
        return action(*args, **kwargs)
    except ApiError as error:
        st.error(str(error), icon=":material/warning:")
        return None
