"""The finance export: the payment reconciliation mart as a CSV file and an Excel workbook."""

from __future__ import annotations

from contextlib import closing
from datetime import date
from pathlib import Path

from core.atomic_files import AtomicFiles
from core.warehouse import Warehouse
from exports.as_of_date import latest_data_date
from exports.csv_table import CsvTable
from exports.mart_reader import MartReader
from exports.quarantine_rows import quarantine_blocks
from exports.reconciliation_workbook import ReconciliationWorkbook

FINANCE_FOLDER = "finance"
CSV_NAME = "payment_reconciliation.csv"
XLSX_NAME = "payment_reconciliation.xlsx"
BRANCH_DAYS_TABLE = "fct_branch_daily_settlements"
BRANCH_DAYS_KEY = ("tenant_id", "branch_id", "settlement_date")


def write_finance_exports(
    warehouse: Warehouse, exports_dir: Path, *, as_of: date | None = None
) -> list[Path]:
    """Write `<exports_dir>/finance/payment_reconciliation.{csv,xlsx}` and return their paths.

    Both files come from one ordered read of `marts.fct_payment_reconciliation` (with the columns for
    people, `exports.export_columns`, computed in the same query), streamed block by block into both at
    once, so they agree with each other and memory stays flat. The workbook then reads the branch-day
    settlements and the quarantine. The files are written beside their final names and moved into place
    only when both are complete. `as_of` (the date the workbook title states and its document time)
    defaults to the mart's as-of date. Running twice on the same data writes the same bytes.
    """
    reader = MartReader(warehouse)
    columns = reader.columns()
    exported = reader.export_columns(columns)
    if as_of is None:
        as_of = latest_data_date(warehouse)  # before streaming: chDB runs one query at a time
    branch_days = MartReader(warehouse, BRANCH_DAYS_TABLE, sort_key=BRANCH_DAYS_KEY)
    day_columns = branch_days.columns() if branch_days.exists() else None

    folder = Path(exports_dir) / FINANCE_FOLDER
    csv_path, xlsx_path = folder / CSV_NAME, folder / XLSX_NAME
    with AtomicFiles() as files:
        csv_temp = files.temp_for(csv_path)
        xlsx_temp = files.temp_for(xlsx_path)
        xlsx_scratch = files.scratch(xlsx_path, note="xlsxwriter.")
        workbook = ReconciliationWorkbook(exported, work_dir=folder)
        try:
            with (
                CsvTable(csv_temp, [c.name for c in exported]) as csv_table,
                closing(reader.row_blocks(columns, exported)) as blocks,
            ):
                for block in blocks:
                    csv_table.write_rows(block)
                    workbook.add_rows(block)
            if day_columns is not None:
                shown = [c for c in branch_days.export_columns(day_columns) if c.on_sheets]
                sheet = workbook.start_branch_days(shown)
                with closing(branch_days.row_blocks(day_columns, shown)) as blocks:
                    for block in blocks:
                        sheet.add_rows(block)
            with closing(quarantine_blocks(warehouse)) as blocks:
                for block in blocks:
                    workbook.quarantine.add_rows(block)
            workbook.save(xlsx_temp, scratch=xlsx_scratch, as_of=as_of, source=reader.display_name)
        except BaseException:
            workbook.discard()
            raise
    return [csv_path, xlsx_path]
