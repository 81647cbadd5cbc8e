"""`mymedic export`: produce a bundle on demand, verify one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.cli_errors import fail as _fail
from core.settings import DEFAULT_EXPORTS, EXPORT_BUNDLES_ENV, MissingSetting

export_app = typer.Typer(
    help="Exports: produce or verify a bundle, write branch statements and settlement advices (PDF).",
    no_args_is_help=True,
)


@export_app.command("bundle")
def bundle(
    name: Annotated[str, typer.Argument(help=f"A spec in exports/bundles (or ${EXPORT_BUNDLES_ENV})")],
    period: Annotated[str, typer.Option(help="2026-10 (month), 2026-W41 (week) or 2026-10-05 (day)")],
    out: Annotated[Path, typer.Option(help="Folder to write the bundle zip into")] = DEFAULT_EXPORTS
    / "bundles",
    deliver: Annotated[bool, typer.Option(help="Also deliver it as the spec says")] = False,
) -> None:
    """Produce the bundle NAME for one period and print the zip's path."""
    from core.warehouse import open_warehouse
    from exports.framework.bundle import default_actor, produce_bundle
    from exports.framework.delivery import deliver as deliver_bundle
    from exports.framework.formats import FormatUnavailable
    from exports.framework.period import parse_period
    from exports.framework.spec import SpecError, load_spec

    try:
        spec = load_spec(name)
        chosen = parse_period(period)
        out.mkdir(parents=True, exist_ok=True)
        with open_warehouse() as warehouse:
            produced = produce_bundle(warehouse, spec, chosen, out, actor=default_actor())
            outcome = (
                deliver_bundle(
                    warehouse,
                    spec,
                    produced.path,
                    actor=default_actor(),
                    period_label=chosen.label,
                    bundle_sha256=produced.sha256,
                )
                if deliver
                else None
            )
    except (SpecError, MissingSetting, FormatUnavailable, LookupError, ValueError, OSError) as error:
        _fail(str(error))
    if spec.period != chosen.kind:
        typer.echo(f"note: {name} is a {spec.period} bundle; produced for {chosen.label} as asked", err=True)
    typer.echo(str(produced.path))
    if outcome is not None:
        if not outcome.ok:
            _fail(outcome.message)
        typer.echo(f"delivered: {outcome.message}", err=True)


@export_app.command("verify")
def verify(file: Annotated[Path, typer.Argument(help="A bundle zip")]) -> None:
    """Check a bundle's signature and file hashes and print what it holds (exit 1 on any mismatch)."""
    from exports.framework.verify import BundleInvalid, verify_bundle

    try:
        verified = verify_bundle(file)
    except (BundleInvalid, MissingSetting) as error:
        _fail(str(error))
    for line in verified.summary():
        typer.echo(line)
