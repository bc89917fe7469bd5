"""The `sitewatch` command. Each subcommand imports its program lazily, so a gateway
with only the agent installed never needs the hub's libraries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sitewatch.cli_dashboards import dashboards_app
from sitewatch.cli_grafana import grafana_app
from sitewatch.cli_registry import registry_app
from sitewatch.cli_users import users_app

app = typer.Typer(
    help="sitewatch: edge agents stream site events over MQTT to a hub.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Benchmarks; figures go to docs/PERFORMANCE.md.", no_args_is_help=True)
protocol_app = typer.Typer(help="Wire protocol v1 tools.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(protocol_app, name="protocol")
app.add_typer(users_app, name="users")
app.add_typer(registry_app, name="registry")
app.add_typer(dashboards_app, name="dashboards")
app.add_typer(grafana_app, name="grafana")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", exists=True, dir_okay=False, help="YAML settings file"),
]


@app.command()
def agent(config: ConfigOption = None) -> None:
    """Run the edge agent on a gateway."""
    from edge_agent.main import run_agent

    run_agent(config)


@app.command()
def hub(
    config: ConfigOption = None,
    no_api: Annotated[bool, typer.Option("--no-api", help="ingest only, no HTTP API")] = False,
) -> None:
    """Run the hub: ingest into the ledger and serve the API."""
    from hub.main import run_hub

    run_hub(config, serve_api=not no_api)


@app.command()
def demo(
    data_dir: Annotated[
        Path, typer.Option(help="where the demo keeps its ledger, outboxes and broker data")
    ] = Path(".sitewatch-demo"),
    port: Annotated[int, typer.Option(help="API port")] = 8000,
    speed: Annotated[float, typer.Option(help="simulated seconds per real second")] = 1.0,
) -> None:
    """Run everything on this machine: broker, hub on SQLite, simulated gateways."""
    from sitewatch.demo import run_demo

    run_demo(data_dir, port=port, speed=speed)


@app.command()
def simulate(
    broker: Annotated[str, typer.Option(help="host:port of the MQTT broker")] = "127.0.0.1:1883",
    gateways: Annotated[int, typer.Option(min=1, help="simulated gateways")] = 2,
    rate: Annotated[
        float,
        typer.Option(min=0.1, help="events/s of all gateways together (each sends rate/gateways)"),
    ] = 20.0,
    duration: Annotated[float, typer.Option(min=0, help="seconds to run; 0 = until Ctrl-C")] = 0,
    data_dir: Annotated[
        Path, typer.Option(help="one outbox per gateway; kept, so seq continues next run")
    ] = Path(".sitewatch-simulate"),
    tick: Annotated[
        float, typer.Option(min=0.01, help="seconds between a gateway's outbox appends")
    ] = 1.0,
    batch_threshold: Annotated[
        int,
        typer.Option(min=1, max=500, help="outbox backlog (events) at which a gateway sends "
                     "JSON-array batches: 1 sends each tick's events as one message; 50, the "
                     "agent's own default, sends one event per message at these rates (about "
                     "1.5x the CPU at 5,000 events/s)"),
    ] = 1,
    report_every: Annotated[
        float, typer.Option(min=0.5, help="seconds between backlog reports")
    ] = 5.0,
    seed: Annotated[int, typer.Option(help="seed of the traffic model")] = 1,
) -> None:
    """Run many simulated gateways from one process (one event loop for all) against a broker.

    Each is a real agent identity: its own MQTT connection, outbox, seq, status and last will.

    They play the demo park's traffic mix; the outbox backlog is printed as they go.
    """
    from sitewatch.simulate import run_simulation

    run_simulation(broker, gateways=gateways, rate=rate, duration=duration, data_dir=data_dir,
                   tick=tick, batch_threshold=batch_threshold, report_every=report_every,
                   seed=seed)


@bench_app.command("ingest")
def bench_ingest(
    events: Annotated[int, typer.Option(min=1000, help="events per measurement")] = 50_000,
    batch: Annotated[int, typer.Option(min=2, help="events per batched message")] = 500,
    receive_maximum: Annotated[int | None, typer.Option(
        min=8, max=65535, help="the hubs' MQTT receive window (default: the hub's own)")] = None,
    rounds: Annotated[int, typer.Option(
        min=1, max=20,
        help="bare-then-hub single-event drains, back to back; the ratio is their median",
    )] = 1,
) -> None:
    """Durable ingest into SQLite vs a bare paho subscriber and raw SQLite inserts."""
    from sitewatch.bench.ingest import RECEIVE_MAXIMUM, run_ingest_bench

    run_ingest_bench(events=events, batch=batch,
                     receive_maximum=receive_maximum or RECEIVE_MAXIMUM, rounds=rounds)


@protocol_app.command("schema")
def protocol_schema(
    output: Annotated[Path, typer.Option(help="where to write")] = Path(
        "docs/protocol.schema.json"
    ),
    check: Annotated[bool, typer.Option(help="fail if the file differs; write nothing")] = False,
) -> None:
    """Write the JSON Schema of protocol v1 (or check the committed one)."""
    from sitewatch.protocol.schema import protocol_schema_text

    text = protocol_schema_text()
    if check:
        if not output.exists() or output.read_text(encoding="utf-8") != text:
            typer.echo(f"{output} is out of date: run 'sitewatch protocol schema'", err=True)
            raise typer.Exit(1)
        typer.echo(f"{output} is up to date")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    app()
