"""`mymedic operator serve`: the operator page (docs/operator-page.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.cli_errors import fail
from core.cli_options import WarehouseUrl
from core.settings import WAREHOUSE_ENV

operator_app = typer.Typer(
    help="The operator page: quarantine fix-and-replay, dead letters, integration health.",
    no_args_is_help=True,
)


@operator_app.command()
def serve(
    data: Annotated[
        Path, typer.Option(help="The data directory the pipeline loads (corrected files go there)")
    ],
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port")] = 8095,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Booking database URL (default: $MYMEDIC_BOOKING_DB or .mymedic/booking.db)"
        ),
    ] = None,
    config: Annotated[
        str | None,
        typer.Option(
            "--config", help="Booking config JSON, for staff sign-in (default: $MYMEDIC_BOOKING_CONFIG)"
        ),
    ] = None,
    warehouse: WarehouseUrl = "",
    https: Annotated[bool, typer.Option(help="Served behind HTTPS: the sign-in cookie is Secure")] = False,
) -> None:
    """Serve the page: sign in with a staff token holding the viewer or operator role."""
    import uvicorn

    from booking.settings import ConfigError, database_url, load_config
    from core.settings import warehouse_settings
    from operations.app import OperatorSettings, create_app

    if not (data / "reference" / "branches.csv").is_file():
        fail(
            f"{data} is not a data directory (no reference/branches.csv); pass the one `mymedic run --data` loads"
        )
    try:
        booking = load_config(config)
    except ConfigError as exc:
        fail(str(exc))
    if booking.staff_auth is None:
        fail("the booking config has no staff_auth block; the operator page signs staff in with it")
    try:
        where = warehouse_settings(warehouse or None)
    except ValueError as exc:
        fail(f"--warehouse / ${WAREHOUSE_ENV}: {exc}")
    settings = OperatorSettings(
        data_dir=data.resolve(),
        warehouse=where,
        booking=booking,
        db_url=database_url(db),
        secure_cookie=https,
    )
    typer.echo(f"operator page on http://{host}:{port}/ (sign in with a viewer or operator staff token)")
    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=False, log_level="warning")
