"""The generator writes the bank statement in each bank profile's layout (`bank_profile=`): the loader
reads every line of it with nothing quarantined, the same lines as the default layout, under the same
account (from the header block there, the file name here), so the two deliveries dedup into one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.data_dir import load_feed
from ingestion.feeds.bank_statements import FEED as BANK_FEED
from ingestion.feeds.bank_statements.profile import BUILT_IN, DEFAULT
from sampledata import write_sample

SAMPLE = {"seed": 9, "branches": 1, "days": 8, "start": date(2026, 10, 1), "bookings_per_branch_day": 4}
PROFILES = sorted(p for p in BUILT_IN if p != DEFAULT)


def _lines(warehouse: Warehouse) -> list[tuple]:
    return warehouse.rows(
        "select account_number, txn_date, value_date, narration, ref_no, debit_paise, credit_paise, balance_paise "
        "from raw.bank_statement_lines order by txn_date, balance_paise, narration"
    )


@pytest.mark.parametrize("profile", PROFILES)
def test_each_profile_loads_the_same_lines_as_the_default(
    profile: str, warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse.command("drop database if exists raw")
    default = write_sample(tmp_path / "default", **SAMPLE)
    [plain] = load_feed(warehouse, tmp_path / "default", BANK_FEED)
    assert plain.rows_loaded == default["bank_lines"] and plain.rows_quarantined == 0
    expected = _lines(warehouse)

    summary = write_sample(tmp_path / profile, bank_profile=profile, **SAMPLE)
    [path] = BANK_FEED.files(tmp_path / profile)
    assert path.parent.name == profile and Path(summary["paths"]["bank"]) == path
    [result] = load_feed(warehouse, tmp_path / profile, BANK_FEED)
    # the same statement in the bank's layout: every line is read, and each is one already loaded
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (summary["bank_lines"], 0, 0)
    assert result.rows_skipped == summary["bank_lines"] and "header block" in result.note
    assert _lines(warehouse) == expected

    warehouse.command("drop database if exists raw")
    load_feed(warehouse, tmp_path / profile, BANK_FEED)
    assert _lines(warehouse) == expected
