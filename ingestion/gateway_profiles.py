"""Gateway settlement formats, declared as data: one profile per file format a gateway produces.

A profile maps the canonical settlement-line fields (the Razorpay recon field names, which every gateway
feed's raw table uses) to the column names of one format, and says how that format writes amounts
(paise or rupees), times (epoch seconds, IST wall-clock text, ISO 8601 with a zone), which fields a file
may lack, and which row types are summary rows rather than lines of money.

The folder picks the gateway (`settlements/<gateway>/`); the header confirms the profile. A file that fits
no profile is rejected naming the closest one and the columns it lacks (`choose`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingestion.records import FileRejected

AmountUnit = Literal["paise", "rupees"]
TimeFormat = Literal["epoch_seconds", "ist_local", "iso8601"]

# The canonical fields of a settlement line, in the raw table's order (tenant_id comes from the data
# directory, not the file). Amount and time fields are converted by the profile's unit and format.
CANONICAL_FIELDS: tuple[str, ...] = (
    "entity_id",
    "type",
    "debit",
    "credit",
    "amount",
    "currency",
    "fee",
    "tax",
    "on_hold",
    "settled",
    "created_at",
    "settled_at",
    "settlement_id",
    "posted_at",
    "credit_type",
    "description",
    "notes",
    "payment_id",
    "settlement_utr",
    "order_id",
    "order_receipt",
    "method",
    "card_network",
    "card_issuer",
    "card_type",
    "dispute_id",
)
AMOUNT_FIELDS = ("debit", "credit", "amount", "fee", "tax")
TIME_FIELDS = ("created_at", "settled_at", "posted_at")
# A line can't be placed or valued without these; every profile must map them and a file must carry them.
CORE_FIELDS = ("entity_id", "type", "amount", "created_at", "settlement_id")


def normalise(name: str) -> str:
    """A header name as profiles compare it: lower case, spaces and punctuation runs as one underscore."""
    out, gap = [], False
    for ch in name.strip().strip('"').strip().lower():
        if ch.isalnum():
            out.append(ch)
            gap = False
        elif not gap and out:
            out.append("_")
            gap = True
    return "".join(out).rstrip("_")


class GatewayProfile(BaseModel):
    """One gateway file format."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    gateway: str
    description: str
    documented_at: str = Field(description="Where the format is documented (the source of this mapping).")
    file_format: Literal["csv", "json"] = "csv"
    columns: dict[str, str] = Field(
        description="Canonical field -> the file's column name (JSON: the item's key). Unmapped canonical "
        "fields are empty."
    )
    optional: tuple[str, ...] = Field(
        default=(), description="Canonical fields a file of this format may lack (then empty)."
    )
    amount_unit: AmountUnit
    time_format: TimeFormat
    type_values: dict[str, str] = Field(
        default_factory=dict,
        description="The file's line type (lower case) -> canonical type, when they differ.",
    )
    summary_types: tuple[str, ...] = Field(
        default=(), description="Canonical types of summary rows: loaded as-is, kept out of every net."
    )
    fee_includes_tax: bool = Field(
        default=True, description="False when the file's fee column excludes GST (the loader adds tax)."
    )
    direction_column: str = Field(
        default="",
        description="When the file has one net amount and a CREDIT/DEBIT column instead of credit and debit "
        "columns: that column's name; the net goes to `credit` or `debit` by its value.",
    )
    net_column: str = Field(default="", description="With direction_column: the net amount's column.")
    constants: dict[str, str] = Field(
        default_factory=dict,
        description="Canonical field -> the value every line of this format has (e.g. settled = 1 for a "
        "report that lists settled lines only).",
    )

    @model_validator(mode="after")
    def _check(self) -> GatewayProfile:
        unknown = sorted((set(self.columns) | set(self.constants)) - set(CANONICAL_FIELDS))
        if unknown:
            raise ValueError(f"profile {self.name}: unknown canonical field(s) {', '.join(unknown)}")
        missing = [f for f in CORE_FIELDS if f not in self.columns]
        if missing:
            raise ValueError(f"profile {self.name}: must map {', '.join(missing)}")
        if bool(self.direction_column) != bool(self.net_column):
            raise ValueError(f"profile {self.name}: direction_column and net_column go together")
        if not self.direction_column and not {"credit", "debit"} <= set(self.columns) | set(self.constants):
            raise ValueError(f"profile {self.name}: map credit and debit, or direction_column and net_column")
        return self

    def file_column(self, canonical: str) -> str:
        return normalise(self.columns[canonical]) if canonical in self.columns else ""

    @property
    def required_columns(self) -> list[str]:
        """The file's column names (normalised) a file of this format must have."""
        names = [self.file_column(f) for f in self.columns if f not in self.optional]
        names += (
            [normalise(self.direction_column), normalise(self.net_column)] if self.direction_column else []
        )
        return [n for n in dict.fromkeys(names) if n]

    def lacks(self, header: Iterable[str]) -> list[str]:
        have = {normalise(h) for h in header}
        return [c for c in self.required_columns if c not in have]

    def fits_row(self, header: Sequence[str], row: Sequence[str]) -> bool:
        """Whether a data row's creation time is written the way this format writes times (formats that
        share a header, e.g. paise with epoch seconds vs rupees with IST text, differ here)."""
        names = [normalise(h) for h in header]
        column = self.file_column("created_at")
        if column not in names or names.index(column) >= len(row):
            return True
        value = row[names.index(column)].strip()
        return value.isdigit() == (self.time_format == "epoch_seconds")


def choose(
    profiles: Sequence[GatewayProfile], header: Sequence[str], where: str, first_row: Sequence[str] = ()
) -> GatewayProfile:
    """The first profile whose required columns the header has (and, when several do, whose time format
    the first data row has); else FileRejected naming the closest profile (fewest missing columns) and
    what it lacks."""
    fitting = [p for p in profiles if not p.lacks(header)]
    for profile in fitting:
        if not first_row or profile.fits_row(header, first_row):
            return profile
    if fitting:
        return fitting[0]
    if not profiles:
        raise FileRejected(f"no settlement format is declared for {where}")
    closest = min(profiles, key=lambda p: len(p.lacks(header)))
    return _reject(closest, header)


def _reject(profile: GatewayProfile, header: Sequence[str]) -> GatewayProfile:
    lacks = profile.lacks(header)
    raise FileRejected(
        f"header fits no settlement format; the closest is {profile.name} ({profile.description}), "
        f"and the file lacks its column(s) {', '.join(lacks)}"
    )


def load_yaml_profile(path: Path) -> GatewayProfile:
    """A chain's own mapping for another gateway (`settlements/<gateway>/profile.yaml`)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FileRejected(f"{path.name} can't be read as YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise FileRejected(f"{path.name} must be a mapping of profile settings")
    data.setdefault("gateway", path.parent.name)
    data.setdefault("name", f"{path.parent.name}_custom")
    data.setdefault("documented_at", str(path))
    try:
        return GatewayProfile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "profile"
        raise FileRejected(f"{path.name}: {where}: {first['msg']}") from None
