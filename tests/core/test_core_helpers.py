"""The shared helpers of core/: IST, rupees, spreadsheet text, atomic files."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from core.atomic_files import AtomicFiles
from core.money import format_rupees, paise_to_rupees, rupees_text
from core.spreadsheet_text import looks_like_formula, spreadsheet_text
from core.time import IST, as_utc, ist_wall_clock, to_ist


def test_ist_is_asia_kolkata_five_and_a_half_hours_ahead() -> None:
    assert str(IST) == "Asia/Kolkata"
    assert datetime.combine(date(2026, 10, 1), time(0), IST).utcoffset() == timedelta(hours=5, minutes=30)


def test_utc_to_ist() -> None:
    late = datetime(2026, 10, 3, 20, 0, tzinfo=UTC)
    assert to_ist(late) == late and to_ist(late).date() == date(2026, 10, 4)
    assert ist_wall_clock(late) == datetime(2026, 10, 4, 1, 30)
    assert ist_wall_clock(datetime(2026, 10, 3, 20, 0)) == datetime(2026, 10, 4, 1, 30)  # naive is UTC
    other = datetime(2026, 10, 3, 22, 0, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(other) == datetime(2026, 10, 3, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("paise", "text"),
    [
        (100051900, "₹10,00,519.00"),
        (12345678901, "₹12,34,56,789.01"),
        (45010, "₹450.10"),
        (1, "₹0.01"),
        (0, "₹0.00"),
        (-1, "-₹0.01"),
        (-100051900, "-₹10,00,519.00"),
    ],
)
def test_rupees_in_indian_grouping(paise: int, text: str) -> None:
    assert format_rupees(paise) == text


def test_paise_to_rupees_is_exact() -> None:
    assert paise_to_rupees(45010) == Decimal("450.10") and str(paise_to_rupees(45010)) == "450.10"
    assert str(paise_to_rupees(-12345)) == "-123.45"
    assert str(paise_to_rupees(0)) == "0.00"


@pytest.mark.parametrize(
    "paise", [0, 1, -1, 9, -9, 10, 99, -99, 100, -100, 45010, -2500, 100051900, -(10**15) - 7]
)
def test_rupees_text_is_the_exact_decimal(paise: int) -> None:
    assert rupees_text(paise) == str(paise_to_rupees(paise))


def test_spreadsheet_text() -> None:
    assert spreadsheet_text("") is None
    assert spreadsheet_text("ok\tline\nbreak") == "ok\tline\nbreak"
    assert spreadsheet_text("bell\x07 and nul\x00") == "bell\ufffd and nul\ufffd"


@pytest.mark.parametrize("text", ["=1+1", "+91 98", "-2", "@SUM(A1)", "\t=x", "\r=x"])
def test_formula_like_text(text: str) -> None:
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", ["pay_1", "1=1", " =1", "refund -200.00", ""])
def test_plain_text(text: str) -> None:
    assert not looks_like_formula(text)


def test_atomic_files_replace_all_or_nothing(tmp_path: Path) -> None:
    a, b = tmp_path / "out" / "a.txt", tmp_path / "out" / "b.txt"
    with AtomicFiles() as files:
        files.temp_for(a).write_text("a1")
        files.temp_for(b).write_text("b1")
        scratch = files.scratch(a, note="scratch.")
        scratch.write_text("gone")
        assert not a.exists()
    assert (a.read_text(), b.read_text()) == ("a1", "b1")
    with pytest.raises(RuntimeError), AtomicFiles() as files:
        files.temp_for(a).write_text("a2")
        raise RuntimeError("half way")
    assert a.read_text() == "a1"
    assert sorted(p.name for p in a.parent.iterdir()) == ["a.txt", "b.txt"]
