"""How every `mymedic` command reports a problem the person running it can fix: one line on stderr saying
what to do, a non-zero exit, no traceback, no secret.

A command calls `fail()` for its own checks. A library raises a `UserFacingError` (a warehouse in use,
an unreachable server, a URL it cannot use), and `OneLineErrors`, the group class of the `mymedic` app,
turns it into that line for every command at once; a database driver's connection error is translated
there too, by its first line only (a driver's full message may carry the statement and its parameters).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup


class UserFacingError(Exception):
    """A problem the person running the command can fix; its message is the one line they see."""


def fail(message: str) -> NoReturn:
    """One line on stderr and a non-zero exit, no traceback."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(1)


_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:/@]*):.*@")


def redact_url(url: str) -> str:
    """`url` with the password of its user part replaced by *** (scheme://user:***@host...)."""
    return _USERINFO.sub(r"\g<scheme>\g<user>:***@", url)


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return redact_url(text.splitlines()[0] if text else type(error).__name__)


# A driver's error type (module.qualname) -> the line for it; a layer that owns the setting registers its
# own (core.settings: the warehouse server's driver; booking.cli: the booking database's), so this module names no setting it does not own.
_EXPLAINERS: dict[str, Callable[[str], str]] = {}


def explain(qualified_name: str, line: Callable[[str], str]) -> None:
    """Say how an error of that type (by its first line) reads to the person running the command."""
    _EXPLAINERS[qualified_name] = line


def translate(error: BaseException) -> str | None:
    """The one line for an error a person can act on, or None for an error that is a bug."""
    if isinstance(error, UserFacingError):
        return str(error)
    kind = type(error)
    line = _EXPLAINERS.get(f"{kind.__module__}.{kind.__qualname__}")
    return None if line is None else line(_first_line(error))


class OneLineErrors(TyperGroup):
    """A command group whose commands end in one line on stderr, not a traceback, for what `translate`
    knows; anything else is a bug and keeps its traceback (without local variables: they may hold secrets)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            message = translate(error)
            if message is None:
                raise
            fail(message)
