"""The serving copy: readers see the previous complete copy while a run goes on and the new one after it,
each tenant's file holds only that tenant's rows, the copy equals the warehouse, and a publish is atomic,
incremental and exclusive."""

from __future__ import annotations

import fcntl
import os
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    MaterializeResult,
    asset,
    materialize,
)
from serving_chains import TENANTS, Chains
from support.paths import MYMEDIC

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from orchestration.resources import PipelineSettings, WarehouseResource
from orchestration.serving_assets import BI_VIEWS_KEY, serving_copy
from serving.bi_views import create_bi_views
from serving.layout import ServingLayout
from serving.publish import MART_TABLES, PublishBusy, publish_marts

pytestmark = pytest.mark.slow


def test_a_reader_sees_the_previous_copy_during_a_run_and_the_new_one_after(chains: Chains) -> None:
    first, final = chains.first, chains.final
    assert final is not None
    assert first.tenants == {"tnt_arogya"} and final.tenants == set(TENANTS)
    assert first.version != final.version
    assert not chains.errors, chains.errors[:3]
    assert chains.during, "the reader never got to read during the run"
    seen = {snapshot.version for snapshot in chains.during}
    assert first.version in seen, "the reader should have read the previous copy while the run went on"
    assert seen <= {first.version, final.version}, "a reader saw a copy that is neither the old nor the new"
    for snapshot in [first, *chains.during, final]:
        assert snapshot.stated == snapshot.counted, "a copy's tables disagree with its own row counts"
    for snapshot in chains.during:
        expected = first if snapshot.version == first.version else final
        assert snapshot.counted == expected.counted
    assert "serving copy (BI tools, metrics API)" in chains.first_stdout


def _warehouse_rows(url: str, table: str) -> list[tuple]:
    with open_warehouse(warehouse_settings(url)) as w:
        return sorted(w.rows(f"select * from {w.db('marts')}.{table}"), key=repr)


def _utc(value: object) -> object:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


@pytest.mark.parametrize("table", MART_TABLES)
def test_the_copy_of_each_mart_equals_the_warehouse(chains: Chains, table: str) -> None:
    expected = [tuple(map(_utc, row)) for row in _warehouse_rows(chains.url, table)]
    with duckdb.connect(str(chains.layout.duckdb_path), read_only=True) as con:
        got = sorted(
            (tuple(map(_utc, row)) for row in con.execute(f"select * from marts.{table}").fetchall()),
            key=repr,
        )
        parquet = con.execute(
            f"select count(*) from read_parquet('{chains.layout.parquet_dir / table / 'data.parquet'}')"
        ).fetchone()[0]
    assert got == expected
    assert parquet == len(expected)


def test_each_tenant_file_holds_that_tenant_only(chains: Chains) -> None:
    whole = duckdb.connect(str(chains.layout.duckdb_path), read_only=True)
    entity_ids: dict[str, set[str]] = {}
    for tenant in TENANTS:
        with duckdb.connect(str(chains.layout.tenant_duckdb(tenant)), read_only=True) as con:
            relations = [r for (r,) in con.execute("select relation from serving.relations").fetchall()]
            assert relations and all(not r.startswith("bi_phi.") for r in relations)
            for relation in relations:
                column = "tenant_id" if relation.startswith("main.") else '"Tenant"'
                if relation.endswith("status_legend"):
                    continue
                tenants = {t for (t,) in con.execute(f"select distinct {column} from {relation}").fetchall()}
                assert tenants == {tenant}, f"{relation} in {tenant}'s file holds {tenants}"
                mine = con.execute(f"select count(*) from {relation}").fetchone()[0]
                in_whole = whole.execute(
                    f"select count(*) from {relation} where {column} = ?", [tenant]
                ).fetchone()[0]
                assert mine == in_whole > 0, relation
            entity_ids[tenant] = {
                e for (e,) in con.execute("select entity_id from marts.fct_payment_reconciliation").fetchall()
            }
    whole.close()
    a, b = entity_ids.values()
    assert not a & b, "a payment id appears in both chains' files"


def test_the_data_quality_view_is_in_the_operators_copy_only(chains: Chains) -> None:
    """bi.dq_daily holds the platform's checks, no chain's rows: the main file has it, no tenant's does."""
    with duckdb.connect(str(chains.layout.duckdb_path), read_only=True) as con:
        rows = con.execute(
            'select "Check", "Evaluations", "Latest status" from bi.dq_daily where "Asset" = ?',
            ["marts/fct_payment_reconciliation"],
        ).fetchall()
        # the run's dbt tests, recorded after the dbt step and before the copy was published
        assert any(
            check.startswith("accepted_values_fct_payment_reconciliation_status") for check, _, _ in rows
        )
        assert all(evaluations >= 1 and status == "passed" for _, evaluations, status in rows)
    for tenant in TENANTS:
        with duckdb.connect(str(chains.layout.tenant_duckdb(tenant)), read_only=True) as con:
            relations = {r for (r,) in con.execute("select relation from serving.relations").fetchall()}
            assert "bi.dq_daily" not in relations
            tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
            assert "dq_daily" not in tables


def test_bi_views_show_rupees_ist_times_branch_names_and_status_labels(chains: Chains) -> None:
    with duckdb.connect(str(chains.layout.duckdb_path), read_only=True) as con:
        rows = con.execute(
            'select b."Booked amount (₹)", b."Booked amount (paise)", b."Captured / initiated (IST)", '
            'b."Branch", b."Status", b."Status group", m.event_at, d.branch_name, b."Status code" '
            "from bi.payment_reconciliation b join marts.fct_payment_reconciliation m "
            'on m.entity_id = b."Payment ID" and m.tenant_id = b."Tenant" and m.entity_type = b."Type" '
            'and m.settlement_id = b."Settlement ID" '
            "join marts.dim_branches d on d.tenant_id = m.tenant_id and d.branch_id = m.branch_id "
            "where m.entity_type = 'payment'"
        ).fetchall()
        columns = [
            c
            for (c,) in con.execute("select column_name from (describe bi.payment_reconciliation)").fetchall()
        ]
        legend = dict(con.execute('select "Status code", "Status" from bi.status_legend').fetchall())
    assert rows
    for rupees, paise, ist, branch, label, group, event_at, branch_name, code in rows:
        assert rupees == Decimal(paise) / 100
        assert ist == event_at.astimezone(UTC).replace(tzinfo=None) + (
            datetime(1, 1, 1, 5, 30) - datetime(1, 1, 1)
        )
        assert branch == branch_name and branch
        assert label == legend[code] and group in ("reconciled", "open", "exception")
    assert "Booking ID" not in columns, "bi must not carry the patient-linked booking id"
    assert {"Branch", "Status", "Booked amount (₹)", "Booked amount (paise)", "Tenant"} <= set(columns)


IST_OFFSET = datetime(1, 1, 1, 5, 30) - datetime(1, 1, 1)


def _ist(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None) + IST_OFFSET


def test_adt_bi_views_show_ist_times_branch_names_and_rupees_without_phi(chains: Chains) -> None:
    """The ADT marts' views equal the warehouse's marts, shown as people read them; the copy has no
    patient-level ADT mart and no MRN, visit number, patient id or unmapped code outside bi_phi."""
    with open_warehouse(warehouse_settings(chains.url)) as w:
        episodes = w.rows(
            "select e.tenant_id, b.branch_name, e.status, e.admit_at, e.discharge_at, e.payments_paise, "
            "e.transfer_count from marts.fct_patient_episodes e left join marts.dim_branches b "
            "on b.tenant_id = e.tenant_id and b.branch_id = e.branch_id"
        )
        counts = {t: w.scalar(f"select count() from marts.{t}") for t in ("fct_adt_events", "unmapped_codes")}
        daily = w.rows(
            "select tenant_id, branch_id, activity_date, admission_count, bed_days from marts.fct_branch_daily_adt"
        )
    expected = sorted(
        ((t, branch or "", status, _ist(admit), _ist(discharge), Decimal(paise) / 100, paise, transfers)
         for t, branch, status, admit, discharge, paise, transfers in episodes), key=repr,
    )  # fmt: skip
    with duckdb.connect(str(chains.layout.duckdb_path), read_only=True) as con:
        got = sorted(con.execute(
            'select "Tenant", coalesce("Branch", \'\'), "Episode status", "Admitted (IST)", "Discharged (IST)", '
            '"Payments in episode (₹)", "Payments in episode (paise)", "Transfers" from bi.patient_episodes'
        ).fetchall(), key=repr)  # fmt: skip
        copied = {
            t: con.execute(f"select count(*) from bi.{t.removeprefix('fct_')}").fetchone()[0] for t in counts
        }
        got_daily = con.execute(
            'select "Tenant", "Branch ID", "Day (IST)", "Admissions", "Bed-days (midnight census)" '
            "from bi.branch_daily_adt"
        ).fetchall()
        columns = {
            view: {c for (c,) in con.execute(f"select column_name from (describe bi.{view})").fetchall()}
            for view in ("patient_episodes", "adt_events", "unmapped_codes")
        }
        tables = {t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'main'")
                  .fetchall()}  # fmt: skip
    assert expected and got == expected
    assert any(discharge is not None for *_, discharge, _, _, _ in got)  # IP stays, discharged
    assert copied == counts and counts["fct_adt_events"] > len(episodes)
    assert sorted(got_daily, key=repr) == sorted((tuple(r) for r in daily), key=repr) and daily
    phi = {"Patient MRN", "Visit number", "Patient ID", "Booking ID", "Episode ID", "MRN as sent", "Merged MRN",
           "Unmapped code", "Department", "Patient class"}  # fmt: skip
    assert all(not (phi & names) for names in columns.values()), columns
    assert {"Admitted (IST)", "Branch", "Length of stay (hours)", "Tenant"} <= columns["patient_episodes"]
    assert {"fct_patient_episodes", "fct_adt_events", "unmapped_codes"}.isdisjoint(tables)
    assert "fct_branch_daily_adt" in tables


def test_bi_phi_is_published_only_when_asked(chains: Chains, tmp_path: Path) -> None:
    layout = ServingLayout(tmp_path / "serving")
    with open_warehouse(warehouse_settings(chains.url)) as w:
        publish_marts(w, layout, phi=True)
        with duckdb.connect(str(layout.duckdb_path), read_only=True) as con:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from (describe bi_phi.payment_reconciliation)"
                ).fetchall()
            ]
        assert "Booking ID" in columns
        with duckdb.connect(str(layout.duckdb_path), read_only=True) as con:
            episode_columns = {
                c
                for (c,) in con.execute(
                    "select column_name from (describe bi_phi.patient_episodes)"
                ).fetchall()
            }
        assert {"Patient MRN", "Visit number", "Booking ID", "Department"} <= episode_columns
        report = publish_marts(w, layout, phi=False)
    assert not any(r.relation.startswith("bi_phi.") for r in report.relations)
    with duckdb.connect(str(layout.duckdb_path), read_only=True) as con:
        schemas = {
            s
            for (s,) in con.execute(
                "select schema_name from duckdb_schemas() where database_name = 'marts'"
            ).fetchall()
        }
    assert "bi_phi" not in schemas and "bi" in schemas


def test_a_publish_carries_unchanged_relations_over_and_keeps_open_readers_on_the_old_copy(
    chains: Chains, tmp_path: Path
) -> None:
    layout = ServingLayout(tmp_path / "serving")
    clock = iter([datetime(2026, 11, 1, 0, 30, tzinfo=UTC), datetime(2026, 11, 2, 0, 30, tzinfo=UTC)])
    with open_warehouse(warehouse_settings(chains.url)) as w:
        first = publish_marts(w, layout, now=lambda: next(clock))
        assert set(first.changed) == {r.relation for r in first.relations}
        old_parquet = (layout.parquet_dir / "fct_payment_reconciliation" / "data.parquet").resolve()
        reader = duckdb.connect(str(layout.duckdb_path), read_only=True)
        second = publish_marts(w, layout, now=lambda: next(clock))
    assert second.changed == [], "nothing changed in the warehouse, so nothing should be rewritten"
    new_parquet = (layout.parquet_dir / "fct_payment_reconciliation" / "data.parquet").resolve()
    assert new_parquet != old_parquet and new_parquet.stat().st_ino == old_parquet.stat().st_ino
    assert reader.execute("select published_at from serving.publication").fetchone()[0] == first.published_at
    reader.close()
    with duckdb.connect(str(layout.duckdb_path), read_only=True) as con:
        assert (
            con.execute("select published_at from serving.publication").fetchone()[0] == second.published_at
        )
        assert con.execute("select count(*) from marts.fct_payment_reconciliation").fetchone()[0] > 0
    assert old_parquet.exists(), "a reader in the middle of the previous Parquet must still find it"


def test_a_failed_publish_leaves_the_previous_copy_and_nothing_else(chains: Chains, tmp_path: Path) -> None:
    layout = ServingLayout(tmp_path / "serving")
    with open_warehouse(warehouse_settings(chains.url)) as w:
        publish_marts(w, layout)
        before = {p: p.stat().st_mtime_ns for p in layout.root.rglob("*")}
        w.command(f"drop view {w.db('bi')}.doctors")
        try:
            with pytest.raises(LookupError, match="doctors"):
                publish_marts(w, layout)
        finally:
            create_bi_views(w)
    after = {p: p.stat().st_mtime_ns for p in layout.root.rglob("*")}
    assert after == before, "a failed publish changed or left files"


def test_one_publish_at_a_time(chains: Chains, tmp_path: Path) -> None:
    layout = ServingLayout(tmp_path / "serving")
    layout.root.mkdir(parents=True)
    with layout.lock_path.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with (
            open_warehouse(warehouse_settings(chains.url)) as w,
            pytest.raises(PublishBusy, match="another publish"),
        ):
            publish_marts(w, layout)


def test_serving_cli(chains: Chains, tmp_path: Path) -> None:
    env = {**os.environ, "MYMEDIC_WAREHOUSE": chains.url, "MYMEDIC_SERVING": str(tmp_path / "cli")}
    missing = subprocess.run([MYMEDIC, "serving", "status"], env=env, capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert "not published yet" in missing.stderr and "mymedic serving publish" in missing.stderr
    done = subprocess.run([MYMEDIC, "serving", "publish"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "tenants/tnt_sanjivani/marts.duckdb" in done.stdout
    status = subprocess.run([MYMEDIC, "serving", "status"], env=env, capture_output=True, text=True)
    assert status.returncode == 0 and "IST" in status.stdout and "bi.payment_reconciliation" in status.stdout


def test_a_run_whose_checks_failed_does_not_publish(chains: Chains, tmp_path: Path) -> None:
    """An upstream asset whose ERROR check fails in the same run: the copy step fails and publishes nothing."""

    @asset(key=BI_VIEWS_KEY, check_specs=[AssetCheckSpec("nets_to_rows", asset=BI_VIEWS_KEY)])
    def views_with_a_failed_check():  # no annotation: dagster resolves it at definition (string here)
        return MaterializeResult(
            check_results=[AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR)]
        )

    serving = tmp_path / "serving"
    result = materialize(
        [views_with_a_failed_check, serving_copy],
        resources={
            "warehouse": WarehouseResource(url=chains.url),
            "pipeline": PipelineSettings(serving_dir=str(serving)),
        },
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "not published" in str(failure.event_specific_data.error.message)
    assert not (serving / "marts.duckdb").exists()
