"""Publish the marts and the `bi` views as a serving copy: DuckDB files and Parquet that any number of
readers open while the platform runs (chDB admits one process; a BI tool never touches the warehouse).

Atomic: everything is built beside the live copy and moved into place by rename (`marts.duckdb`, each
`tenants/<id>/marts.duckdb`, and the `parquet` link to a new version folder). A reader that opened the previous
copy keeps reading it; one that opens after the rename gets the new one; none sees a half-written file.
The previous two versions' Parquet stay on disk for readers still in the middle of them.

Incremental: each relation's fingerprint (its columns, row count and an order-free hash of its rows,
computed by the warehouse) is kept in the copy's `serving.relations`; a relation whose fingerprint has not
changed is neither read from the warehouse nor rewritten, only carried over.

Tenant isolation: `tenants/<id>/marts.duckdb` holds only that tenant's rows, so a chain's BI connection, or the
metrics API serving its key, can read nothing of another chain's.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.atomic_files import AtomicFiles
from core.time import IST_NAME
from core.warehouse import Warehouse
from serving.bi_views import BI, BI_PHI, BI_VIEWS, MARTS, STATUS_LEGEND_VIEW, TENANT_HEADER, quote
from serving.layout import ServingLayout

# The marts are tables in DuckDB's default schema: the file is `marts.duckdb`, so its catalog is named
# `marts`, `marts.fct_payment_reconciliation` and plain `fct_payment_reconciliation` both name the table, and
# a schema called `marts` would make the first ambiguous.
MARTS_SCHEMA = "main"
META = "serving"  # the copy's own schema: when it was published, and what each relation holds
KEEP_VERSIONS = 3  # the current Parquet version and the two before it
# the marts the copy carries: the ones the bi views show (stated once, in serving/bi_views.py), but those
# whose rows are a patient's and carry MRNs (the ADT marts): the copy has only their views
MART_TABLES = tuple(view.mart for view in BI_VIEWS if view.copy_mart)


class PublishBusy(RuntimeError):
    """Another process is publishing into the same folder."""


@dataclass(frozen=True)
class Relation:
    schema: str  # in the serving copy (main for the marts, bi, bi_phi)
    name: str
    source: str  # the warehouse's database for it (with a server's prefix)
    tenant_column: str | None  # None: not tenant data (the status legend), copied to every tenant file
    tenant_files: bool = True  # False: the platform's own (data quality), in the main file only

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def parquet_folder(self) -> Path:
        """`<mart>` for the marts, `bi/<view>` for the views."""
        return Path(self.name) if self.schema == MARTS_SCHEMA else Path(self.schema, self.name)


@dataclass
class RelationCopy:
    relation: str
    rows: int
    fingerprint: str
    changed: bool


@dataclass
class PublishReport:
    published_at: datetime
    version: str
    duckdb_path: Path
    parquet_dir: Path
    tenants: list[str]
    relations: list[RelationCopy] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        return [r.relation for r in self.relations if r.changed]


def relations(warehouse: Warehouse, *, phi: bool) -> list[Relation]:
    out = [Relation(MARTS_SCHEMA, table, warehouse.db(MARTS), "tenant_id") for table in MART_TABLES]
    for schema in (BI, BI_PHI) if phi else (BI,):
        out += [
            Relation(
                schema,
                view.name,
                warehouse.db(schema),
                TENANT_HEADER if view.tenant_data else None,
                tenant_files=view.tenant_data,
            )
            for view in BI_VIEWS
        ]
        out.append(Relation(schema, STATUS_LEGEND_VIEW, warehouse.db(schema), None))
    return out


def fingerprint(warehouse: Warehouse, relation: Relation) -> tuple[int, str]:
    """(rows, fingerprint): the columns and types, the row count and two order-free sums of row hashes."""
    source = f"{quote(relation.source)}.{quote(relation.name)}"
    columns = warehouse.rows(
        "select name, type from system.columns where database = {db:String} and table = {t:String} "
        "order by position",
        {"db": relation.source, "t": relation.name},
    )
    if not columns:
        raise LookupError(
            f"{relation.source}.{relation.name} does not exist: build the marts and bi views first"
        )
    rows, total, xor = warehouse.rows(
        f"select count(), toString(sum(cityHash64(*))), toString(groupBitXor(cityHash64(*))) from {source}"
    )[0]
    digest = hashlib.sha256(repr((columns, rows, total, xor)).encode()).hexdigest()[:32]
    return int(rows), digest


@contextmanager
def _publish_lock(layout: ServingLayout) -> Iterator[None]:
    layout.root.mkdir(parents=True, exist_ok=True)
    with layout.lock_path.open("a") as handle:  # "a": never truncated, never touched by a failed publish
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishBusy(f"another publish is writing {layout.root}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def previous_fingerprints(path: Path) -> dict[str, str]:
    """relation -> fingerprint of the copy at `path` (empty when there is none, or it is unreadable)."""
    if not path.exists():
        return {}
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return dict(con.execute(f"select relation, fingerprint from {META}.relations").fetchall())
    except duckdb.Error:
        return {}


def _export(warehouse: Warehouse, relation: Relation, target: Path) -> None:
    """Stream the relation out of the warehouse as Parquet (the engine writes it; no rows in Python)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sql = f"select * from {quote(relation.source)}.{quote(relation.name)}"
    with target.open("wb") as sink:
        for chunk in warehouse.client.raw_stream(sql, fmt="Parquet"):
            sink.write(chunk)


def _load(con: duckdb.DuckDBPyConnection, relation: Relation, parquet: Path) -> None:
    """(Re)create the relation's table from the warehouse's Parquet. A `bi` time shows as IST wall-clock
    time (TIMESTAMP, no zone), as people read it; the marts keep the instant (TIMESTAMPTZ)."""
    source = f"read_parquet({_sql_text(str(parquet))})"
    select = "*"
    if relation.schema != MARTS_SCHEMA:
        zoned = [
            name
            for name, kind in con.execute(
                f"select column_name, column_type from (describe select * from {source})"
            ).fetchall()
            if kind == "TIMESTAMP WITH TIME ZONE"
        ]
        if zoned:
            select = (
                "* replace ("
                + ", ".join(f"cast({_ident(n)} as timestamp) as {_ident(n)}" for n in zoned)
                + ")"
            )
    con.execute(f"create schema if not exists {relation.schema}")
    con.execute(f"create or replace table {relation.qualified} as select {select} from {source}")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _write_meta(
    con: duckdb.DuckDBPyConnection,
    report: PublishReport,
    phi: bool,
    tenant: str | None,
    counts: dict[str, int],
) -> None:
    con.execute(f"create schema if not exists {META}")
    con.execute(
        f"create or replace table {META}.publication (published_at timestamptz, version varchar, "
        "tenant_id varchar, includes_phi boolean)"
    )
    con.execute(
        f"insert into {META}.publication values (?, ?, ?, ?)",
        [report.published_at, report.version, tenant, phi],
    )
    con.execute(
        f"create or replace table {META}.relations (relation varchar, row_count bigint, fingerprint varchar, "
        "changed boolean)"
    )
    con.executemany(
        f"insert into {META}.relations values (?, ?, ?, ?)",
        [
            (r.relation, counts.get(r.relation, r.rows), r.fingerprint, r.changed)
            for r in report.relations
            if tenant is None or r.relation in counts  # a tenant's file: the relations it holds
        ],
    )


def _drop_unpublished(con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
    for schema, name in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
    ).fetchall():
        if schema != META and f"{schema}.{name}" not in keep:
            con.execute(f"drop table {schema}.{_ident(name)}")
    for (schema,) in con.execute(
        "select schema_name from duckdb_schemas() where database_name = current_database() and not internal"
    ).fetchall():
        if schema not in {"main", META} and not any(k.startswith(f"{schema}.") for k in keep):
            con.execute(f"drop schema {schema}")


def _start_from(previous: Path, temp: Path) -> None:
    """The new file starts as a copy of the previous one (its unchanged tables carry over)."""
    if previous.exists():
        shutil.copyfile(previous, temp)
    else:
        temp.unlink()  # DuckDB creates it


def _tenants(warehouse: Warehouse) -> list[str]:
    unions = " union distinct ".join(
        f"select tenant_id from {quote(warehouse.db(MARTS))}.{quote(table)}" for table in MART_TABLES
    )
    return sorted(t for (t,) in warehouse.rows(f"select distinct tenant_id from ({unions})") if t)


def publish_marts(
    warehouse: Warehouse,
    layout: ServingLayout,
    *,
    phi: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PublishReport:
    with _publish_lock(layout):
        return _publish(warehouse, layout, phi, now)


def _publish(
    warehouse: Warehouse, layout: ServingLayout, phi: bool, now: Callable[[], datetime]
) -> PublishReport:
    published_at = now()
    version = f"{published_at.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    wanted = relations(warehouse, phi=phi)
    before = previous_fingerprints(layout.duckdb_path)
    tenants = _tenants(warehouse)
    report = PublishReport(published_at, version, layout.duckdb_path, layout.parquet_dir, tenants)
    staging = layout.root / f".staging-{version}"
    parquet = staging / "parquet"
    try:
        with AtomicFiles() as files:
            main = files.temp_for(layout.duckdb_path, note="publish.")
            _start_from(layout.duckdb_path, main)
            with duckdb.connect(str(main)) as con:
                con.execute(f"set TimeZone = {_sql_text(IST_NAME)}")
                for relation in wanted:
                    rows, digest = fingerprint(warehouse, relation)
                    changed = before.get(relation.qualified) != digest or not _has_table(con, relation)
                    report.relations.append(RelationCopy(relation.qualified, rows, digest, changed))
                    if changed:
                        raw = staging / "from-warehouse" / f"{relation.qualified}.parquet"
                        _export(warehouse, relation, raw)
                        _load(con, relation, raw)
                    _write_parquet(con, relation, parquet, layout, changed)
                _drop_unpublished(con, {r.qualified for r in wanted})
                _write_meta(con, report, phi, None, {})
                con.execute("checkpoint")
            for tenant in tenants:
                _publish_tenant(files, layout, main, tenant, wanted, report, phi)
            for stale in _stale_tenant_files(layout, tenants):
                stale.unlink()
            _swap_parquet(layout, parquet, version)
        # the DuckDB files are in place now (AtomicFiles renamed them); old Parquet versions can go
        _prune_versions(layout)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _has_table(con: duckdb.DuckDBPyConnection, relation: Relation) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [relation.schema, relation.name],
        ).fetchone()[0]
    )


def _write_parquet(
    con: duckdb.DuckDBPyConnection, relation: Relation, parquet: Path, layout: ServingLayout, changed: bool
) -> None:
    target = parquet / relation.parquet_folder / "data.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = layout.parquet_dir / relation.parquet_folder / "data.parquet"
    if not changed and previous.exists():
        try:
            os.link(previous.resolve(), target)  # the same bytes: share them with the previous version
            return
        except OSError:
            pass
    con.execute(f"copy {relation.qualified} to {_sql_text(str(target))} (format parquet, compression zstd)")


def _publish_tenant(
    files: AtomicFiles,
    layout: ServingLayout,
    main: Path,
    tenant: str,
    wanted: list[Relation],
    report: PublishReport,
    phi: bool,
) -> None:
    final = layout.tenant_duckdb(tenant)
    before = previous_fingerprints(final)
    temp = files.temp_for(final, note="publish.")
    _start_from(final, temp)
    counts: dict[str, int] = {}
    with duckdb.connect(str(temp)) as con:
        con.execute(f"attach {_sql_text(str(main))} as published (read_only)")
        for relation, copy in zip(wanted, report.relations, strict=True):
            if not relation.tenant_files:
                continue
            if (
                copy.changed
                or before.get(relation.qualified) != copy.fingerprint
                or not _has_table(con, relation)
            ):
                where = f"where {_ident(relation.tenant_column)} = $tenant" if relation.tenant_column else ""
                con.execute(f"create schema if not exists {relation.schema}")
                con.execute(
                    f"create or replace table {relation.qualified} as "
                    f"select * from published.{relation.qualified} {where}",
                    {"tenant": tenant} if relation.tenant_column else None,
                )
            counts[relation.qualified] = con.execute(f"select count(*) from {relation.qualified}").fetchone()[
                0
            ]
        con.execute("detach published")
        _drop_unpublished(con, {r.qualified for r in wanted if r.tenant_files})
        _write_meta(con, report, phi, tenant, counts)
        con.execute("checkpoint")


def _stale_tenant_files(layout: ServingLayout, tenants: list[str]) -> list[Path]:
    if not layout.tenants_dir.exists():
        return []
    keep = {layout.tenant_duckdb(t) for t in tenants}
    return [p for p in layout.tenants_dir.glob("*/marts.duckdb") if p not in keep]


def _swap_parquet(layout: ServingLayout, staged: Path, version: str) -> None:
    """Move the staged Parquet into `versions/<version>` and point the `parquet` link at it (a rename)."""
    folder = layout.versions_dir / version
    folder.mkdir(parents=True)
    staged.rename(folder / "parquet")
    link = layout.root / f".parquet-{version}.link"
    link.symlink_to(Path("versions", version, "parquet"))
    if layout.parquet_dir.exists() and not layout.parquet_dir.is_symlink():
        shutil.rmtree(layout.parquet_dir)  # a folder from before links: replace it once
    os.replace(link, layout.parquet_dir)


def _prune_versions(layout: ServingLayout) -> None:
    current = os.readlink(layout.parquet_dir) if layout.parquet_dir.is_symlink() else ""
    versions = sorted(p for p in layout.versions_dir.iterdir() if p.is_dir())
    for old in versions[:-KEEP_VERSIONS]:
        if Path(current).parts[1:2] != (old.name,):
            shutil.rmtree(old, ignore_errors=True)
