"""The dashboard's one door to the API: typed methods over httpx, errors a person can act on.

Every failure becomes an ``ApiError`` whose message says what was being done
and why it failed: the API could not be reached at its address, or the API's
problem+json ``detail`` (a 401 or 403 also says which token to set). Pages show
it with ``st.error``; nothing here imports Streamlit.
"""

from __future__ import annotations

from typing import Any, cast

import httpx

from ui.dashboard import models as m

READ_TIMEOUT_S = 5.0
TIMELINE_PAGE = 1_000  # the API's largest page of health changes
MAX_TIMELINE_PAGES = 10
COMMAND_TIMEOUT_S = 20.0  # the API waits up to its command timeout (10 s) for the next window
PREFIX = "/api/v1"


class ApiError(Exception):
    """A call to the API failed; ``str()`` is the message to show."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if not isinstance(body, dict):
        return str(body)[:300]
    detail = str(body.get("detail") or body.get("title") or response.reason_phrase)
    fields = body.get("errors") or []
    named = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in fields[:5])
    return f"{detail} ({named})" if named else detail


class ApiClient:
    """Calls ``base_url`` with ``token`` as the bearer; one method per route used."""

    def __init__(self, base_url: str, token: str = "", transport: Any = None) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=READ_TIMEOUT_S, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def _call(self, what: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            raise ApiError(f"{what}: the API at {self.base_url} did not answer in time") from error
        except httpx.HTTPError as error:
            raise ApiError(
                f"{what}: API unreachable at {self.base_url} ({type(error).__name__}: {error}); "
                "start it with `invoicesim serve` or set the API URL in the sidebar"
            ) from error
        if response.status_code in (401, 403):
            hint = (
                "set a token in the sidebar (`invoicesim token create --role ROLE`)"
                if response.status_code == 401
                else "this needs a token of another role"
            )
            raise ApiError(f"{what}: {_detail(response)}; {hint}", response.status_code)
        if response.status_code >= 400:
            raise ApiError(f"{what}: {_detail(response)}", response.status_code)
        return response

    def _json(self, what: str, method: str, path: str, **kwargs: Any) -> Any:
        return self._call(what, method, PREFIX + path, **kwargs).json()

    def _command(self, what: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        body = self._json(what, method, path, timeout=COMMAND_TIMEOUT_S, **kwargs)
        return cast(dict[str, Any], body)

    # ---- engine and providers ----------------------------------------------------
    def engine(self) -> m.EngineState:
        body = self._call("Reading the engine's state", "GET", "/healthz").json()
        return cast(m.EngineState, body["engine"])

    def provider_health(self) -> list[m.ProviderHealth]:
        """Each provider now (from the engine's memory while the database is away)."""
        body = self._json("Loading provider health", "GET", "/providers/health")
        return cast(list[m.ProviderHealth], body["providers"])

    def health_timeline(self) -> list[m.ProviderChange]:
        """Every health and breaker change of the run, oldest first (at most
        ``MAX_TIMELINE_PAGES`` pages; a page starts at the last change of the one before)."""
        changes: list[m.ProviderChange] = []
        seen: set[tuple[str, float, str, str]] = set()
        params: dict[str, Any] = {"limit": TIMELINE_PAGE}
        for _ in range(MAX_TIMELINE_PAGES):
            body = self._json(
                "Loading health changes", "GET", "/providers/health/timeline", params=params
            )
            page = cast(list[m.ProviderChange], body["changes"])
            for change in page:
                key = (change["source"], change["at_s"], change["kind"], change["state"])
                if key not in seen:
                    seen.add(key)
                    changes.append(change)
            if len(page) < TIMELINE_PAGE:
                break
            params["since_s"] = page[-1]["at_s"]  # inclusive: the repeats are skipped above
        return changes

    def provider_traffic(
        self, bucket_s: float, since_s: float | None = None, until_s: float | None = None
    ) -> list[m.TrafficBucket]:
        """Success rate and latency per provider and bucket of simulated time (public), from
        ``since_s`` to ``until_s`` (default: now), at most the API's 720 buckets."""
        params: dict[str, Any] = {"bucket_s": bucket_s}
        if since_s is not None:
            params["since_s"] = since_s
        if until_s is not None:
            params["until_s"] = until_s
        body = self._json("Loading provider traffic", "GET", "/providers/traffic", params=params)
        return cast(list[m.TrafficBucket], body["buckets"])

    def faults(self) -> list[m.Fault]:
        return cast(list[m.Fault], self._json("Loading the scenario's faults", "GET", "/faults"))

    def providers(self) -> list[m.ProviderSettings]:
        return cast(
            list[m.ProviderSettings], self._json("Loading provider settings", "GET", "/providers")
        )

    def configure_provider(self, name: str, **change: Any) -> dict[str, Any]:
        return self._command(f"Changing {name}", "PATCH", f"/providers/{name}", json=change)

    def start_fault(self, name: str, kind: str, duration_s: float | None) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": kind}
        if duration_s:
            body["duration_s"] = duration_s
        return self._command(f"Taking {name} down", "POST", f"/providers/{name}/faults", json=body)

    def clear_fault(self, name: str) -> dict[str, Any]:
        return self._command(f"Restoring {name}", "DELETE", f"/providers/{name}/faults")

    # ---- reserves and alerts -----------------------------------------------------
    def reserves(self) -> m.Reserves:
        return cast(
            m.Reserves, self._json("Loading the reserve balance", "GET", "/reserves/balance")
        )

    def reserve_history(self, days: int) -> list[m.DailyReserves]:
        body = self._json(
            f"Loading {days} days of reserves", "GET", "/reserves/history", params={"days": days}
        )
        return cast(list[m.DailyReserves], body)

    def reconciliations(self, limit: int = 100) -> list[m.Reconciliation]:
        body = self._json(
            "Loading reconciliations", "GET", "/reserves/reconciliations", params={"limit": limit}
        )
        return cast(list[m.Reconciliation], body)

    def reconcile(self) -> dict[str, Any]:
        return self._command("Reconciling the reserve", "POST", "/reserves/reconcile")

    def alerts(self, limit: int = 100) -> list[m.Alert]:
        body = self._json("Loading alerts", "GET", "/alerts", params={"limit": limit})
        return cast(list[m.Alert], body)

    # ---- invoices and wallets ----------------------------------------------------
    def invoices(
        self, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> m.InvoicePage:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if status:
            params["status"] = status
        return cast(
            m.InvoicePage, self._json("Loading invoices", "GET", "/invoices", params=params)
        )

    def latest_invoices(self, count: int = 8) -> list[m.Invoice]:
        """The ``count`` newest invoices, newest first (the API pages oldest first: the total
        says where the last page starts)."""
        total = self.invoices(limit=1)["total"]
        page = self.invoices(limit=count, offset=max(0, total - count))
        return sorted(page["items"], key=lambda i: i["created_at_s"], reverse=True)

    def invoice(self, invoice_id: str) -> m.InvoiceDetail:
        return cast(
            m.InvoiceDetail,
            self._json(f"Loading invoice {invoice_id}", "GET", f"/invoices/{invoice_id}"),
        )

    def create_invoice(self, amount_minor: int, method: str, payer: str) -> dict[str, Any]:
        body = {"amount_minor": amount_minor, "method": method, "payer": payer}
        return self._command("Creating an invoice", "POST", "/invoices", json=body)

    def pay(self, invoice_id: str, method: str, idempotency_key: str) -> dict[str, Any]:
        return self._command(
            f"Paying invoice {invoice_id}",
            "POST",
            f"/invoices/{invoice_id}/pay",
            json={"method": method},
            headers={"Idempotency-Key": idempotency_key},
        )

    def wallets(self, limit: int = 500) -> list[m.ActiveWallet]:
        body = self._json("Loading active wallets", "GET", "/wallets", params={"limit": limit})
        return cast(list[m.ActiveWallet], body)

    # ---- bulk invoices -----------------------------------------------------------
    def submit_bulk(self, data: bytes, filename: str, provider: str) -> m.BulkSubmitted:
        body = self._command(
            f"Uploading {filename}",
            "POST",
            "/invoices/bulk",
            files={"file": (filename, data, "text/csv")},
            data={"provider": provider},
        )
        return cast(m.BulkSubmitted, body)

    def bulk_progress(self, job_id: int) -> m.BulkProgress:
        return cast(
            m.BulkProgress,
            self._json(f"Loading bulk job {job_id}", "GET", f"/invoices/bulk/{job_id}"),
        )

    def bulk_results_csv(self, job_id: int) -> bytes:
        what = f"Downloading the results of bulk job {job_id}"
        return self._call(what, "GET", f"{PREFIX}/invoices/bulk/{job_id}/results.csv").content

    # ---- scenarios and runs ------------------------------------------------------
    def scenarios(self) -> list[m.Scenario]:
        return cast(list[m.Scenario], self._json("Loading scenarios", "GET", "/scenarios"))

    def start_scenario(self, name: str) -> dict[str, Any]:
        return self._command(f"Starting scenario {name}", "POST", f"/scenarios/{name}/start")

    def stop_scenario(self) -> dict[str, Any]:
        return self._command("Stopping the scenario", "POST", "/scenarios/stop")

    def runs(self, limit: int = 50) -> list[m.RunSummary]:
        body = self._json("Loading recorded runs", "GET", "/runs", params={"limit": limit})
        return cast(list[m.RunSummary], body)

    def run_report(self, run_id: str) -> dict[str, Any]:
        body = self._json(f"Loading the report of run {run_id}", "GET", f"/runs/{run_id}/report")
        return cast(dict[str, Any], body)

    def compare_runs(self, run_a: str, run_b: str) -> m.Comparison:
        body = self._json(
            f"Comparing runs {run_a} and {run_b}",
            "GET",
            "/runs/compare",
            params={"a": run_a, "b": run_b},
        )
        return cast(m.Comparison, body)
