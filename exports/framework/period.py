"""The IST calendar period a bundle covers: a day, an ISO week or a month, named as people write them."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from core.time import IST

PeriodKind = Literal["previous_day", "previous_week", "previous_month"]
KIND_OF_LABEL = {"day": "previous_day", "week": "previous_week", "month": "previous_month"}


class Period(BaseModel, frozen=True):
    """`start` .. `end` inclusive, IST dates; `label` is `2026-10-05`, `2026-W41` or `2026-10`."""

    kind: PeriodKind
    start: date
    end: date
    label: str


def day_period(day: date) -> Period:
    return Period(kind="previous_day", start=day, end=day, label=day.isoformat())


def week_period(day: date) -> Period:
    start = day - timedelta(days=day.weekday())
    year, week, _ = start.isocalendar()
    return Period(
        kind="previous_week", start=start, end=start + timedelta(days=6), label=f"{year}-W{week:02d}"
    )


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(
        kind="previous_month", start=start, end=following - timedelta(days=1), label=f"{start:%Y-%m}"
    )


def parse_period(text: str) -> Period:
    """`2026-10` (a month), `2026-W41` (an ISO week) or `2026-10-05` (a day); ValueError in one line."""
    text = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return month_period(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            return week_period(date.fromisocalendar(int(m[1]), int(m[2]), 1))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return day_period(date.fromisoformat(text))
    except ValueError:
        pass
    raise ValueError(
        f"period {text!r} is not understood: use 2026-10 (month), 2026-W41 (week) or 2026-10-05 (day)"
    )


def previous_period(kind: PeriodKind, now: datetime) -> Period:
    """The whole IST day, week or month before the one `now` falls in (a schedule tick's period)."""
    today = now.astimezone(IST).date()
    if kind == "previous_day":
        return day_period(today - timedelta(days=1))
    if kind == "previous_week":
        return week_period(today - timedelta(days=7))
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return month_period(last_month_end.year, last_month_end.month)
