"""Integer-paise money helpers; no floats anywhere."""

from __future__ import annotations

from core.money import rupees_text


def apply_bps(amount_paise: int, bps: int) -> int:
    """`round_half_up(amount * bps / 10000)` for non-negative amounts, in integers."""
    return (amount_paise * bps + 5_000) // 10_000


def floor_bps(amount_paise: int, bps: int) -> int:
    """`floor(amount * bps / 10000)`: how some gateway lines round (within the ±1 paisa tolerance)."""
    return amount_paise * bps // 10_000


def rupees(paise: int) -> str:
    """Paise as a rupee string with two decimals, e.g. 45000 -> `450.00`, -5 -> `-0.05`."""
    return rupees_text(paise)
