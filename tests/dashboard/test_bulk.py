"""Bulk Invoices against the live API: upload, the job's status and progress, results with
providers and money as money (the id pinned), row errors; nothing shown before a job."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import LiveApi, eventually
from tests.dashboard.pages import errors, open_page, texts

CSV = (
    b"invoice_id,payer,merchant,amount,currency,method,due_date\n"
    b"D-1,ann,acme,10.00,USD,card,2030-02-01\n"
    b"D-2,bob,acme,not-money,USD,card,2030-02-01\n"
    b"D-3,cat,acme,12.50,USD,bank,2030-02-01\n"
)


def finished(app: AppTest) -> AppTest | None:
    """The page rerun; itself once the job is done and its results are shown."""
    app.run()
    try:
        app.get_by_key("bulk-results")
    except KeyError:
        return None
    return app


def progress_text(app: AppTest) -> str:
    return str(app.get_by_key("bulk-progress").get("progress")[0].proto.text)


def test_an_uploaded_csv_is_processed_on_the_chosen_provider_with_bad_lines_reported(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "bulk", role="enterprise")
    app.file_uploader(key="bulk-file").upload("three.csv", CSV, "text/csv")
    app.radio(key="bulk-provider").set_value("circle")
    app.button(key="bulk-submit").click().run()
    assert errors(app) == []
    refused = app.get_by_key("bulk-row-errors")
    assert "1 of 3 rows refused" in texts(app)
    assert refused.dataframe[0].value["Line"].tolist() == [3]
    assert "(three.csv, circle)" in progress_text(app)
    app = eventually(lambda: finished(app), timeout_s=30)
    assert "2 of 2 processed · 2 paid · 0 failed · 1 refused" in progress_text(app)
    status = app.get_by_key("bulk-progress").caption[0].value
    assert re.search(
        r"\*\*Done\*\*, started at \d\d:\d\d, finished at \d\d:\d\d: .+ for 2 rows\.", status
    )
    results = app.get_by_key("bulk-results").dataframe[0].value
    assert results["Line"].tolist() == ["2", "4"]
    assert results["Invoice"].tolist() == ["D-1", "D-3"]  # the file's own ids
    assert results["Provider"].tolist() == ["circle", "circle"]
    assert results["Status"].tolist() == ["paid", "paid"]
    assert results["Amount"].tolist() == ["10.00 USD", "12.50 USD"]
    assert all(re.fullmatch(r"\d+\.\d\d USD", fee) for fee in results["Fee"])
    assert all(re.fullmatch(r"[\d,]+ ms", t) for t in results["Time to pay"])
    assert list(results.columns)[:4] == ["Invoice", "Line", "Status", "Provider"]
    assert not any("_" in c for c in results.columns)
    config = json.loads(app.get_by_key("bulk-results").dataframe[0].proto.columns)
    assert config["Invoice"].get("pinned") is True  # the id stays in view when it scrolls
    assert "2 invoices: 2 paid (2 by circle)." in texts(app)
    assert app.get_by_key("bulk-download") is not None


def test_pasted_rows_are_routed_automatically_to_tempo(live_api: LiveApi) -> None:
    app = open_page(live_api, "bulk", role="enterprise")
    pasted = CSV.decode().replace("D-", "P-").replace("not-money", "5.00")
    app.text_area(key="bulk-paste").input(pasted)
    app.button(key="bulk-submit").click().run()
    app = eventually(lambda: finished(app), timeout_s=30)
    results = app.get_by_key("bulk-results").dataframe[0].value
    assert results["Provider"].tolist() == ["tempo", "tempo", "tempo"]


def test_a_consumer_may_not_upload(live_api: LiveApi) -> None:
    app = open_page(live_api, "bulk", role="consumer")
    app.text_area(key="bulk-paste").input(CSV.decode())
    app.button(key="bulk-submit").click().run()
    assert any("Uploading pasted.csv" in e and "another role" in e for e in errors(app))


def test_before_any_job_the_page_shows_the_form_alone(live_api: LiveApi) -> None:
    app = open_page(live_api, "bulk", role="enterprise")
    assert errors(app) == []
    assert app.get_by_key("bulk-form") is not None
    for key in ("bulk-progress", "bulk-results"):
        try:
            app.get_by_key(key)
        except KeyError:
            continue
        raise AssertionError(f"{key} is shown before any job")


def test_a_file_with_every_row_bad_is_refused_by_line_and_nothing_runs(
    live_api: LiveApi,
) -> None:
    app = open_page(live_api, "bulk", role="enterprise")
    bad = CSV.decode().splitlines()
    app.text_area(key="bulk-paste").input("\n".join([bad[0], bad[2]]) + "\n")
    app.button(key="bulk-submit").click().run()
    assert errors(app) == []
    assert "1 of 1 rows refused" in texts(app)
    table = app.get_by_key("bulk-row-errors").dataframe[0].value
    assert list(table.columns) == ["Line", "Column", "Reason"]
    assert table["Line"].tolist() == [2]
