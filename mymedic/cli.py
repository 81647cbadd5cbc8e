"""`mymedic`: generate sample data, run the pipeline, look at the quarantine."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from booking.cli import booking_app, messages_app
from core.cli_errors import OneLineErrors
from core.cli_errors import fail as _fail
from core.cli_options import WarehouseUrl
from core.money import format_count
from core.settings import DEFAULT_EXPORTS, SERVING_ENV
from mymedic.adt_cli import adt_app
from mymedic.bi_cli import bi_app
from mymedic.claims_cli import claims_app
from mymedic.export_cli import export_app
from mymedic.serving_cli import serving_app
from mymedic.warehouse_cli import warehouse_app
from operations.cli import operator_app
from serving.api.cli import api_app

# OneLineErrors: what a person can fix (a warehouse in use, an unreachable server, a bad URL) is one line on
# stderr for every command; a traceback that remains is a bug, shown without local variables (secrets).
app = typer.Typer(
    help="MyMedic data platform: clinic-chain payments reconciled to the paisa.",
    no_args_is_help=True,
    cls=OneLineErrors,
    pretty_exceptions_show_locals=False,
)
quarantine_app = typer.Typer(help="Input rows that were not loaded, and why.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(booking_app, name="booking")
app.add_typer(messages_app, name="messages")
razorpay_app = typer.Typer(help="Fetch from the Razorpay API into a data directory.", no_args_is_help=True)
app.add_typer(razorpay_app, name="razorpay")
app.add_typer(export_app, name="export")
app.add_typer(bi_app, name="bi")
app.add_typer(serving_app, name="serving")
app.add_typer(warehouse_app, name="warehouse")
app.add_typer(api_app, name="api")
app.add_typer(adt_app, name="adt")
app.add_typer(claims_app, name="claims")
app.add_typer(operator_app, name="operator")
# Bound to the real stdout: while the pipeline runs, other output (dbt's) goes to the run log instead.
console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 120)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write the sample chain's feeds into")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same bytes")] = 42,
    branches: Annotated[int, typer.Option(min=1, help="Branches of the chain")] = 3,
    days: Annotated[int, typer.Option(min=1, help="Days of activity")] = 30,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD")] = "2026-10-01",
    bookings_per_day: Annotated[int, typer.Option(min=1, help="Bookings per branch per day")] = 20,
    bank_profile: Annotated[
        str, typer.Option(help="Bank statement layout: mymedic (bank/*.csv), hdfc, icici, sbi or axis")
    ] = "mymedic",
    tenant: Annotated[
        str, typer.Option(help="The chain's tenant id (a second chain: another id and seed)")
    ] = "",
    adt_format: Annotated[
        str,
        typer.Option(
            "--adt-format",
            help="The HIS's ADT feed: hl7 (adt/*.hl7), fhir (adt/fhir/), csv (adt/csv/arghis/) or none",
        ),
    ] = "hl7",
    messages: Annotated[
        bool,
        typer.Option(
            "--messages/--no-messages",
            help="Also the patients' messages: message.* events and the WhatsApp, MSG91 and SendGrid delivery "
            "logs in messages/, and the providers' rate card (reference/message_rates.csv)",
        ),
    ] = True,
    claims: Annotated[
        bool,
        typer.Option(
            "--claims/--no-claims",
            help="Also cashless insurance claims for the inpatient episodes (needs ADT): TPA exports and NHCX "
            "messages in claims/, their settlement credits on the bank statement (docs/claims-sample.md)",
        ),
    ] = False,
) -> None:
    """Write a sample clinic chain: events, settlements, bank statement, reference data, ADT, ground truth."""
    from sampledata import write_sample
    from sampledata.adt_wire import ADT_FORMATS

    if adt_format not in ADT_FORMATS:
        _fail(f"--adt-format {adt_format!r} is not one of {', '.join(ADT_FORMATS)}")
    if claims and adt_format == "none":
        _fail(
            "--claims needs the ADT feed (the claims are for its inpatient episodes): drop --adt-format none"
        )

    with _progress() as progress:
        task = progress.add_task("Generating days", total=days)
        summary = write_sample(
            out,
            seed=seed,
            branches=branches,
            days=days,
            start=date.fromisoformat(start),
            bookings_per_branch_day=bookings_per_day,
            bank_profile=bank_profile,
            adt_format=adt_format,
            messages=messages,
            claims=claims,
            **({"tenant": tenant} if tenant else {}),
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    table = Table(title=f"Sample chain written to {out}", show_header=False)
    for key, value in summary.items():
        if not isinstance(value, dict | list):
            table.add_row(str(key), str(value))
    console.print(table)


@app.command()
def run(
    data: Annotated[Path, typer.Option(help="Data directory (the layout `mymedic generate` writes)")],
    as_of: Annotated[str, typer.Option("--as-of", help="Reconcile as of YYYY-MM-DD (IST)")] = "",
    exports: Annotated[Path, typer.Option(help="Where the exports go")] = DEFAULT_EXPORTS,
    serving: Annotated[
        Path | None,
        typer.Option(
            envvar=SERVING_ENV,
            show_default=False,
            help="Where the serving copy BI tools read is published (default .mymedic/serving)",
        ),
    ] = None,
    warehouse: WarehouseUrl = "",
) -> None:
    """Load every feed, build the reconciliation, write the exports, print a summary."""
    from mymedic.pipeline import run_pipeline

    if as_of:
        try:
            date.fromisoformat(as_of)
        except ValueError:
            _fail(f"--as-of {as_of!r} is not a day: use YYYY-MM-DD (IST), e.g. 2026-10-31")
    _check_data_dir(data)
    _check_warehouse(warehouse)
    with _progress() as progress:
        task = progress.add_task("Running the pipeline", total=None)
        report = run_pipeline(
            data,
            exports,
            as_of=as_of,
            warehouse_url=warehouse,
            serving_dir=serving,
            on_step=lambda done, total, name: progress.update(
                task, completed=done, total=total, description=name
            ),
        )
    print_report(report)
    if not report.success:
        raise typer.Exit(1)


def _check_data_dir(data: Path) -> None:
    """A folder naming its chain (reference/branches.csv), or one line saying what to point --data at."""
    from ingestion.feeds.reference import tenant_of

    if not data.is_dir():
        _fail(
            f"--data {data} is not a directory: `mymedic generate --out {data}` writes a sample chain there"
        )
    try:
        tenant_of(data)
    except FileNotFoundError:
        _fail(
            f"--data {data} is not a data directory (it has no reference/branches.csv naming the chain): "
            "point it at the folder `mymedic generate --out DIR` wrote, or at your feeds' folder"
        )
    except (OSError, ValueError) as error:
        _fail(str(error))


def _check_warehouse(warehouse: str) -> None:
    """A warehouse in use or an unreachable server is one line now, not a failed step per asset later."""
    from core.settings import warehouse_settings
    from core.warehouse import open_warehouse

    with open_warehouse(warehouse_settings(warehouse or None)):
        pass


def print_report(report) -> None:
    from mymedic.run_summary import STATUS_COLUMNS, status_rows, total_lines

    feeds = Table(title="Feeds (this run)")
    for column in ("feed", "files", "already loaded", "rows read", "loaded", "quarantined", "duplicates"):
        feeds.add_column(column, justify="left" if column == "feed" else "right")
    for feed, t in report.feeds.items():
        feeds.add_row(
            feed,
            *(format_count(t[k]) for k in ("files", "files_already_loaded", "rows_read", "rows_loaded")),
            *(format_count(t[k]) for k in ("rows_quarantined", "rows_skipped")),
        )
    console.print(feeds)
    statuses = Table(
        title=f"Reconciliation as of {report.as_of} (payments +, refunds and fees −)",
        caption="\n".join(total_lines(report.statuses)),
    )
    for column in STATUS_COLUMNS:
        statuses.add_column(column, justify="left" if column in ("status", "type") else "right")
    for row in status_rows(report.statuses):
        statuses.add_row(*row)
    console.print(statuses)
    for path in report.exports:
        console.print(f"export: [bold]{path}[/bold]")
    if report.serving:
        console.print(f"serving copy (BI tools, metrics API): [bold]{report.serving}[/bold]")
    console.print(f"run log (dbt output): {report.log}")
    if report.warned_checks:
        console.print(f"[yellow]checks that warn:[/yellow] {', '.join(report.warned_checks)}")
    if report.failed_checks:
        console.print(f"[red]failed checks:[/red] {', '.join(report.failed_checks)}")
    console.print("[green]pipeline succeeded[/green]" if report.success else "[red]pipeline failed[/red]")


@quarantine_app.command("list")
def quarantine_list(
    feed: Annotated[str, typer.Option(help="Only this feed")] = "",
    limit: Annotated[int, typer.Option(help="At most this many rows")] = 200,
) -> None:
    """Print quarantined rows with their file, line and reason."""
    from core.warehouse import open_warehouse
    from ingestion.quarantine import quarantined_rows

    with open_warehouse() as w:
        rows = quarantined_rows(w, feed or None, limit=limit)
    if not rows:
        console.print("No quarantined rows" + (f" for feed {feed}" if feed else "") + ".")
        return
    if not sys.stdout.isatty():  # for scripts: one row per line, tab-separated, nothing wrapped
        for row in rows:
            print("\t".join((row["feed"], row["file"], str(row["line"]), row["reason"].replace("\t", " "))))
        return
    table = Table(title=f"Quarantined rows ({len(rows)} shown)")
    for column in ("feed", "file", "line", "reason"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["feed"], row["file"], str(row["line"]), row["reason"])
    console.print(table)


@razorpay_app.command("pull")
def razorpay_pull(
    data: Annotated[Path, typer.Option(help="Data directory; pages go to settlements/razorpay/api/")],
    day: Annotated[
        str, typer.Option("--date", help="Settlement day YYYY-MM-DD (IST); default: yesterday in IST")
    ] = "",
    refetch_days: Annotated[int, typer.Option(min=0, max=31, help="Also fetch this many days before it")] = 0,
) -> None:
    """Fetch a day's settlement recon from Razorpay (key pair from the environment) and store its pages."""
    from datetime import UTC, datetime

    from core.razorpay_client import RazorpayClient, RazorpayError
    from core.settings import MissingSetting, RazorpaySettings
    from ingestion.pull.settlement_recon import days_to_pull, previous_ist_day, pull_day

    if not data.is_dir():
        _fail(f"--data {data} is not a directory")
    try:
        settlement_day = date.fromisoformat(day) if day else previous_ist_day(datetime.now(UTC))
    except ValueError:
        _fail(f"--date {day!r} is not a date; use YYYY-MM-DD")
    try:
        with RazorpayClient(RazorpaySettings.resolve()) as client:
            for one_day in days_to_pull(settlement_day, refetch_days):
                pulled = pull_day(client, data, one_day)
                written = ", ".join(p.name for p in pulled.written) or "none (unchanged)"
                console.print(
                    f"{one_day}: {pulled.lines} lines in {len(pulled.pages)} page(s); new files: {written}"
                )
    except (MissingSetting, RazorpayError, OSError) as error:
        _fail(str(error))


@razorpay_app.command("backfill")
def razorpay_backfill(
    data: Annotated[Path, typer.Option(help="Data directory; pages go to settlements/razorpay/api/")],
    first: Annotated[str, typer.Option("--from", help="First settlement day YYYY-MM-DD (IST)")],
    last: Annotated[
        str, typer.Option("--to", help="Last settlement day YYYY-MM-DD (IST), at most yesterday")
    ],
    warehouse: WarehouseUrl = "",
) -> None:
    """Pull settlement days --from..--to from Razorpay and load them: one Dagster run over those partitions."""
    from datetime import UTC, datetime

    from core.settings import MissingSetting, RazorpaySettings
    from ingestion.pull.settlement_recon import previous_ist_day
    from mymedic.pipeline import run_settlement_backfill
    from orchestration.gateway_assets import SETTLEMENT_DAYS_START

    days = []
    for option, value in (("--from", first), ("--to", last)):
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            _fail(f"{option} {value!r} is not a date; use YYYY-MM-DD (IST), e.g. 2026-10-01")
    yesterday = previous_ist_day(datetime.now(UTC))
    if days[0] > days[1]:
        _fail(f"--from {first} is after --to {last}: give the first day, then the last")
    if days[0] < date.fromisoformat(SETTLEMENT_DAYS_START) or days[1] > yesterday:
        _fail(
            f"settlement days run from {SETTLEMENT_DAYS_START} to yesterday ({yesterday}, IST): "
            f"ask for days in that range, not {first}..{last}"
        )
    _check_data_dir(data)
    try:
        RazorpaySettings.resolve()  # a missing key is one line now, not a failed step
    except MissingSetting as error:
        _fail(str(error))
    _check_warehouse(warehouse)
    with console.status(f"Pulling and loading settlement days {first}..{last}"):
        report = run_settlement_backfill(data, first, last, warehouse_url=warehouse)
    for error in report.errors:
        console.print(f"[red]failed[/red] {error}")
    if report.days:
        written = len(report.files_written)
        console.print(
            f"pulled {len(report.days)} day(s), {report.days[0]}..{report.days[-1]}: "
            f"{format_count(report.lines)} lines; {written} new or changed page file(s)"
        )
    if report.loaded:
        t = report.loaded
        console.print(
            f"loaded: {format_count(t['rows_loaded'])} rows, {format_count(t['rows_quarantined'])} "
            f"quarantined, {format_count(t['rows_skipped'])} duplicates skipped"
        )
    console.print(f"Dagster run {report.run_id}; run log: {report.log}", soft_wrap=True)
    if not report.success:
        raise typer.Exit(1)


# The time a PDF states it was generated; the same value gives the same bytes.
GeneratedAtOption = Annotated[
    str, typer.Option(help="The generated-at time stated (default: now); the same one gives the same bytes")
]


def _parse_month(month: str) -> date | None:
    if not month:
        return None
    try:
        return date.fromisoformat(f"{month}-01")
    except ValueError:
        _fail(f"--month {month!r} is not a month; use YYYY-MM")


def _generated_at(value: str) -> datetime:
    """Now (UTC, whole seconds), or `value` (ISO 8601; without an offset it is IST)."""
    from datetime import UTC

    from core.time import IST

    if not value:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--generated-at {value!r} is not a date and time; use e.g. 2026-11-01T09:30:00+05:30")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=IST)


def _export_documents(warehouse: str, write: Callable[[Any], list[Path]]) -> None:
    """Open the warehouse, write, print each path; any expected failure is one line and exit 1."""
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from core.settings import warehouse_settings
    from core.warehouse import open_warehouse
    from exports.pdf import FontMissing

    try:
        settings = warehouse_settings(warehouse) if warehouse else None
        with open_warehouse(settings) as w:
            paths = write(w)
    except (LookupError, ValueError, FontMissing, OSError, ClickHouseError) as error:
        _fail(str(error))
    for path in paths:
        console.print(f"pdf: [bold]{path}[/bold]", soft_wrap=True)
    if not paths:
        console.print("no documents written: nothing to write for that selection")


@export_app.command("statements")
def export_statements(
    month: Annotated[
        str, typer.Option(help="IST month YYYY-MM (default: the latest month in the reconciliation)")
    ] = "",
    branch: Annotated[list[str] | None, typer.Option(help="Only this branch id (repeatable)")] = None,
    exports: Annotated[
        Path, typer.Option(help="Exports folder; PDFs go to <exports>/finance/statements/")
    ] = (DEFAULT_EXPORTS),
    export_id: Annotated[
        str, typer.Option(help="Printed on every page (default: from the month and time)")
    ] = "",
    generated_at: GeneratedAtOption = "",
    warehouse: WarehouseUrl = "",
) -> None:
    """Write each branch's monthly reconciliation statement (PDF) and print the paths."""
    from exports.finance_export import FINANCE_FOLDER
    from exports.pdf import write_branch_statements
    from exports.pdf.statement_data import latest_month

    wanted = _parse_month(month)
    when = _generated_at(generated_at)

    def write(w: Any) -> list[Path]:
        chosen = wanted or latest_month(w)
        identifier = export_id or f"stmt-{chosen:%Y-%m}-{when:%Y%m%dT%H%M%SZ}"
        return write_branch_statements(w, exports / FINANCE_FOLDER, chosen, branches=branch or None,
                                       export_id=identifier, generated_at=when)  # fmt: skip

    _export_documents(warehouse, write)


@export_app.command("advice")
def export_advice(
    settlement: Annotated[
        list[str] | None, typer.Option(help="Only this settlement id (repeatable; default: every settlement)")
    ] = None,
    exports: Annotated[
        Path, typer.Option(help="Exports folder; PDFs go to <exports>/finance/settlement_advice/")
    ] = DEFAULT_EXPORTS,
    export_id: Annotated[str, typer.Option(help="Printed on every page (default: from the time)")] = "",
    generated_at: GeneratedAtOption = "",
    warehouse: WarehouseUrl = "",
) -> None:
    """Write a settlement advice (PDF) per gateway settlement and print the paths."""
    from exports.finance_export import FINANCE_FOLDER
    from exports.pdf import write_settlement_advices

    when = _generated_at(generated_at)
    identifier = export_id or f"advice-{when:%Y%m%dT%H%M%SZ}"
    _export_documents(
        warehouse,
        lambda w: write_settlement_advices(
            w,
            exports / FINANCE_FOLDER,
            settlement_ids=settlement or None,
            export_id=identifier,
            generated_at=when,
        ),
    )


@app.command()
def dictionary(
    out: Annotated[Path, typer.Option(help="Folder to write data_dictionary.{md,csv,xlsx} into")] = Path(
        ".mymedic/dictionary"
    ),
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Write nothing; fail naming every model and column without a description"
        ),
    ] = False,
    dbt_project: Annotated[
        Path | None, typer.Option(help="dbt project to document (default: the platform's dbt_project/)")
    ] = None,
) -> None:
    """Write the data dictionary: every model, raw table and column with type, description, tests, sensitivity."""
    from dictionary.catalog import catalog_for_project
    from dictionary.check import missing_descriptions, raw_warnings
    from dictionary.manifest import ManifestError
    from dictionary.writers import write_dictionary

    try:
        catalog = catalog_for_project(dbt_project) if dbt_project else catalog_for_project()
    except ManifestError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error
    problems = missing_descriptions(catalog)
    for warning in raw_warnings(catalog):
        typer.echo(f"warning: {warning}", err=True)
    if check:
        for problem in problems:
            typer.echo(f"missing description: {problem}", err=True)
        if problems:
            typer.echo(f"dictionary check failed: {len(problems)} missing description(s)", err=True)
            raise typer.Exit(1)
        columns = sum(len(m.columns) for m in catalog.models)
        console.print(
            f"dictionary check passed: {len(catalog.models)} models and raw tables, {columns} columns"
        )
        return
    for path in write_dictionary(catalog, out):
        console.print(f"dictionary: [bold]{path}[/bold]")
    if problems:
        console.print(
            f"[yellow]{len(problems)} missing description(s); `mymedic dictionary --check` lists them[/]"
        )


if __name__ == "__main__":
    app()
