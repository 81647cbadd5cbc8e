"""`mymedic claims`: insurance claims' event-sourced history (docs/claims.md)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.cli_errors import fail as _fail
from core.cli_options import WarehouseUrl
from core.money import format_rupees
from core.settings import DATA_ENV, DEFAULT_DATA
from core.time import IST
from ingestion.claims_state import ClaimEvent

claims_app = typer.Typer(help="Insurance claims: TPA and NHCX lifecycle events.", no_args_is_help=True)
console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 120)


def parse_as_of(value: str) -> datetime:
    """An ISO 8601 time (without an offset: IST), aware; raises ValueError with the one-line reason."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"--as-of {value!r} is not a date and time; use e.g. 2026-10-15T12:00+05:30"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=IST)


def _ist(moment: datetime, zone: str = " IST") -> str:
    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S") + zone


EVENT_AMOUNTS = ("requested", "approved", "deducted", "paid", "TDS")


def astuple_amounts(event: ClaimEvent) -> tuple[int | None, ...]:
    """The amounts an event states, in EVENT_AMOUNTS' order (None: not stated)."""
    return (
        event.requested_paise,
        event.approved_paise,
        event.deducted_paise,
        event.paid_paise,
        event.tds_paise,
    )


@claims_app.command("replay")
def replay(
    claim_id: Annotated[str, typer.Argument(help="The claim (or pre-authorisation) number")],
    as_of: Annotated[
        str,
        typer.Option(help="Known at this time, ISO 8601 (without an offset: IST); default: now"),
    ] = "",
    tenant: Annotated[str, typer.Option(help="The claim's tenant, when several have that claim number")] = "",
    warehouse: WarehouseUrl = "",
) -> None:
    """Print a claim's state and amounts as known at --as-of, and the events (by event time) that led there."""
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from core.settings import warehouse_settings
    from core.warehouse import open_warehouse
    from ingestion.claims_history import UnknownClaim, claim_events
    from ingestion.claims_state import fold

    try:
        moment = parse_as_of(as_of) if as_of else datetime.now(UTC)
    except ValueError as error:
        _fail(str(error))
    try:
        with open_warehouse(warehouse_settings(warehouse) if warehouse else None) as w:
            tenant_id, events = claim_events(w, claim_id, tenant)
    except (UnknownClaim, ValueError, OSError, ClickHouseError) as error:
        _fail(str(error).strip('"'))
    claim = fold(claim_id, events, moment)
    console.print(f"Claim [bold]{claim_id}[/bold] (tenant {tenant_id}) as known at {_ist(moment)}")
    if not claim.history:
        first = min(e.event_time for e in events)
        console.print(f"no event yet: its first happened at {_ist(first)}")
        return
    console.print(
        f"state: [bold]{claim.state}[/bold]" + (f" (reason {claim.reason_code})" if claim.reason_code else "")
    )
    amounts = Table(title="Amounts")
    amounts.add_column("amount")
    amounts.add_column("₹", justify="right")
    for label, paise in (
        ("requested", claim.requested_paise),
        ("pre-auth approved", claim.preauth_approved_paise),
        ("approved", claim.approved_paise),
        ("deducted", claim.deducted_paise),
        ("paid", claim.paid_paise),
        ("TDS", claim.tds_paise),
        ("remitted (advice lines)", claim.remitted_paise),
        ("remitted TDS", claim.remitted_tds_paise),
    ):
        amounts.add_row(label, format_rupees(paise))
    console.print(amounts)
    sequence = Table(title=f"Events ({len(claim.history)} of {len(events)} known then)")
    for column in ("#", "event time (IST)", "event", "source", "amounts", "reason / UTR", "state after"):
        sequence.add_column(column, overflow="fold")
    for n, (event, state) in enumerate(claim.history, start=1):
        stated = [
            f"{name} {format_rupees(value)}"
            for name, value in zip(EVENT_AMOUNTS, astuple_amounts(event), strict=True)
            if value is not None
        ]
        note = " ".join(x for x in (event.reason_code, event.utr) if x)
        sequence.add_row(
            str(n), _ist(event.event_time, ""), event.event_type, event.source, ", ".join(stated), note, state
        )
    console.print(sequence)


__all__ = ["claims_app", "parse_as_of"]


@claims_app.command("documents")
def documents(
    claim_id: Annotated[str, typer.Argument(help="The claim (or pre-authorisation) number")],
    kind: Annotated[
        str, typer.Option(help="preauth (the pre-auth request's) or claim (the submission's)")
    ] = "claim",
    out: Annotated[Path, typer.Option(help="Folder the zip is written to")] = Path("."),
    data_dir: Annotated[
        Path | None,
        typer.Option(envvar=DATA_ENV, show_default=False, help="Data directory (default .mymedic/sample)"),
    ] = None,
    tenant: Annotated[str, typer.Option(help="The claim's tenant, when several have that claim number")] = "",
    warehouse: WarehouseUrl = "",
) -> None:
    """Zip the documents filed with a claim's request and a manifest.json (docs/claims.md); prints the zip."""
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from core.settings import warehouse_settings
    from core.warehouse import open_warehouse
    from exports.claim_documents import ClaimDocumentsError, claim_document_bundle

    try:
        with open_warehouse(warehouse_settings(warehouse) if warehouse else None) as w:
            bundle = claim_document_bundle(w, data_dir or DEFAULT_DATA, claim_id, kind, out, tenant)
    except (ClaimDocumentsError, OSError, ClickHouseError) as error:
        _fail(" ".join(str(error).split()).strip('"'))
    console.print(str(bundle.path))
    for missing in bundle.manifest["missing_required"]:
        console.print(f"missing required document: {missing}")
