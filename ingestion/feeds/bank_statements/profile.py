"""A bank statement layout, declared as data: which table header it has, which column is which canonical
field, its date formats, how a debit is told from a credit, where the account number stands, what ends the
table. Built-in profiles are `profiles/<name>.yaml` beside this module; a chain writes its own as
`bank/<name>/profile.yaml` in its data directory, in the same format (validated here, one-line errors).

The statement's frame: a statement file is a header block (bank name, account number, period...), the
table header, the transaction lines, and a footer (STATEMENT SUMMARY, "computer generated"...). Only
transaction lines are records (what the loader counts: read = loaded + quarantined + skipped); the frame
lines are yielded as `Frame`s, never as records, and the ledger's note says which lines they were. A line
inside the table that is neither a transaction nor a footer marker is a record and is quarantined.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingestion.records import RowError
from ingestion.yaml_config import load_yaml_model

Canonical = Literal[
    "txn_date", "value_date", "narration", "ref_no", "debit", "credit", "amount", "dr_cr", "balance",
    "account_number",
]  # fmt: skip
OPTIONAL: frozenset[str] = frozenset({"value_date", "ref_no", "account_number"})
# Date format tokens a profile may use (case-insensitive), and what they mean to strptime.
_DATE_TOKENS = {"YYYY": "%Y", "YY": "%y", "MMM": "%b", "MM": "%m", "DD": "%d"}
_DATE_FORMAT = re.compile(r"^(?:YYYY|YY|MMM|MM|DD|[ /.\-])+$")
BUILT_IN_DIR = Path(__file__).parent / "profiles"
PROFILE_FILE = "profile.yaml"  # a chain's own layout: bank/<name>/profile.yaml


def normal(text: str) -> str:
    """Header text as compared: lower case, letters and digits only ('Chq./Ref.No.' -> 'chqrefno')."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _strptime_format(human: str) -> str:
    return re.sub("YYYY|YY|MMM|MM|DD", lambda m: _DATE_TOKENS[m.group(0)], human)


class BankProfile(BaseModel):
    """One statement layout. `columns` maps a canonical field to the header text(s) it may carry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    bank: str
    source: str = ""  # where the layout was taken from
    columns: dict[Canonical, list[str]]
    date_formats: list[str] = Field(min_length=1)
    # With a single amount column: the indicator column's values meaning debit and credit (case ignored).
    debit_marks: list[str] = ["DR", "D", "DEBIT"]
    credit_marks: list[str] = ["CR", "C", "CREDIT"]
    # Labels in the header block after which the account number stands ("Account No :", "A/C No").
    account_labels: list[str] = []
    # The account number when the statement never states it (a chain's folder holding one account).
    account_number: str = ""
    # A line after the table header whose first cell starts with one of these begins the footer.
    footer_markers: list[str] = []
    # A line whose narration is one of these and that has neither debit nor credit is the opening
    # balance brought forward (part of the frame, not a transaction).
    carried_balance: list[str] = []
    # How many lines may precede the table header (0: the header is the first line).
    max_header_block_lines: int = Field(default=40, ge=0, le=200)

    @field_validator("columns", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("date_formats")
    @classmethod
    def _formats(cls, value: list[str]) -> list[str]:
        formats = [v.upper() for v in value]
        bad = [v for v in formats if not _DATE_FORMAT.match(v)]
        if bad:
            raise ValueError(f"date format {bad[0]!r} uses tokens other than DD, MM, MMM, YY, YYYY")
        return formats

    @model_validator(mode="after")
    def _complete(self) -> BankProfile:
        cols = self.columns
        empty = [k for k, v in cols.items() if not v or not all(normal(h) for h in v)]
        if empty:
            raise ValueError(f"column {empty[0]} has no header text")
        missing = [k for k in ("txn_date", "narration", "balance") if k not in cols]
        if missing:
            raise ValueError(f"columns lack {', '.join(missing)}")
        split = "debit" in cols and "credit" in cols
        single = "amount" in cols and "dr_cr" in cols
        if split == single:
            raise ValueError("columns need either debit and credit, or amount and dr_cr (not both)")
        return self

    # --- what the reader asks --------------------------------------------------------------------------

    @property
    def required(self) -> list[str]:
        return [k for k in self.columns if k not in OPTIONAL]

    @cached_property
    def _aliases(self) -> dict[str, set[str]]:
        return {k: {normal(h) for h in v} for k, v in self.columns.items()}

    def locate(self, cells: list[str]) -> dict[str, int]:
        """Canonical field -> index of its column in a header row (the first matching cell)."""
        found: dict[str, int] = {}
        for index, cell in enumerate(cells):
            key = normal(cell)
            for field, aliases in self._aliases.items():
                if field not in found and key in aliases:
                    found[field] = index
                    break
        return found

    def lacks(self, cells: list[str]) -> list[str]:
        """The required columns (as this profile names them) a header row doesn't have."""
        found = self.locate(cells)
        return [self.columns[k][0] for k in self.required if k not in found]

    def is_footer(self, first_cell: str) -> bool:
        key = normal(first_cell)
        return bool(key) and any(key.startswith(normal(m)) for m in self.footer_markers if normal(m))

    def is_carried_balance(self, narration: str) -> bool:
        return normal(narration) in {normal(m) for m in self.carried_balance}

    def parse_date(self, column: str, value: str | date) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = value.strip()
        for human in self.date_formats:
            try:
                return datetime.strptime(text, _strptime_format(human)).date()
            except ValueError:
                continue
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise RowError(f"column {column!r} has {shown!r}, not a date as {' or '.join(self.date_formats)}")

    def direction(self, mark: str) -> Literal["debit", "credit"]:
        key = mark.strip().upper()
        if key in {m.upper() for m in self.debit_marks}:
            return "debit"
        if key in {m.upper() for m in self.credit_marks}:
            return "credit"
        marks = "/".join([*self.debit_marks[:1], *self.credit_marks[:1]])
        raise RowError(f"column 'dr_cr' has {key[:20]!r}; expected {marks}")

    def date_text(self, day: date) -> str:
        """`day` as this layout writes it (its first date format; used by the sample generator)."""
        return day.strftime(_strptime_format(self.date_formats[0]))


def load_profile(path: Path, name: str) -> BankProfile:
    """A profile from YAML; raises FileRejected with one line naming the file and the first problem."""
    return load_yaml_model(path, BankProfile, f"bank profile {path.name} of {name!r}", {"name": name})


def built_in_profiles() -> dict[str, BankProfile]:
    return {p.stem: load_profile(p, p.stem) for p in sorted(BUILT_IN_DIR.glob("*.yaml"))}


BUILT_IN: dict[str, BankProfile] = built_in_profiles()
DEFAULT = "mymedic"  # the layout of plain bank/*.csv
