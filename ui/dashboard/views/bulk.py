"""Bulk Invoices (enterprise): upload or paste a CSV, choose the provider, follow the job
with a progress bar, then the results with each row's provider, the row errors with their
line numbers, and the results CSV to download."""

from __future__ import annotations

import csv
import io

import streamlit as st

from ui.dashboard.models import BulkSubmitted
from ui.dashboard.session import attempt, connect

PROVIDER_CHOICES = ("auto", "tempo", "circle", "stripe")
POLL_S = 1.0
COLUMNS = "invoice_id, payer, merchant, amount, currency, method, due_date"

st.title("Bulk Invoices")
client = connect()


def submit() -> None:
    with st.container(border=True, key="bulk-form"):
        upload = st.file_uploader(f"CSV file ({COLUMNS})", type=["csv"], key="bulk-file")
        pasted = st.text_area("…or paste CSV rows here", key="bulk-paste", height=120)
        provider = st.radio(
            "Provider",
            PROVIDER_CHOICES,
            horizontal=True,
            key="bulk-provider",
            help="auto: the orchestrator routes each invoice (Tempo first)",
        )
        if not st.button("Process invoices", key="bulk-submit", type="primary"):
            return
        if upload is None and not pasted.strip():
            st.warning("Choose a CSV file or paste rows first.")
            return
        data, name = (upload.getvalue(), upload.name) if upload else (pasted.encode(), "pasted.csv")
        submitted = attempt(client.submit_bulk, data, name, provider)
        if submitted is not None:
            st.session_state["bulk_job"] = submitted
            st.session_state.pop("bulk_results", None)
            st.session_state.pop("bulk_done", None)


def row_errors(job: BulkSubmitted) -> None:
    with st.container(key="bulk-row-errors"):
        if not job["errors"]:
            return
        st.warning(f"{len(job['errors'])} of {job['rows']} rows refused; the others go on.")
        st.dataframe(
            job["errors"],
            hide_index=True,
            key="bulk-error-table",
            column_config={"line": st.column_config.NumberColumn("Line", format="%d")},
        )


@st.fragment(run_every=POLL_S)
def progress() -> None:
    """Polls the job until it is done; then fetches its results once and reruns the page,
    which shows them outside this fragment (so they are not redrawn every second)."""
    job: BulkSubmitted | None = st.session_state.get("bulk_job")
    if job is None:
        return
    done = st.session_state.get("bulk_done")
    p = done if done is not None else attempt(client.bulk_progress, job["job_id"])
    if p is None:
        return
    with st.container(key="bulk-progress"):
        share = 1.0 if not p["accepted"] else p["processed"] / p["accepted"]
        held = p["underpaid"] + p["overpaid"]  # the payer sent the wrong amount
        st.progress(
            share,
            text=f"Job {p['job_id']} ({p['file']}, {p['provider']}): "
            f"{p['processed']} of {p['accepted']} processed · {p['succeeded']} paid · "
            f"{p['failed']} failed · {p['rejected']} refused"
            + (f" · {held} held for review" if held else ""),
        )
    if done is not None or p["processed"] < p["accepted"]:
        return
    results = attempt(client.bulk_results_csv, job["job_id"])
    if results is not None:
        st.session_state["bulk_done"] = p
        st.session_state["bulk_results"] = results
        st.rerun()


def results(job: BulkSubmitted, data: bytes) -> None:
    with st.container(key="bulk-results"):
        st.subheader("Results")
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
        st.dataframe(rows, hide_index=True, key="bulk-results-table")
        st.download_button(
            "Download results CSV",
            data,
            key="bulk-download",
            file_name=f"bulk-{job['job_id']}-results.csv",
            mime="text/csv",
        )


submit()
if "bulk_job" in st.session_state:
    row_errors(st.session_state["bulk_job"])
progress()
if st.session_state.get("bulk_results") is not None:
    results(st.session_state["bulk_job"], st.session_state["bulk_results"])
