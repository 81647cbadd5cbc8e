"""Money is integer paise; these turn it into rupees, exactly, and into text for people."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal

LOCALE = "en_IN"
CURRENCY = "INR"


def paise_to_rupees(paise: int) -> Decimal:
    """Exact: 45010 -> Decimal('450.10'). No binary float is involved."""
    return Decimal(paise).scaleb(-2)


def rupees_text(paise: int) -> str:
    """The exact rupee amount as plain decimal text: 45010 -> `450.10`, -2500 -> `-25.00` (the same text as
    `str(paise_to_rupees(paise))`, three times faster, for writing millions of cells)."""
    if paise < 0:
        return "-" + rupees_text(-paise)
    rupees, rest = divmod(paise, 100)
    return f"{rupees}.{rest:02d}"


def format_rupees(paise: int) -> str:
    """Indian digit grouping: 100051900 -> `₹10,00,519.00`; negative amounts are signed (`-₹0.01`)."""
    return format_currency(paise_to_rupees(paise), CURRENCY, locale=LOCALE)


def format_count(count: int) -> str:
    """A count for people, grouped the Indian way like the rupees: 1281539 -> `12,81,539`."""
    return format_decimal(count, locale=LOCALE)
