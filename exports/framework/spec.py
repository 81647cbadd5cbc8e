"""A bundle spec, `exports/bundles/<name>.yaml`: who gets which marts, in which formats, how often, at
which PHI level, delivered where. Validated with pydantic; every problem is reported in one line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.settings import bundle_specs_dir
from exports.framework.period import PeriodKind

PhiLevel = Literal["full", "minimised", "deidentified"]
NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
MART_NAME = re.compile(r"(dim|fct)_[a-z0-9_]+")


class SpecError(ValueError):
    """A spec that cannot be used; the message is one line naming the file and the field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetSpec(Strict):
    mart: str = Field(description="a table of the marts database, e.g. fct_payment_reconciliation")
    branches: tuple[str, ...] | None = Field(
        default=None, description="only these branch_ids; all when unset"
    )
    date_column: str = Field(default="event_date", description="the IST date column the period filters on")

    @field_validator("mart")
    @classmethod
    def _mart(cls, value: str) -> str:
        if not MART_NAME.fullmatch(value):
            raise ValueError(f"{value!r} is not a mart name (dim_… or fct_…)")
        return value


class FolderDelivery(Strict):
    kind: Literal["folder"]
    path: Path


class SftpDelivery(Strict):
    kind: Literal["sftp"]
    host: str
    port: int = 22
    username: str
    path: str = Field(description="remote folder the bundle and its signature are uploaded into")


class BundleSpec(Strict):
    name: str
    recipient: str
    schedule: str = Field(description="cron, IST")
    period: PeriodKind
    datasets: tuple[DatasetSpec, ...] = Field(min_length=1)
    formats: tuple[str, ...] = Field(min_length=1)
    phi_level: PhiLevel
    delivery: Annotated[FolderDelivery | SftpDelivery, Field(discriminator="kind")] | None = None

    @field_validator("name", "recipient")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.fullmatch(value):
            raise ValueError(f"{value!r}: use lower-case letters, digits and _")
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        from dagster import DagsterInvalidDefinitionError, ScheduleDefinition

        try:  # Dagster's own check, through its public API: the schedule it will become
            ScheduleDefinition(name="cron_check", cron_schedule=value, job_name="cron_check")
        except DagsterInvalidDefinitionError:
            raise ValueError(f"{value!r} is not a cron expression") from None
        return value

    @field_validator("formats")
    @classmethod
    def _formats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from exports.framework.formats import FORMATS

        unknown = [f for f in value if f not in FORMATS]
        if unknown:
            raise ValueError(f"unknown format(s) {', '.join(unknown)}; known: {', '.join(sorted(FORMATS))}")
        return value


def one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "spec"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def parse_spec(text: str, source: str) -> BundleSpec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SpecError(f"{source}: not YAML ({' '.join(str(error).split())})") from None
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a bundle spec is a mapping of name, recipient, schedule, …")
    try:
        return BundleSpec.model_validate(data)
    except ValidationError as error:
        raise SpecError(f"{source}: {one_line(error)}") from None


def spec_names(folder: Path | None = None) -> list[str]:
    folder = folder or bundle_specs_dir()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def load_spec(name: str, folder: Path | None = None) -> BundleSpec:
    folder = folder or bundle_specs_dir()
    path = folder / f"{name}.yaml"
    if not NAME.fullmatch(name) or not path.is_file():
        known = ", ".join(spec_names(folder)) or "none"
        raise SpecError(f"no bundle spec {name!r} in {folder} (known: {known})")
    spec = parse_spec(path.read_text(encoding="utf-8"), str(path))
    if spec.name != name:
        raise SpecError(f"{path}: name {spec.name!r} differs from the file name {name!r}")
    return spec


def load_specs(folder: Path | None = None) -> list[BundleSpec]:
    return [load_spec(name, folder) for name in spec_names(folder)]
