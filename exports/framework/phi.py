"""What a recipient may see, by the bundle's `phi_level`, decided by the data dictionary's sensitivity flags
(`dictionary.sensitivity.classify`: the same rules the dictionary shows for every column).

- `full`: every column as the mart holds it.
- `minimised`: direct identifiers dropped (columns flagged identity (PII) or health context (PHI)); ids that
  link to a patient (flagged "linkable to a patient", and patient ids) replaced by a keyed hash,
  `h_` + 32 hex digits of HMAC-SHA256 under a salt of the recipient's own (derived from
  `MYMEDIC_EXPORT_SALT`), so one recipient can join its own bundles but two recipients cannot join theirs.
- `deidentified`: as `minimised`, and free text dropped (it may name a person), every date and time shifted
  back by the recipient's own 1..30 days, and ages of people (`age`, `*_age`, `age_years`) generalised to
  ten-year bands (`30-39`, `90+`). `age_days` is how old a payment is, not a person, and stays.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta
from fnmatch import fnmatchcase

from dictionary.sensitivity import FREE_TEXT, HEALTH, IDENTITY, PATIENT_LINK, classify
from exports.export_columns import IST_SUFFIX, ExportColumn
from exports.framework.dataset import Table
from exports.framework.spec import PhiLevel
from exports.mart_columns import ColumnKind

DIRECT = {IDENTITY, HEALTH}
PERSON_AGE = ("age", "*_age", "age_years")
HASH_PREFIX = "h_"


def recipient_salt(salt_secret: str, recipient: str) -> bytes:
    return hmac.new(salt_secret.encode(), f"recipient:{recipient}".encode(), hashlib.sha256).digest()


def pseudonym(salt: bytes, value: object) -> object:
    if value is None or value == "":
        return value
    return HASH_PREFIX + hmac.new(salt, str(value).encode(), hashlib.sha256).hexdigest()[:32]


def date_shift(salt: bytes) -> timedelta:
    return timedelta(days=1 + hmac.new(salt, b"date-shift", hashlib.sha256).digest()[0] % 30)


def age_band(value: object) -> object:
    if not isinstance(value, int):
        return value
    return "90+" if value >= 90 else f"{value // 10 * 10}-{value // 10 * 10 + 9}"


def is_hashed_id(name: str, categories: tuple[str, ...]) -> bool:
    return PATIENT_LINK in categories or (IDENTITY in categories and fnmatchcase(name, "patient*id"))


def shifted(value: object, shift: timedelta, *, ist_text: bool) -> object:
    if isinstance(value, datetime | date):
        return value - shift
    if ist_text and isinstance(value, str) and value:
        moved = datetime.fromisoformat(value) - shift
        text = moved.isoformat(sep=" ", timespec="milliseconds" if moved.microsecond else "seconds")
        return text
    return value


def apply_phi_level(table: Table, level: PhiLevel, *, recipient: str, salt_secret: str) -> Table:
    """The table as `level` lets the recipient see it (a new Table; `full` returns it unchanged)."""
    if level == "full":
        return table
    salt = recipient_salt(salt_secret, recipient)
    shift = date_shift(salt)
    kept: list[tuple[int, ExportColumn, str]] = []  # index, column, treatment
    for i, column in enumerate(table.columns):
        categories = classify(column.name)
        if is_hashed_id(column.name, categories):
            kept.append((i, column, "hash"))
        elif DIRECT & set(categories) or (level == "deidentified" and FREE_TEXT in categories):
            continue
        elif level == "deidentified" and column.kind in (ColumnKind.DATE, ColumnKind.TIMESTAMP):
            kept.append((i, column, "shift"))
        elif level == "deidentified" and column.name.endswith(IST_SUFFIX) and column.kind is ColumnKind.TEXT:
            kept.append((i, column, "shift_text"))
        elif level == "deidentified" and any(fnmatchcase(column.name, p) for p in PERSON_AGE):
            kept.append((i, ExportColumn(column.name, column.sql, ColumnKind.TEXT, column.on_sheets), "band"))
        else:
            kept.append((i, column, "keep"))

    def treat(value: object, how: str) -> object:
        if how == "hash":
            return pseudonym(salt, value)
        if how in ("shift", "shift_text"):
            return shifted(value, shift, ist_text=how == "shift_text")
        if how == "band":
            return age_band(value)
        return value

    rows = [tuple(treat(row[i], how) for i, _, how in kept) for row in table.rows]
    hashed = frozenset(c.name for _, c, how in kept if how == "hash")
    return Table(table.mart, table.display_name, [c for _, c, _ in kept], rows, hashed)
