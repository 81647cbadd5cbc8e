"""The mart's columns as a query returns them, and what kind of value each one holds."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

PAISE_SUFFIX = "_paise"


class ColumnKind(Enum):
    TEXT = "text"
    INTEGER = "integer"
    MONEY_PAISE = "money_paise"  # an integer amount in paise (name ends in `_paise`)
    TIMESTAMP = "timestamp"  # DateTime / DateTime64, an instant (stored in UTC)
    DATE = "date"  # a calendar date, no time zone


@dataclass(frozen=True)
class MartColumn:
    name: str
    clickhouse_type: str
    kind: ColumnKind


def base_type(clickhouse_type: str) -> str:
    """`Nullable(LowCardinality(String))` -> `String`."""
    inner = clickhouse_type
    for wrapper in ("Nullable(", "LowCardinality("):
        while inner.startswith(wrapper) and inner.endswith(")"):
            inner = inner[len(wrapper) : -1]
    return inner


def column_kind(name: str, clickhouse_type: str) -> ColumnKind:
    inner = base_type(clickhouse_type)
    if inner.startswith("DateTime"):
        return ColumnKind.TIMESTAMP
    if inner in ("Date", "Date32"):
        return ColumnKind.DATE
    if inner.startswith(("Int", "UInt")):
        return ColumnKind.MONEY_PAISE if name.endswith(PAISE_SUFFIX) else ColumnKind.INTEGER
    return ColumnKind.TEXT


def mart_columns(names: tuple[str, ...], clickhouse_types: tuple[str, ...]) -> list[MartColumn]:
    return [
        MartColumn(name, ch_type, column_kind(name, ch_type))
        for name, ch_type in zip(names, clickhouse_types, strict=True)
    ]
