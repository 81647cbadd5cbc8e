"""`mymedic booking …`: the booking service's commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from booking.settings import CONFIG_ENV, DB_ENV, BookingConfig

booking_app = typer.Typer(
    help="The booking service: serve the API, export its outbox events.", no_args_is_help=True
)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help=f"Database URL (default: ${DB_ENV} or .mymedic/booking.db)"),
]
ConfigOption = Annotated[
    str | None, typer.Option("--config", help=f"Config JSON file (default: ${CONFIG_ENV})")
]


def _load_config(config: str | None) -> BookingConfig:
    """The booking config, or one line on stderr and exit 1 when it cannot be used."""
    from booking.settings import ConfigError, load_config
    from mymedic.cli_errors import fail

    try:
        return load_config(config)
    except ConfigError as exc:
        fail(str(exc))


@booking_app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8080,
    db: DbOption = None,
    config: ConfigOption = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Run the API (OpenAPI at /docs); applies the database migrations first."""
    import os

    import uvicorn

    from booking.app import create_app
    from booking.db import migrate as run_migrations
    from booking.settings import database_url

    settings = _load_config(config)
    if not settings.tenants:
        typer.echo(f"warning: no tenants configured ({CONFIG_ENV}); every call will answer 401", err=True)
    url = database_url(db)
    run_migrations(url)
    if workers > 1:  # each worker process builds the app from the environment
        os.environ[DB_ENV] = url
        if config:
            os.environ[CONFIG_ENV] = config
        uvicorn.run(
            "booking.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=False,
        )
        return
    uvicorn.run(create_app(settings, db_url=url), host=host, port=port, proxy_headers=False)


@booking_app.command()
def migrate(db: DbOption = None) -> None:
    """Bring the database schema up to date (Alembic)."""
    from booking.db import migrate as run
    from booking.settings import database_url

    run(database_url(db))
    typer.echo("booking database is at the latest schema")


@booking_app.command()
def seed(
    file: Annotated[Path, typer.Option("--file", exists=True, dir_okay=False, help="Directory JSON")],
    db: DbOption = None,
) -> None:
    """Load tenants, branches, doctors and their weekly schedules into the database."""
    from booking.db import Database
    from booking.db import migrate as run
    from booking.directory import load_directory, read_directory
    from booking.settings import database_url

    url = database_url(db)
    run(url)
    database = Database(url)
    try:
        counts = load_directory(database, read_directory(file))
    finally:
        database.dispose()
    typer.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


@booking_app.command("export-events")
def export_events(
    out: Annotated[Path, typer.Option("--out", file_okay=False, help="Folder to write NDJSON files into")],
    db: DbOption = None,
    tenant: Annotated[
        str | None, typer.Option(help="Only this tenant's events (a data dir is one tenant)")
    ] = None,
) -> None:
    """Write not-yet-exported outbox events as NDJSON files and mark them exported."""
    from rich.console import Console
    from rich.table import Table

    from booking.db import Database
    from booking.outbox import export_events as export
    from booking.settings import database_url

    database = Database(database_url(db))
    try:
        result = export(database, out, tenant_id=tenant)
    finally:
        database.dispose()
    console = Console()
    if not result.events:
        console.print(f"No new events to export into {out}.")
        return
    table = Table(title=f"Exported {result.events} events into {len(result.files)} file(s)")
    table.add_column("event type")
    table.add_column("events", justify="right")
    for event_type, count in sorted(result.by_type.items()):
        table.add_row(event_type, str(count))
    console.print(table)
    for path in result.files:
        console.print(f"  {path}")


@booking_app.command("deliver-webhooks")
def deliver_webhooks(db: DbOption = None, config: ConfigOption = None) -> None:
    """POST outbox events to the partners' webhooks (signed t=…,v1=…), each event once per partner."""
    import httpx

    from booking.db import Database
    from booking.settings import database_url
    from booking.webhooks import deliver_partner_webhooks

    settings = _load_config(config)
    database = Database(database_url(db))
    try:
        with httpx.Client(timeout=10) as client:
            report = deliver_partner_webhooks(database, settings, client)
    finally:
        database.dispose()
    typer.echo(f"delivered {report.delivered} events")
    for endpoint, why in report.failed.items():
        typer.echo(f"{endpoint}: stopped at {why}", err=True)
    if report.failed:
        raise typer.Exit(1)
