"""Bulk Invoices (enterprise): upload or paste a CSV, choose the provider, follow the job
(queued, running, done or failed) with a progress bar counting its rows, then the results
with each row's provider and money as money, the refused rows with their line numbers, and
the results CSV to download."""

from __future__ import annotations

import csv
import io
from typing import Any

import streamlit as st

from ui import formatting as fmt
from ui.dashboard.models import BulkProgress, BulkSubmitted
from ui.dashboard.session import attempt, connect
from ui.dashboard.widgets import REFRESH_S, run_line

PROVIDER_CHOICES = ("auto", "tempo", "circle", "stripe")
COLUMNS = "invoice_id, payer, merchant, amount, currency, method, due_date"
FINISHED = ("done", "failed")
STATUS_WORDS = {
    "queued": "Queued: waiting for its first row.",
    "running": "Running",
    "done": "Done",
    "failed": "Failed",
}
STATUS_ICONS = {
    "queued": ":material/schedule:",
    "running": ":material/sync:",
    "done": ":material/check_circle:",
    "failed": ":material/error:",
}
# The results table: the export's columns in the order people read them, money as money;
# the invoice id stays pinned on the left when the table scrolls sideways.
SHOWN = (
    "Invoice",
    "Line",
    "Status",
    "Provider",
    "Amount",
    "Fee",
    "Method",
    "Payer",
    "Merchant",
    "Due date",
    "Attempts",
    "Time to pay",
    "Reason",
    "Wallet",
)

st.title("Bulk Invoices")
client = connect()


@st.fragment(run_every=REFRESH_S)
def clock() -> None:
    run_line(attempt(client.engine))


def submit() -> None:
    with st.container(border=True, key="bulk-form"):
        upload = st.file_uploader(f"CSV file ({COLUMNS})", type=["csv"], key="bulk-file")
        pasted = st.text_area("Or paste CSV rows here, header first", key="bulk-paste", height=120)
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
        st.warning(
            f"{fmt.count(len(job['errors']))} of {fmt.count(job['rows'])} rows refused; the "
            "others go on."
        )
        st.dataframe(
            [
                {"Line": e["line"], "Column": fmt.cell(e["column"]), "Reason": e["reason"]}
                for e in job["errors"]
            ],
            hide_index=True,
            key="bulk-error-table",
            column_config={"Line": st.column_config.NumberColumn("Line", format="%d")},
        )


def finished(p: BulkProgress) -> bool:
    status = p.get("status")
    if status:
        return status in FINISHED
    return p["processed"] >= p["accepted"]


def progress_text(p: BulkProgress) -> str:
    return (
        f"Job {p['job_id']} ({p['file']}, {p['provider']}): "
        f"{fmt.count(p['processed'])} of {fmt.count(p['accepted'])} processed · "
        f"{fmt.count(p['succeeded'])} paid · {fmt.count(p['failed'])} failed · "
        f"{fmt.count(p['rejected'])} refused"
    )


def timing(p: BulkProgress) -> str | None:
    """When the job started and finished, on the run's clock, and how long it took."""
    started, ended = p.get("started_at_s"), p.get("finished_at_s")
    if started is None:
        return None
    if ended is None:
        return f"started at {fmt.run_time(started)}"
    return (
        f"started at {fmt.run_time(started)}, finished at {fmt.run_time(ended)}: "
        f"{fmt.duration(ended - started)} for {fmt.count(p['accepted'])} rows"
    )


@st.fragment(run_every=REFRESH_S)
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
    status = p.get("status") or ("done" if finished(p) else "running")
    with st.container(key="bulk-progress"):
        share = 1.0 if not p["accepted"] else p["processed"] / p["accepted"]
        st.progress(min(1.0, share), text=progress_text(p))
        line = timing(p)
        icon = STATUS_ICONS.get(status, "")
        said = STATUS_WORDS.get(status, fmt.words(status))
        st.caption(f"{icon} **{said}**" + (f", {line}." if line else ""))
        if status == "failed":
            st.error(f"The job failed: {fmt.cell(p.get('failure'))}", icon=":material/error:")
    if done is not None or not finished(p):
        return
    results = attempt(client.bulk_results_csv, job["job_id"])
    if results is not None:
        st.session_state["bulk_done"] = p
        st.session_state["bulk_results"] = results
        st.rerun()


def result_rows(data: bytes) -> list[dict[str, Any]]:
    """The export's rows for people: amounts and fees as money, latency in ms, "—" for a
    missing value."""
    rows = []
    for r in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        currency = r.get("Currency") or None
        latency = r.get("Time to pay (ms)") or ""
        shown = {
            "Invoice": fmt.cell(r.get("Invoice")),
            "Line": fmt.cell(r.get("Line")),
            "Status": fmt.words(r.get("Status")),
            "Provider": fmt.cell(r.get("Provider")),
            "Amount": fmt.money_text(r.get("Amount"), currency),
            "Fee": fmt.money_text(r.get("Fee"), currency),
            "Method": fmt.cell(r.get("Method")),
            "Payer": fmt.cell(r.get("Payer")),
            "Merchant": fmt.cell(r.get("Merchant")),
            "Due date": fmt.cell(r.get("Due date")),
            "Attempts": fmt.cell(r.get("Attempts")),
            "Time to pay": fmt.latency(float(latency)) if latency else fmt.MISSING,
            "Reason": fmt.cell(r.get("Reason")),
            "Wallet": fmt.cell(r.get("Wallet")),
        }
        rows.append({k: shown[k] for k in SHOWN})
    return rows


def summary(rows: list[dict[str, Any]]) -> str:
    by_status: dict[str, int] = {}
    providers: dict[str, int] = {}
    for r in rows:
        by_status[r["Status"]] = by_status.get(r["Status"], 0) + 1
        if r["Status"] == "paid":
            providers[r["Provider"]] = providers.get(r["Provider"], 0) + 1
    parts = [f"{fmt.count(n)} {status}" for status, n in sorted(by_status.items())]
    paid_by = ", ".join(f"{fmt.count(n)} by {name}" for name, n in sorted(providers.items()))
    return f"{fmt.count(len(rows))} invoices: {', '.join(parts) or 'none'}" + (
        f" ({paid_by})." if paid_by else "."
    )


def results(job: BulkSubmitted, data: bytes) -> None:
    with st.container(key="bulk-results"):
        st.subheader("Results")
        rows = result_rows(data)
        st.markdown(summary(rows))
        if all(r["Reason"] == fmt.MISSING for r in rows):  # every row went through
            rows = [{k: v for k, v in r.items() if k != "Reason"} for r in rows]
        st.dataframe(
            rows,
            hide_index=True,
            key="bulk-results-table",
            column_config={
                "Invoice": st.column_config.TextColumn("Invoice", pinned=True),
                "Wallet": st.column_config.TextColumn("Wallet", width="large"),
            },
        )
        st.download_button(
            "Download results CSV",
            data,
            key="bulk-download",
            file_name=f"bulk-{job['job_id']}-results.csv",
            mime="text/csv",
        )


clock()
submit()
if "bulk_job" in st.session_state:
    row_errors(st.session_state["bulk_job"])
progress()
if st.session_state.get("bulk_results") is not None:
    results(st.session_state["bulk_job"], st.session_state["bulk_results"])
