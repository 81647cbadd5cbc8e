"""Provision Superset from the definitions: the database connection, a dataset per `bi` relation, the
charts and the dashboards. Each object is found by its name (database name, schema + table, chart title,
dashboard slug), compared with what the definitions say, and written only when it differs: a second run
changes nothing, and the report says so."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import SecretStr

from core.settings import WarehouseSettings
from serving.superset.chart_form import as_text, chart_params, query_context
from serving.superset.client import SupersetClient, SupersetError
from serving.superset.dashboard_layout import json_metadata, position_json
from serving.superset.definitions import Definitions

MASK = "XXXXXXXXXX"  # how Superset shows a stored password in a URI


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the datasets read: a SQLAlchemy URI (which may hold a password), and the schema of `bi`."""

    uri: SecretStr
    shown_uri: str  # the URI as Superset shows it back: the password masked
    schema: str
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def embedded(cls, duckdb_path: Path, schema: str) -> DatabaseTarget:
        """The serving DuckDB file, opened read-only on every query (Superset pools no connections)."""
        uri = f"duckdb:///{duckdb_path.absolute()}"
        extra = {"engine_params": {"connect_args": {"read_only": True}}}
        return cls(SecretStr(uri), uri, schema, extra)

    @classmethod
    def server(cls, settings: WarehouseSettings, schema: str) -> DatabaseTarget:
        """A ClickHouse server through clickhouse-connect's SQLAlchemy dialect, as the BI user."""
        user = quote(settings.username, safe="")
        rest = f"@{settings.host}:{settings.port}/{settings.db(schema)}"
        secure = "?protocol=https" if settings.interface == "https" else ""
        uri = f"clickhousedb://{user}:{quote(settings.password, safe='')}{rest}{secure}"
        shown = f"clickhousedb://{user}:{MASK}{rest}{secure}" if settings.password else uri
        return cls(SecretStr(uri), shown, settings.db(schema))


@dataclass
class ProvisionReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    database_id: int = 0
    dataset_ids: dict[str, int] = field(default_factory=dict)
    chart_ids: dict[str, int] = field(default_factory=dict)
    dashboard_ids: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [
            *(f"created {w}" for w in self.created),
            *(f"updated {w}" for w in self.updated),
            f"unchanged: {len(self.unchanged)} object(s)",
        ]


def _one(client: SupersetClient, kind: str, what: str, **equal: Any) -> dict[str, Any] | None:
    found = client.find(kind, **equal)
    if len(found) > 1:
        raise SupersetError(f"{len(found)} {kind}s match {what}: delete the extra ones in Superset")
    return found[0] if found else None


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value else (value or {})


class _Provisioner:
    def __init__(self, client: SupersetClient, definitions: Definitions, target: DatabaseTarget) -> None:
        self.client, self.definitions, self.target = client, definitions, target
        self.report = ProvisionReport()

    def _apply(
        self,
        kind: str,
        what: str,
        found: dict[str, Any] | None,
        body: dict[str, Any],
        differs: Callable[[dict[str, Any]], bool],
        state: str = "",
    ) -> int:
        """Create the object, or update it when `differs(its current state)` (read from `/{kind}/{id}` and
        `state` after it); returns its id."""
        if found is None:
            object_id = int(self.client.post(f"/{kind}/", body)["id"])
            self.report.created.append(what)
            return object_id
        object_id = int(found["id"])
        if differs(self.client.get(f"/{kind}/{object_id}{state}")["result"]):
            self.client.put(f"/{kind}/{object_id}", body)
            self.report.updated.append(what)
        else:
            self.report.unchanged.append(what)
        return object_id

    def database(self) -> int:
        name = self.definitions.connection.name
        body = {
            "database_name": name,
            "sqlalchemy_uri": self.target.uri.get_secret_value(),
            "extra": json.dumps(self.target.extra, sort_keys=True),
            "expose_in_sqllab": True,
            "allow_dml": False,
            "allow_run_async": False,
            "allow_file_upload": False,
        }

        def differs(now: dict[str, Any]) -> bool:
            return (
                now.get("sqlalchemy_uri") != self.target.shown_uri
                or _parsed(now.get("extra")) != self.target.extra
                or now.get("allow_dml")
                or not now.get("expose_in_sqllab")
                or now.get("allow_file_upload")
            )

        found = _one(self.client, "database", f"database {name!r}", database_name=name)
        # the connection's URI (password masked) and extra are only in /connection
        return self._apply("database", f"database {name!r}", found, body, differs, "/connection")

    def datasets(self, database_id: int) -> dict[str, int]:
        ids: dict[str, int] = {}
        schema = self.target.schema
        for dataset in self.definitions.datasets:
            what = f"dataset {schema}.{dataset.relation}"
            found = [
                d
                for d in self.client.find("dataset", table_name=dataset.relation)
                if d.get("database", {}).get("id") == database_id and d.get("schema") == schema
            ]
            if len(found) > 1:
                raise SupersetError(f"{len(found)} datasets match {what}: delete the extra ones in Superset")
            if not found:
                body = {"database": database_id, "schema": schema, "table_name": dataset.relation}
                ids[dataset.relation] = int(self.client.post("/dataset/", body)["id"])
                self.client.put(f"/dataset/{ids[dataset.relation]}", {"description": dataset.description})
                self.report.created.append(what)
                continue
            ids[dataset.relation] = self._apply(
                "dataset",
                what,
                found[0],
                {"description": dataset.description},
                lambda now, d=dataset: (now.get("description") or "") != d.description,
            )
        return ids

    def dashboards(self) -> dict[str, int]:
        """Each dashboard, created empty if missing (its layout needs the charts' ids first)."""
        ids: dict[str, int] = {}
        for dashboard in self.definitions.dashboards:
            found = _one(self.client, "dashboard", f"slug {dashboard.slug!r}", slug=dashboard.slug)
            if found is None:
                body = {"dashboard_title": dashboard.title, "slug": dashboard.slug, "published": True}
                ids[dashboard.slug] = int(self.client.post("/dashboard/", body)["id"])
            else:
                ids[dashboard.slug] = int(found["id"])
        return ids

    def charts(self, dataset_ids: dict[str, int], dashboard_ids: dict[str, int]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for dashboard in self.definitions.dashboards:
            for chart in dashboard.charts:
                dataset_id = dataset_ids[chart.dataset]
                body = {
                    "slice_name": chart.name,
                    "viz_type": chart_params(chart, dataset_id)["viz_type"],
                    "params": as_text(chart_params(chart, dataset_id)),
                    "query_context": as_text(query_context(chart, dataset_id)),
                    "datasource_id": dataset_id,
                    "datasource_type": "table",
                    "dashboards": [dashboard_ids[dashboard.slug]],
                }

                def differs(now: dict[str, Any], body: dict[str, Any] = body) -> bool:
                    linked = sorted(d["id"] for d in now.get("dashboards", []))
                    return (
                        any(
                            now.get(k) != body[k]
                            for k in ("slice_name", "viz_type", "params", "query_context")
                        )
                        or linked != body["dashboards"]
                    )

                found = _one(self.client, "chart", f"chart {chart.name!r}", slice_name=chart.name)
                ids[chart.name] = self._apply("chart", f"chart {chart.name!r}", found, body, differs)
        return ids

    def layouts(self, dashboard_ids: dict[str, int], chart_ids: dict[str, int], created: set[str]) -> None:
        for dashboard in self.definitions.dashboards:
            body = {
                "dashboard_title": dashboard.title,
                "slug": dashboard.slug,
                "published": True,
                "position_json": as_text(position_json(dashboard, chart_ids)),
                "json_metadata": as_text(json_metadata()),
            }

            def differs(now: dict[str, Any], body: dict[str, Any] = body) -> bool:
                metadata = _parsed(now.get("json_metadata"))
                return (
                    now.get("dashboard_title") != body["dashboard_title"]
                    or not now.get("published")
                    or _parsed(now.get("position_json")) != json.loads(body["position_json"])
                    or any(metadata.get(k) != v for k, v in json_metadata().items())
                )

            what = f"dashboard {dashboard.title!r} (/superset/dashboard/{dashboard.slug}/)"
            object_id = dashboard_ids[dashboard.slug]
            self._apply("dashboard", what, {"id": object_id}, body, differs)
            if dashboard.slug in created and what in self.report.updated:
                self.report.updated.remove(what)
                self.report.created.append(what)

    def run(self) -> ProvisionReport:
        self.report.database_id = self.database()
        self.report.dataset_ids = self.datasets(self.report.database_id)
        existing = {d["slug"] for d in self.client.find("dashboard")}
        self.report.dashboard_ids = self.dashboards()
        created = {slug for slug in self.report.dashboard_ids if slug not in existing}
        self.report.chart_ids = self.charts(self.report.dataset_ids, self.report.dashboard_ids)
        self.layouts(self.report.dashboard_ids, self.report.chart_ids, created)
        return self.report


def provision(client: SupersetClient, definitions: Definitions, target: DatabaseTarget) -> ProvisionReport:
    """Make Superset hold exactly what the definitions say; idempotent."""
    return _Provisioner(client, definitions, target).run()
