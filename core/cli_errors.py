"""How a command says a user's mistake: one line on stderr and a non-zero exit, no traceback."""

from __future__ import annotations

from typing import NoReturn

import typer


def fail(message: str) -> NoReturn:
    """One line on stderr (`error: …`, whitespace folded) and exit status 1."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(1)
