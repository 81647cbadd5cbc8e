"""How every `mymedic` command reports a user's mistake: one line on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

from typing import NoReturn

import typer


def fail(message: str) -> NoReturn:
    """One line on stderr and a non-zero exit, no traceback."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(1)
