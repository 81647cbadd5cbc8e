"""Fixing a quarantined record with a corrected file (ingestion/quarantine_fixes.py), on a real chDB: the fix is
an ordinary load of its own, the quarantined record is kept, and only a load that quarantines nothing closes
it. A corrected file that is still wrong, empty, already loaded or for a record already fixed says so."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.data_dir import load_feed
from ingestion.feeds import feed_named
from ingestion.quarantine import open_records, quarantined_record
from ingestion.quarantine_fixes import FixRefused, fix_record
from sampledata.sample import write_sample

AT = datetime(2026, 10, 5, 4, 0, tzinfo=UTC)
HEADER = "txn_date,value_date,narration,ref_no,debit,credit,balance"


def test_a_fix_is_a_load_of_its_own_and_closes_the_record_only_when_it_quarantines_nothing(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    write_sample(data, branches=1, days=3, start=date(2026, 10, 1), bookings_per_branch_day=5, messages=False)
    statement = next((data / "bank").glob("statement_*.csv"))
    lines = statement.read_text().splitlines()
    good = lines[1]
    lines[1] = good.replace("01/10/2026", "31/09/2026")
    statement.write_text("\n".join(lines) + "\n")
    for feed in ("reference", "bank_statements"):
        load_feed(warehouse, data, feed_named(feed))
    warehouse.command("drop table raw.quarantine_fixes")  # as loaded before fixes existed: all still open
    (record,) = open_records(warehouse, "bank_statements")
    assert record.line == 2 and "DD/MM/YYYY" in record.reason
    fix = {"batch_id": record.batch_id, "line": 2, "actor": "staff:op-1"}

    with pytest.raises(LookupError):
        fix_record(warehouse, data, **{**fix, "line": 99}, corrected=b"x", at=AT)
    with pytest.raises(FixRefused, match="empty"):
        fix_record(warehouse, data, **fix, corrected=b"\n", at=AT)
    loaded_before = fix_record(warehouse, data, **fix, corrected=statement.read_bytes(), at=AT)
    assert not loaded_before.fixed and "loaded before" in loaded_before.message
    assert not list(statement.parent.glob("*.fix-*"))  # nothing was loaded, so nothing is left behind

    still_wrong = fix_record(warehouse, data, **fix, corrected=f"{HEADER}\n{lines[1]}\n".encode(), at=AT)
    assert not still_wrong.fixed and "quarantined 1 of 1" in still_wrong.message
    assert (still_wrong.load.rows_read, still_wrong.load.rows_quarantined) == (
        1,
        1,
    ) and still_wrong.load.conserved
    assert quarantined_record(warehouse, record.batch_id, 2).open  # type: ignore[union-attr]

    later = AT.replace(minute=5)
    fixed = fix_record(warehouse, data, **fix, corrected=f"{HEADER}\n{good}\n".encode(), at=later)
    assert fixed.fixed and fixed.corrected_file == f"bank/{statement.stem}.fix-2-20261005T040500Z.csv"
    assert (fixed.load.rows_read, fixed.load.rows_loaded, fixed.load.rows_quarantined) == (1, 1, 0)
    account = warehouse.scalar(
        "select any(account_number) from raw.bank_statement_lines where _source_file = {f:String}",
        {"f": fixed.corrected_file},
    )
    assert account == statement.stem.split("_")[1]  # read from the name as the original's was
    after = quarantined_record(warehouse, record.batch_id, 2)
    assert after is not None and not after.open and after.fixed_by == "staff:op-1"
    assert after.raw_line == record.raw_line  # the quarantined record is kept as it was
    # the still-wrong attempt's own record is open; the fixed one is not
    assert [(r.file, r.line) for r in open_records(warehouse, "bank_statements")] == [
        (still_wrong.corrected_file, 2)
    ]
    with pytest.raises(FixRefused, match="fixed already"):
        fix_record(warehouse, data, **fix, corrected=f"{HEADER}\n{good}\n".encode(), at=later)
    # a later run of the pipeline finds the corrected files loaded already
    assert {r.status for r in load_feed(warehouse, data, feed_named("bank_statements"))} == {"already_loaded"}
