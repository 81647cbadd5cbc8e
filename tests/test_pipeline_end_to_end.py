"""The whole pipeline (generate → ingest → dbt → exports) on the embedded warehouse, checked against the
generator's ground truth for two seeds, for idempotence and for CSV/JSON equivalence."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from mymedic.pipeline import RunReport, run_pipeline
from sampledata import write_sample

pytestmark = pytest.mark.slow

SAMPLE = {"branches": 2, "days": 21, "start": date(2026, 10, 1), "bookings_per_branch_day": 14}
MART = "fct_payment_reconciliation"


class Run:
    def __init__(
        self, root: Path, seed: int, settlement_profile: str = "recon_csv", bank_profile: str = "mymedic"
    ) -> None:
        self.root = root
        self.data = root / "data"
        self.exports = root / "exports"
        self.url = f"chdb://{root / 'warehouse'}"
        write_sample(
            self.data,
            seed=seed,
            settlement_profile=settlement_profile,
            bank_profile=bank_profile,
            messages=False,
            **SAMPLE,  # messaging is tests/test_messaging_end_to_end.py's: fewer files to load
        )
        self.truth = json.loads((self.data / "ground_truth.json").read_text())

    def run(self, data: Path | None = None, only: tuple[str, ...] = ()) -> RunReport:
        return run_pipeline(data or self.data, self.exports, warehouse_url=self.url, only=only)

    def query(self, sql: str) -> list[dict[str, Any]]:
        with open_warehouse(warehouse_settings(self.url)) as w:
            return w.dicts(sql.format(marts=w.db("marts"), raw=w.db("raw")))


@pytest.fixture(scope="module", params=[42, 2026])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, RunReport]:
    # Each day's settlement file in the next of Razorpay's formats: recon API CSV (paise, epoch), Dashboard
    # download (rupees, IST times, summary rows, other columns) and the API's JSON (nulls, booleans); the
    # bank statement as one bank's own download, a different bank per seed.
    bank = {42: "hdfc", 2026: "sbi"}[request.param]
    run = Run(tmp_path_factory.mktemp(f"seed{request.param}"), request.param, "mixed", bank)
    report = run.run()
    assert report.success, report
    return run, report


def test_every_entity_gets_the_ground_truth_status(seeded: tuple[Run, RunReport]) -> None:
    run, _ = seeded
    got = {r["entity_id"]: r["status"] for r in run.query(f"select entity_id, status from {{marts}}.{MART}")}
    expected = run.truth["expected_statuses"]
    wrong = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k) != v}
    assert not wrong, f"{len(wrong)} entities differ (expected, got): {dict(list(wrong.items())[:10])}"
    assert set(got) == set(expected)


def test_every_settlement_format_loads_without_a_quarantined_line(seeded: tuple[Run, RunReport]) -> None:
    run, _ = seeded
    razorpay = run.data / "settlements" / "razorpay"
    formats = {p.suffix for p in razorpay.iterdir()}
    dashboard = [p for p in razorpay.glob("*.csv") if "arn" in p.read_text()[:400]]
    cashfree = sorted((run.data / "settlements" / "cashfree").glob("*.csv"))
    assert formats == {".csv", ".json"} and dashboard and cashfree, "the sample should hold every format"
    [row] = run.query(
        "select countIf(feed in ('razorpay_settlements', 'gateway_settlements')) as settlements, "
        "(select countIf(type = 'settlement') from {raw}.razorpay_settlement_lines) as summary_rows, "
        "(select count() from {raw}.gateway_settlement_lines where profile = 'cashfree_settlement_recon') "
        "as cashfree_lines from {raw}.quarantine"
    )
    assert row["settlements"] == 0 and row["summary_rows"] > 0 and row["cashfree_lines"] > 0


def test_every_anomaly_kind_is_found(seeded: tuple[Run, RunReport]) -> None:
    run, _ = seeded
    got = {
        r["entity_id"]: r
        for r in run.query(f"select entity_id, status, exception_reason, aging_bucket from {{marts}}.{MART}")
    }
    kinds = {a["kind"] for a in run.truth["anomalies"]}
    assert kinds >= {"settlement_overdue", "amount_mismatch", "fee_mismatch", "duplicate_payment",
                     "orphan_gateway_line", "bank_unmatched"}  # fmt: skip
    for anomaly in run.truth["anomalies"]:
        for entity_id in anomaly["entity_ids"]:
            row = got[entity_id]
            assert row["status"] == anomaly["expected_status"], (anomaly["kind"], entity_id)
            assert row["exception_reason"], f"{entity_id} ({row['status']}) has no exception_reason"
            assert row["aging_bucket"] in ("0-2d", "3-7d", "8-30d", "31+d")
    anomalous = {e for a in run.truth["anomalies"] for e in a["entity_ids"]}
    for entity_id, row in got.items():
        if entity_id not in anomalous:
            assert row["status"] in ("matched", "in_transit"), (entity_id, row)


def test_totals_tie_to_the_paisa(seeded: tuple[Run, RunReport]) -> None:
    run, report = seeded
    totals = run.truth["expected_totals"]
    by_status: dict[str, dict[str, int]] = {}
    for r in report.statuses:  # one line per status and entity type: add the types up
        line = by_status.setdefault(r["status"], {"rows": 0, "booked": 0, "gateway": 0})
        for key in line:
            line[key] += r[key]
    for status, expected in totals["by_status"].items():
        assert by_status[status]["rows"] == expected["count"], status
        assert by_status[status]["booked"] == expected["booked_amount_paise"], status
        assert by_status[status]["gateway"] == expected["gateway_amount_paise"], status
    assert set(by_status) == set(totals["by_status"])
    assert sum(r["net"] for r in report.statuses) == totals["net_settled_paise"]
    [daily] = run.query(
        "select sum(gross_paise) as gross, sum(fee_paise) as fee, sum(tax_paise) as tax, sum(refund_paise) as refunds,"
        " sum(net_paise) as net, sum(bank_credited_paise) as bank from {marts}.fct_branch_daily_settlements"
    )
    assert daily == {
        "gross": totals["gateway_gross_paise"], "fee": totals["gateway_fee_paise"], "tax": totals["gateway_tax_paise"],
        "refunds": totals["gateway_refund_paise"], "net": totals["net_settled_paise"],
        "bank": totals["bank_credited_paise"],
    }  # fmt: skip
    assert report.as_of == run.truth["as_of"]


def test_exports_hold_the_mart(seeded: tuple[Run, RunReport]) -> None:
    run, report = seeded
    csv_path = run.exports / "finance" / "payment_reconciliation.csv"
    assert str(csv_path.resolve()) in report.exports
    with csv_path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    mart = run.query(f"select entity_id, status, booked_amount_paise from {{marts}}.{MART}")
    assert {(r["entity_id"], r["status"]) for r in rows} == {(r["entity_id"], r["status"]) for r in mart}
    assert sum(int(r["booked_amount_paise"] or 0) for r in rows) == sum(
        r["booked_amount_paise"] or 0 for r in mart
    )
    assert (run.exports / "finance" / "payment_reconciliation.xlsx").stat().st_size > 0


# Logs of the runs themselves, which a re-run appends to by design: a ledger row per file read, each run's
# check results (marts.dq_results; checked below to grow by exactly one run's checks).
RUN_LOGS = ("load_ledger", "dq_results")


def _table_counts(run: Run) -> dict[str, int]:
    tables = run.query(
        "select database, name from system.tables where database in ('{raw}', '{marts}', 'staging', 'intermediate') "
        "and engine not in ('View')"
    )
    return {
        f"{t['database']}.{t['name']}": run.query(
            f"select count() as n from `{t['database']}`.`{t['name']}`"
        )[0]["n"]
        for t in tables
        if t["name"] not in RUN_LOGS
    }


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_running_twice_changes_no_row_count_and_no_export_byte(tmp_path: Path) -> None:
    run = Run(tmp_path, seed=5)
    assert run.run().success
    counts, exports = _table_counts(run), _digests(run.exports)
    first_checks = run.query("select count() as n from `{marts}`.dq_results")[0]["n"]
    assert first_checks > 100  # every dbt test and conservation check of the run
    second = run.run()
    assert second.success
    assert all(
        t["rows_loaded"] == 0 and t["files_already_loaded"] == t["files"] for t in second.feeds.values()
    )
    assert _table_counts(run) == counts
    assert _digests(run.exports) == exports
    checks = run.query("select count() as n, uniqExact(run_id) as runs from `{marts}`.dq_results")[0]
    assert checks == {"n": 2 * first_checks, "runs": 2}  # each run recorded its checks once

    # A settlement file re-delivered under another name, overlapping what was loaded, adds nothing.
    settlements = run.data / "settlements" / "razorpay"
    first_file = sorted(settlements.glob("*.csv"))[0]
    lines = first_file.read_text().splitlines(keepends=True)
    (settlements / "redelivered.csv").write_text("".join(lines[: max(2, len(lines) // 2)]))
    third = run.run()
    assert third.success
    assert third.feeds["razorpay_settlements"]["rows_loaded"] == 0
    assert third.feeds["razorpay_settlements"]["rows_skipped"] == max(1, len(lines) // 2 - 1)
    assert _table_counts(run) == counts
    assert _digests(run.exports) == exports

    # The bank statement downloaded again for days already loaded, under another name: nothing added, the
    # settlements credited on those days stay matched (exports unchanged).
    bank = run.data / "bank"
    statement = sorted(bank.glob("statement_*.csv"))[0]
    header, *rows = statement.read_text().splitlines(keepends=True)
    (bank / f"{statement.stem}_downloaded_again.csv").write_text(header + "".join(rows[len(rows) // 2 :]))
    fourth = run.run()
    assert fourth.success
    assert fourth.feeds["bank_statements"]["rows_loaded"] == 0
    assert fourth.feeds["bank_statements"]["rows_skipped"] == len(rows) - len(rows) // 2
    assert _table_counts(run) == counts
    assert _digests(run.exports) == exports


def test_csv_and_json_settlements_give_the_same_mart(tmp_path: Path) -> None:
    as_csv = Run(tmp_path / "csv", seed=11)
    as_json = tmp_path / "json-data"
    shutil.copytree(as_csv.data, as_json)
    settlements = as_json / "settlements" / "razorpay"
    numeric = {
        "debit",
        "credit",
        "amount",
        "fee",
        "tax",
        "on_hold",
        "settled",
        "created_at",
        "settled_at",
        "posted_at",
    }
    for path in sorted(settlements.glob("*.csv")):
        with path.open(newline="") as fh:
            items = [
                {k: (int(v) if k in numeric and v else v) for k, v in row.items()}
                | {"notes": json.loads(row["notes"] or "{}")}
                for row in csv.DictReader(fh)
            ]
        path.with_suffix(".json").write_text(
            json.dumps({"entity": "collection", "count": len(items), "items": items})
        )
        path.unlink()
    mart_only = (f"marts/{MART}",)  # what the two runs are compared on, and what it needs; nothing else
    assert as_csv.run(only=mart_only).success
    json_run = Run.__new__(Run)
    json_run.root, json_run.data, json_run.exports = tmp_path / "j", as_json, tmp_path / "j" / "exports"
    json_run.url = f"chdb://{tmp_path / 'j' / 'warehouse'}"
    assert json_run.run(only=mart_only).success
    select = f"select * from {{marts}}.{MART} order by entity_type, entity_id"
    assert as_csv.query(select) == json_run.query(select)
