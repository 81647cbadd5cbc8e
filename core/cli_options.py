"""Command-line options several `mymedic` commands share, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

from core.settings import WAREHOUSE_ENV

# The warehouse a command opens: $MYMEDIC_WAREHOUSE or --warehouse; empty is the embedded default.
WarehouseUrl = Annotated[
    str,
    typer.Option(
        envvar=WAREHOUSE_ENV,
        show_default=False,
        help="chdb://DIR or http(s)://user:pass@host:port/db (default: the embedded warehouse). "
        "Prefer the environment variable for a URL with a password: a command line is visible to `ps`",
    ),
]
