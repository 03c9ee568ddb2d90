"""Bulk Invoices against the live API: upload, progress, results with providers, row errors."""

from __future__ import annotations

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
    assert refused.dataframe[0].value["line"].tolist() == [3]
    assert "(three.csv, circle)" in progress_text(app)
    app = eventually(lambda: finished(app), timeout_s=30)
    assert "2 of 2 processed · 2 paid · 0 failed · 1 refused" in progress_text(app)
    results = app.get_by_key("bulk-results").dataframe[0].value
    assert results["Line"].tolist() == ["2", "4"]
    assert results["Invoice"].tolist() == ["D-1", "D-3"]  # the file's own ids
    assert results["Provider"].tolist() == ["circle", "circle"]
    assert results["Status"].tolist() == ["paid", "paid"]
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
