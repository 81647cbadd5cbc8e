"""Dashboards as code: the YAML in `serving/dashboards/` (the connection, the datasets on the `bi` relations,
each dashboard with its charts), validated with pydantic; every problem is one line naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "dashboards"
CONNECTION_FILE = "connection.yaml"
DATASETS_FILE = "datasets.yaml"
GRID_COLUMNS = 12


class DefinitionError(ValueError):
    """A definition that cannot be used; the message is one line naming the file and the field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Connection(Strict):
    name: str
    schema_: str = Field(alias="schema", description="the schema (ClickHouse: database) of the bi relations")


class DatasetDef(Strict):
    relation: str = Field(description="a relation of the bi schema")
    description: str = ""


class MetricDef(Strict):
    label: str
    sql: str | None = Field(default=None, description="an aggregate SQL expression, e.g. COUNT(*)")
    aggregate: Literal["SUM", "AVG", "MIN", "MAX", "COUNT", "COUNT_DISTINCT"] | None = None
    column: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> MetricDef:
        if (self.sql is None) == (self.aggregate is None or self.column is None):
            raise ValueError(f"metric {self.label!r}: give either sql, or aggregate and column")
        return self


class FilterDef(Strict):
    column: str
    op: Literal["==", "!=", "IN", "NOT IN", "IS NULL", "IS NOT NULL"]
    value: str | list[str] | None = None


class ChartDef(Strict):
    name: str = Field(description="the chart's title; unique across all dashboards")
    dataset: str
    viz: Literal["bar", "line", "table", "big_number"]
    x: str | None = Field(default=None, description="bar and line: the x axis column")
    series: str | None = Field(default=None, description="bar and line: one series per value of this column")
    groupby: tuple[str, ...] = ()
    metrics: tuple[MetricDef, ...] = Field(min_length=1)
    filters: tuple[FilterDef, ...] = ()
    width: int = Field(default=6, ge=1, le=GRID_COLUMNS)
    height: int = Field(default=50, ge=8)

    @model_validator(mode="after")
    def _shape(self) -> ChartDef:
        if self.viz in ("bar", "line") and not self.x:
            raise ValueError(f"chart {self.name!r}: a {self.viz} chart needs x")
        if self.viz not in ("bar", "line") and (self.x or self.series):
            raise ValueError(f"chart {self.name!r}: x and series are for bar and line charts; use groupby")
        return self

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns it groups by, in order (x axis first)."""
        if self.viz in ("bar", "line"):
            return tuple(c for c in (self.x, self.series) if c)
        return self.groupby


class DashboardDef(Strict):
    title: str
    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    charts: tuple[ChartDef, ...] = Field(min_length=1)
    notes: tuple[str, ...] = Field(default=(), description="markdown blocks shown under the charts")


class Definitions(Strict):
    connection: Connection
    datasets: tuple[DatasetDef, ...]
    dashboards: tuple[DashboardDef, ...]

    @model_validator(mode="after")
    def _references(self) -> Definitions:
        relations = {d.relation for d in self.datasets}
        names: set[str] = set()
        for dashboard in self.dashboards:
            for chart in dashboard.charts:
                if chart.dataset not in relations:
                    raise ValueError(f"chart {chart.name!r}: no dataset {chart.dataset!r} in {DATASETS_FILE}")
                if chart.name in names:
                    raise ValueError(f"chart name {chart.name!r} is used twice")
                names.add(chart.name)
        return self

    def dataset(self, relation: str) -> DatasetDef:
        return next(d for d in self.datasets if d.relation == relation)


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DefinitionError(f"{path}: cannot be read ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise DefinitionError(f"{path}: not YAML ({' '.join(str(error).split())})") from None
    if not isinstance(data, dict):
        raise DefinitionError(f"{path}: expected a mapping")
    return data


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where + ': ' if where else ''}{first['msg']}{more}"


def dashboard_files(folder: Path = DEFINITIONS_DIR) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name not in (CONNECTION_FILE, DATASETS_FILE))


def load_definitions(folder: Path = DEFINITIONS_DIR) -> Definitions:
    """Read and check every definition in `folder`; DefinitionError (one line) on the first problem."""
    parts: dict[str, object] = {}
    for key, path in (("connection", folder / CONNECTION_FILE), ("datasets", folder / DATASETS_FILE)):
        data = _read(path)
        parts[key] = data.get("datasets", []) if key == "datasets" else data
    dashboards = []
    for path in dashboard_files(folder):
        try:
            dashboards.append(DashboardDef.model_validate(_read(path)))
        except ValidationError as error:
            raise DefinitionError(f"{path}: {_one_line(error)}") from None
    try:
        return Definitions.model_validate({**parts, "dashboards": dashboards})
    except ValidationError as error:
        raise DefinitionError(f"{folder}: {_one_line(error)}") from None
