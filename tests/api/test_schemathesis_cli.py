"""`schemathesis run --checks all` against `invoicesim serve` as a user starts it, once per role.

Every check, the stateful ones too (links between operations, use after free) and both
directions of the schema's promise: a valid request is not refused (positive data
acceptance) and an invalid one is not accepted (negative data rejection). The service runs
in its own process on a real embedded PostgreSQL in a temporary data folder
(``INVOICESIM_DATA_DIR``), the local runtime (no Ray start-up) and a scenario paying
invoices, so the live routes have rows; tokens come from ``invoicesim token create``.

Starting and stopping scenarios are left out: a stopped run makes every live route answer
503, which schemathesis rightly counts as a server error. The examples are bounded and
derandomized (``--generation-deterministic``, which keeps no example database), so CI
sees the same requests every run; the whole test takes under a minute. On a failure the
assertion message is schemathesis's report, with a curl line for each finding. A due date
is drawn from tomorrow on (``schemathesis_hooks``): the one rule no schema can state.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ROLES = ("admin", "enterprise", "consumer")
MAX_EXAMPLES = 50  # per operation and phase: about 15 s a role on 2 cores
# One worker thread: two let Hypothesis parse lambda sources (``ast.parse``) on two threads
# at once, which CPython 3.11 does not survive ("SystemError: AST constructor recursion
# depth mismatch", a runtime error of one operation, about one run in six here).
WORKERS = 1
RUN_TIMEOUT_S = 120  # one role's run; a hang fails the test instead of blocking CI
SCENARIO = """
name: schemathesis-cli
seed: 7
duration_s: 3600
wallet_ttl_s: 60
load:
  - {start_s: 0, duration_s: 3600, shape: poisson, rate_per_s: 5}
faults:
  - {target: tempo, kind: outage, start_s: 20, duration_s: 30}
"""


def _cli(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(BIN / "invoicesim"), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"invoicesim {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], Path]]:
    """`invoicesim serve` on a fresh embedded PostgreSQL: its URL, a token per role, its log."""
    folder = tmp_path_factory.mktemp("schemathesis-cli")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # the embedded server
    env["INVOICESIM_DATA_DIR"] = str(folder / "data")
    env["INVOICESIM_SCENARIOS_DIR"] = str(ROOT / "scenarios")
    scenario = folder / "scenario.yaml"
    scenario.write_text(SCENARIO)
    port = free_port()
    log_path = folder / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(BIN / "invoicesim"), "serve", "--scenario", str(scenario), "--port", str(port),
             "--runtime", "local", "--speed", "5"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(url, server, log_path)
            tokens = {
                role: _cli("token", "create", "--role", role, "--name", f"st {role}", env=env)
                .strip()
                .splitlines()[-1]
                .split()[-1]
                for role in ROLES
            }
            yield url, tokens, log_path
        finally:
            server.terminate()
            server.wait(60)


def _wait_until_serving(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90  # the first start runs initdb and the migrations
    while True:
        assert server.poll() is None, f"serve exited: {log.read_text()[-3000:]}"
        try:
            if httpx.get(f"{url}/api/v1/providers/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"serve did not answer: {log.read_text()[-3000:]}"
        time.sleep(0.25)


def _findings_last(report: str) -> str:
    """The report with its ERRORS and FAILURES sections moved to the end: a CI log shows
    a failure's last lines, and the findings are what a reader needs."""
    sections: list[list[str]] = [[]]
    for line in report.splitlines():
        if line.startswith("=") and line.rstrip().endswith("=") and line.strip("= "):
            sections.append([])
        sections[-1].append(line)
    findings = [s for s in sections if s and s[0].strip("= ") in ("ERRORS", "FAILURES")]
    rest = [s for s in sections if s not in findings]
    return "\n".join(line for section in rest + findings for line in section)


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_nothing_with_every_check_against_serve(
    served: tuple[str, dict[str, str], Path], role: str, tmp_path: Path
) -> None:
    url, tokens, log = served
    env = dict(os.environ, SCHEMATHESIS_HOOKS="tests.api.schemathesis_hooks", PYTHONPATH=str(ROOT))
    command = [
        str(BIN / "schemathesis"), "run", f"{url}/openapi.json",
        "--checks", "all",
        "--header", f"Authorization: Bearer {tokens[role]}",
        "--exclude-path-regex", "^/api/v1/scenarios/.+",
        "--max-examples", str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--continue-on-failure",
        "--workers", str(WORKERS),
        "--request-timeout", "10",
        "--no-color",
    ]  # fmt: skip
    done = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, (
        f"schemathesis as {role} found problems:\n{_findings_last(report)}"
        f"\n--- the server's log, last lines ---\n{log.read_text()[-2000:]}"
    )
    assert "Tested:" in report and " passed" in report, report
