"""Text going into a spreadsheet cell: what XML cannot hold, and text that a spreadsheet would run.

A cell written as text is never evaluated, but text starting with `=`, `+`, `-` or `@` becomes a formula
when someone edits the cell in Excel (or when a CSV is opened). Such cells get Excel's quote prefix
(the `'` in front of text typed by hand), so they stay text.
"""

from __future__ import annotations

import re

# Characters XML 1.0 cannot hold (tab, line feed and carriage return it can).
ILLEGAL_XML_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str | None:
    """Empty text is an empty cell (None); characters XML cannot hold become U+FFFD."""
    if not value:
        return None
    return ILLEGAL_XML_CHARACTERS.sub(REPLACEMENT, value)


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would take for a formula if it were typed in: write it with a quote prefix."""
    return text.startswith(FORMULA_TRIGGERS)
