"""Money is integer paise; these turn it into rupees, exactly, and into text for people."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency

LOCALE = "en_IN"
CURRENCY = "INR"


def paise_to_rupees(paise: int) -> Decimal:
    """Exact: 45010 -> Decimal('450.10'). No binary float is involved."""
    return Decimal(paise).scaleb(-2)


def format_rupees(paise: int) -> str:
    """Indian digit grouping: 100051900 -> `₹10,00,519.00`; negative amounts are signed (`-₹0.01`)."""
    return format_currency(paise_to_rupees(paise), CURRENCY, locale=LOCALE)
