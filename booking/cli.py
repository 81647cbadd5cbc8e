"""`mymedic booking …`: the booking service's commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from booking.settings import CONFIG_ENV, DB_ENV, PUBLIC_URL_ENV, BookingConfig
from core.cli_errors import explain, fail

if TYPE_CHECKING:
    from booking.infra.db import Database
    from booking.services.partner_delivery import Transport

booking_app = typer.Typer(
    help="The booking service: serve the API, run its worker, export its outbox events.", no_args_is_help=True
)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help=f"Database URL (default: ${DB_ENV} or .mymedic/booking.db)"),
]
TenantOption = Annotated[
    str | None, typer.Option("--tenant", help="Only this tenant's events (a data dir is one tenant)")
]
ConfigOption = Annotated[
    str | None, typer.Option("--config", help=f"Config JSON file (default: ${CONFIG_ENV})")
]


explain(
    "sqlalchemy.exc.OperationalError",
    lambda first: (
        f"cannot use the booking database ({first}): check that it is running and that "
        f"--db / ${DB_ENV} names it"
    ),
)


@contextmanager
def _database(db: str | None) -> Iterator[Database]:
    from booking.infra.db import Database
    from booking.settings import database_url

    database = Database(database_url(db))
    try:
        yield database
    finally:
        database.dispose()


def _load_config(config: str | None) -> BookingConfig:
    """The booking config, or one line on stderr and exit 1 when it cannot be used."""
    from booking.settings import ConfigError, load_config

    try:
        return load_config(config)
    except ConfigError as exc:
        fail(str(exc))


def _print_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A rich table on stdout (the dead-letter lists and replays)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


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

    from booking.api.app import create_app
    from booking.infra.db import migrate as run_migrations
    from booking.settings import database_url

    settings = _messaging_config(config)
    if not settings.tenants:
        typer.echo(f"warning: no tenants configured ({CONFIG_ENV}); every call will answer 401", err=True)
    url = database_url(db)
    run_migrations(url)
    if workers > 1:  # each worker process builds the app from the environment
        os.environ[DB_ENV] = url
        if config:
            os.environ[CONFIG_ENV] = config
        uvicorn.run(
            "booking.api.app:create_app_from_env",
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
    from booking.infra.db import migrate as run
    from booking.settings import database_url

    run(database_url(db))
    typer.echo("booking database is at the latest schema")


@booking_app.command()
def seed(
    file: Annotated[Path, typer.Option("--file", exists=True, dir_okay=False, help="Directory JSON")],
    db: DbOption = None,
) -> None:
    """Load tenants, branches, doctors and their weekly schedules into the database."""
    from booking.infra.db import Database
    from booking.infra.db import migrate as run
    from booking.infra.directory import load_directory, read_directory
    from booking.settings import database_url

    url = database_url(db)
    run(url)
    database = Database(url)
    try:
        counts = load_directory(database, read_directory(file))
    finally:
        database.dispose()
    typer.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


@booking_app.command("export-adt")
def export_adt(
    out: Annotated[
        Path, typer.Option("--out", file_okay=False, help="Folder for the NDJSON, e.g. DATA/adt/fhir/rest")
    ],
    db: DbOption = None,
    tenant: TenantOption = None,
) -> None:
    """Write the ADT events HIS pushed (POST /v1/adt/events) not yet exported as NDJSON; mark them exported."""
    from datetime import UTC, datetime

    from booking.infra.adt_inbox import export_adt as export

    with _database(db) as database:
        result = export(database, out, now=datetime.now(UTC), tenant_id=tenant)
    if not result.events:
        typer.echo(f"No new ADT events to export into {out}.")
        return
    for path in result.files:
        typer.echo(f"wrote {path}")
    typer.echo(f"Exported {result.events} ADT event(s) into {len(result.files)} file(s).")


@booking_app.command("export-events")
def export_events(
    out: Annotated[Path, typer.Option("--out", file_okay=False, help="Folder to write NDJSON files into")],
    db: DbOption = None,
    tenant: TenantOption = None,
) -> None:
    """Write not-yet-exported outbox events as NDJSON files and mark them exported."""
    from rich.console import Console
    from rich.table import Table

    from booking.infra.outbox import export_events as export

    with _database(db) as database:
        result = export(database, out, tenant_id=tenant)
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


@contextmanager
def _transport(db: str | None, config: BookingConfig) -> Iterator[tuple[Database, Transport]]:
    import httpx

    from booking.domain.clock import SystemClock
    from booking.infra.db import Database
    from booking.services.partner_delivery import Transport
    from booking.settings import database_url

    database = Database(database_url(db))
    try:
        with httpx.Client(timeout=config.partner_delivery.timeout_seconds) as client:
            yield database, Transport(client=client, clock=SystemClock())
    finally:
        database.dispose()


@booking_app.command("deliver-webhooks")
def deliver_webhooks(db: DbOption = None, config: ConfigOption = None) -> None:
    """One delivery run: outbox events to the partners' webhooks (signed t=…,v1=…), with retries."""
    from booking.services.partner_delivery import deliver_partner_webhooks

    settings = _load_config(config)
    with _transport(db, settings) as (database, transport):
        report = deliver_partner_webhooks(database, settings, transport)
    typer.echo(f"delivered {report.delivered} events, {report.dead_lettered} dead-lettered")
    for endpoint, why in report.failed.items():
        typer.echo(f"{endpoint}: stopped at {why}", err=True)
    if report.failed:
        raise typer.Exit(1)


@booking_app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run each job one time and exit (cron, tests)")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the jobs on their schedules: expire unpaid bookings, purge old replay guards, deliver webhooks."""
    import signal
    import threading

    from booking.infra.db import migrate as run_migrations
    from booking.settings import database_url
    from booking.worker import JobResult, Worker

    settings = _messaging_config(config)
    run_migrations(database_url(db))

    def show(result: JobResult) -> None:
        typer.echo(f"{result.name}: {result.summary}", err=not result.ok)

    with _transport(db, settings) as (database, transport):
        runner = Worker(database, settings, transport)
        if once:
            results = runner.run_once()
            for result in results:
                show(result)
            if not all(r.ok for r in results):
                raise typer.Exit(1)
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        runner.run_forever(stop, show)


webhooks_app = typer.Typer(help="Outbound partner webhooks.", no_args_is_help=True)
dlq_app = typer.Typer(help="Events partners did not accept after every retry.", no_args_is_help=True)
webhooks_app.add_typer(dlq_app, name="dlq")
booking_app.add_typer(webhooks_app, name="webhooks")


@dlq_app.command("list")
def dlq_list(
    db: DbOption = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's dead letters")] = None,
) -> None:
    """The dead letters not replayed yet: endpoint, event, attempts, last error."""
    from booking.infra.db import Database
    from booking.services.dead_letters import list_dead_letters
    from booking.settings import database_url

    database = Database(database_url(db))
    try:
        rows = list_dead_letters(database, tenant_id=tenant)
    finally:
        database.dispose()
    if not rows:
        typer.echo("No dead letters.")
        return
    _print_table(
        f"{len(rows)} dead letter(s)",
        ("id", "endpoint", "event id", "event type", "attempts", "last error", "dead at"),
        [
            (str(r.id), r.endpoint, r.event_id, r.event_type, str(r.attempts), r.last_error, r.dead_at)
            for r in rows
        ],
    )


@dlq_app.command("replay")
def dlq_replay(
    id_: Annotated[int | None, typer.Option("--id", help="Only this dead letter (default: all)")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Send dead-lettered events again, now; never to an endpoint that already accepted the event."""
    from booking.services.dead_letters import replay_dead_letters

    settings = _load_config(config)
    with _transport(db, settings) as (database, transport):
        results = replay_dead_letters(database, settings, transport, dead_letter_id=id_)
    if id_ is not None and results[0].outcome == "not found":
        fail(f"dead letter {id_} not found; `mymedic booking webhooks dlq list` shows the ids")
    if not results:
        typer.echo("No dead letters to replay.")
        return
    _print_table(
        f"Replayed {len(results)} dead letter(s)",
        ("id", "endpoint", "event id", "outcome"),
        [(str(r.id), r.endpoint, r.event_id, r.outcome) for r in results],
    )
    if any(r.outcome not in ("delivered", "already delivered") for r in results):
        raise typer.Exit(1)


@booking_app.command("qr")
def qr_posters(
    branch: Annotated[str, typer.Option("--branch", help="Branch id (as seeded)")],
    out: Annotated[
        Path, typer.Option("--out", file_okay=False, help="Folder to write the PNGs and PDFs into")
    ],
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url",
            envvar=PUBLIC_URL_ENV,
            help=f"Public URL of this booking service, e.g. https://book.example.com (default: ${PUBLIC_URL_ENV})",
        ),
    ],
    doctor: Annotated[str | None, typer.Option("--doctor", help="Only this doctor's poster")] = None,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Tenant, when several use the branch id")
    ] = None,
    campaign: Annotated[
        str, typer.Option("--campaign", help="Campaign code the posters' bookings are attributed to")
    ] = "waiting-room",
    db: DbOption = None,
) -> None:
    """QR posters: per branch and doctor a QR code PNG and an A4 PDF, linking to the widget with channel=qr."""
    import re

    from booking.api.qr_posters import write_posters
    from booking.domain.channels import CAMPAIGN_PATTERN
    from booking.infra.db import Database
    from booking.services.reads import poster_places
    from booking.settings import database_url
    from core.cli_errors import fail
    from core.pdf_fonts import FontMissing

    if not re.match(CAMPAIGN_PATTERN, campaign) or not campaign:
        fail(f"--campaign {campaign!r} is not a campaign code: 1-40 of a-z, 0-9, '_' and '-'")
    if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", base_url):
        fail(f"--base-url {base_url!r} is not an http(s) URL, e.g. https://book.example.com")
    database = Database(database_url(db))
    try:
        places = poster_places(database, branch, tenant_id=tenant, doctor_id=doctor)
    except LookupError as exc:
        fail(str(exc))
    finally:
        database.dispose()
    try:
        posters = write_posters(places, base_url=base_url, campaign=campaign, out=out)
    except FontMissing as exc:
        fail(str(exc))
    for poster in posters:
        typer.echo(f"{poster.pdf}  {poster.png}  {poster.link}")


# ---- patient messages (issue 12): `mymedic messages …` ----

messages_app = typer.Typer(help="Patient messages: WhatsApp, SMS and email.", no_args_is_help=True)
messages_dlq_app = typer.Typer(help="Messages no provider took after every retry.", no_args_is_help=True)
messages_app.add_typer(messages_dlq_app, name="dlq")


def _messaging_config(config: str | None) -> BookingConfig:
    from booking.services.outbound_messages import check_messaging
    from booking.settings import ConfigError

    settings = _load_config(config)
    try:
        check_messaging(settings)
    except ConfigError as exc:
        fail(str(exc))
    return settings


@messages_app.command("send")
def messages_send(db: DbOption = None, config: ConfigOption = None) -> None:
    """One run of the worker's `messages` job: send the messages that are due."""
    from booking.services.outbound_messages import send_due_messages

    settings = _messaging_config(config)
    with _transport(db, settings) as (database, transport):
        report = send_due_messages(database, settings, transport)
    typer.echo(report.summary())


@messages_app.command("opt-out")
def messages_opt_out(
    tenant: Annotated[str, typer.Option(help="The patient's tenant")],
    phone: Annotated[str, typer.Option(help="The patient's phone number, +91…")],
    channel: Annotated[str, typer.Option(help="whatsapp, sms or email")],
    keyword: Annotated[str, typer.Option(help="What the patient said (STOP…)")] = "STOP",
    db: DbOption = None,
) -> None:
    """Record that a patient stopped messages on a channel (a STOP reply, a request at the front desk)."""
    from booking.domain.clock import SystemClock
    from booking.domain.messaging import CHANNELS, mask_phone
    from booking.services.outbound_messages import opt_out_patient

    if channel not in CHANNELS:
        fail(f"--channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    with _database(db) as database:
        try:
            patient_id, new = opt_out_patient(
                database, tenant_id=tenant, phone=phone, channel=channel, keyword=keyword.upper(),
                at=SystemClock().now(),
            )  # fmt: skip
        except LookupError as exc:
            fail(str(exc))
    state = "opted out" if new else "was already opted out"
    typer.echo(f"patient {patient_id} ({mask_phone(phone)}) {state} of {channel}")


@messages_dlq_app.command("list")
def messages_dlq_list(
    db: DbOption = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's messages")] = None,
) -> None:
    """Dead letters not replayed yet, oldest first: id, message, channel, purpose, masked recipient, attempts,
    last error, why (permanent error or attempts exhausted)."""
    from booking.services.message_dead_letters import list_dead_messages

    with _database(db) as database:
        rows = list_dead_messages(database, tenant_id=tenant)
    if not rows:
        typer.echo("No dead-lettered messages.")
        return
    _print_table(
        f"{len(rows)} dead-lettered message(s)",
        ("id", "message id", "tenant", "channel", "purpose", "to", "attempts", "error", "why", "dead at"),
        [
            (str(r.id), r.message_id, r.tenant_id, r.channel, r.purpose, r.recipient_masked, str(r.attempts),
             f"{r.error_code} {r.error}".strip(), r.reason, r.dead_at)
            for r in rows
        ],
    )  # fmt: skip


@messages_dlq_app.command("replay")
def messages_dlq_replay(
    id_: Annotated[
        str | None,
        typer.Option(
            "--id", help="Only this dead letter (its id in `dlq list`) or message (msg_…); default: all"
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Send dead-lettered messages again, now; a message its provider accepted is never sent again."""
    from booking.services.message_dead_letters import replay_dead_messages

    settings = _messaging_config(config)
    by_row = id_ is not None and id_.isdigit()
    with _transport(db, settings) as (database, transport):
        results = replay_dead_messages(
            database, settings, transport,
            dead_letter_id=int(id_) if by_row and id_ else None, message_id=None if by_row else id_,
        )  # fmt: skip
    if id_ is not None and results[0].outcome == "not found":
        what = "dead letter" if by_row else "message"
        fail(f"{what} {id_} not found; `mymedic messages dlq list` shows the dead letters' ids")
    if not results:
        typer.echo("No dead-lettered messages to replay.")
        return
    _print_table(
        f"Replayed {len(results)} message(s)",
        ("id", "message id", "outcome"),
        [("" if r.id is None else str(r.id), r.message_id, r.outcome) for r in results],
    )
    if any(r.outcome not in ("sent", "already sent") for r in results):
        raise typer.Exit(1)
