"""`invoicesim orchestrator serve`: the reference orchestrator as an HTTP service.

``actors.orchestrator`` (routing, breakers, health probes, status checks, voids) pays
invoices through the providers' APIs: the emulators of ``invoicesim emulate`` by
default (provider i at the emulators' base port + i), or any addresses given with
``--provider``. Its invoice API is in docs/exercise.md and at its /openapi.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from actors.errors import InvoicesimError
from ui.cli.exits import EXIT_BAD_INPUT

if TYPE_CHECKING:  # the service is imported when it starts, not for --help
    from exercise.orchestrator.server import Orchestrator

console = Console(stderr=True)
orchestrator_app = typer.Typer(
    help="The reference orchestrator: actors.orchestrator paying invoices over HTTP.",
    no_args_is_help=True,
)


@orchestrator_app.command("serve")
def serve_command(
    scenario_file: Annotated[
        Path, typer.Argument(help="Scenario YAML file: its providers, routing and clock.")
    ],
    speed: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=1_000,
            help="Simulated seconds per wall second, as the emulators' --speed: the "
            "scenario's timeouts and intervals pass this much faster. Default: the "
            "scenario's clock speed if its clock is paced, else 1.",
        ),
    ] = None,
    host: Annotated[
        str, typer.Option(help="Listen address; 127.0.0.1 (this machine only) unless you say.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65_535, help="Its port (0: any).")] = 8200,
    providers_host: Annotated[
        str, typer.Option(help="Where the emulators listen (invoicesim emulate --host).")
    ] = "127.0.0.1",
    providers_base_port: Annotated[
        int,
        typer.Option(
            min=1,
            max=65_535,
            help="The emulators' --base-port: provider i of the scenario at this port + i.",
        ),
    ] = 8100,
    provider: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=URL: reach this provider there instead (repeat for several); only "
            "http:// or https:// addresses.",
        ),
    ] = None,
) -> None:
    """Serve the invoice API (create, pay with an Idempotency-Key, read) for SCENARIO_FILE's
    providers, paying through their APIs; Ctrl-C stops. Exit 2 on bad input or a port
    taken."""
    from exercise.orchestrator.server import Orchestrator, OrchestratorOptions
    from simulation.scenario import load_scenario
    from simulation.scenario.model import ClockMode

    try:
        scenario = load_scenario(scenario_file)
        paced = scenario.clock.mode is ClockMode.PACED
        chosen = speed if speed is not None else scenario.clock.speed if paced else 1.0
        names = [c.name for c in scenario.provider_configs()]
        urls = provider_urls(names, providers_host, providers_base_port, provider or [])
        options = OrchestratorOptions(providers=urls, speed=chosen, host=host, port=port)
        orchestrator = Orchestrator(scenario, options)
    except InvoicesimError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _serve(orchestrator, urls)


def provider_urls(names: list[str], host: str, base_port: int, given: list[str]) -> dict[str, str]:
    """Each provider's base URL: the emulators' convention, then what ``--provider`` says."""
    shown = f"[{host}]" if ":" in host else host
    urls = {name: f"http://{shown}:{base_port + i}" for i, name in enumerate(names)}
    for item in given:
        name, sep, url = item.partition("=")
        if not sep or name not in urls:
            raise InvoicesimError(
                f"--provider {item!r}: write NAME=URL with NAME one of {', '.join(names)}"
            )
        if not url.startswith(("http://", "https://")) or len(url) > 2_000:
            raise InvoicesimError(f"--provider {item!r}: the URL must start with http(s)://")
        urls[name] = url.rstrip("/")
    if base_port + len(names) - 1 > 65_535:
        raise InvoicesimError(
            f"--providers-base-port {base_port}: {len(names)} providers go past port 65535"
        )
    return urls


def _serve(orchestrator: Orchestrator, urls: dict[str, str]) -> None:
    from exercise.orchestrator.server import serve_until_signal

    def banner() -> None:
        scenario = orchestrator.scenario
        console.print(
            f"[bold]reference orchestrator[/] for {escape(scenario.name)} at "
            f"[bold]{orchestrator.url}[/] ({orchestrator.options.speed:g}x); its API at "
            f"{orchestrator.url}/docs"
        )
        for name, url in urls.items():
            console.print(f"  pays through {name} at {escape(url)}")
        console.print("Ctrl-C stops.")

    serve_until_signal(orchestrator, banner)
    payments = orchestrator.payments
    if payments is not None:
        paid = sum(1 for i in payments.invoices.values() if i.status == "paid")
        console.print(f"Stopped: {len(payments.invoices):,} invoices, {paid:,} paid.")
