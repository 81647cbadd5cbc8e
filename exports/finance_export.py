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
from exports.reconciliation_workbook import ReconciliationWorkbook

FINANCE_FOLDER = "finance"
CSV_NAME = "payment_reconciliation.csv"
XLSX_NAME = "payment_reconciliation.xlsx"


def write_finance_exports(
    warehouse: Warehouse, exports_dir: Path, *, as_of: date | None = None
) -> list[Path]:
    """Write `<exports_dir>/finance/payment_reconciliation.{csv,xlsx}` and return their paths.

    Both files come from one ordered read of `marts.fct_payment_reconciliation`, streamed block by
    block into both at once, so they agree with each other and memory stays flat. They are written
    beside their final names and moved into place only when both are complete. `as_of` (the date the
    workbook title states and its document time) defaults to the latest IST date in the raw feeds.
    Running twice on the same data writes the same bytes.
    """
    reader = MartReader(warehouse)
    columns = reader.columns()
    if as_of is None:
        as_of = latest_data_date(warehouse)  # before streaming: chDB runs one query at a time

    folder = Path(exports_dir) / FINANCE_FOLDER
    csv_path, xlsx_path = folder / CSV_NAME, folder / XLSX_NAME
    with AtomicFiles() as files:
        csv_temp = files.temp_for(csv_path)
        xlsx_temp = files.temp_for(xlsx_path)
        xlsx_scratch = files.scratch(xlsx_path, note="xlsxwriter.")
        workbook = ReconciliationWorkbook(columns, work_dir=folder)
        try:
            with (
                CsvTable(csv_temp, [c.name for c in columns]) as csv_table,
                closing(reader.row_blocks(columns)) as blocks,
            ):
                for block in blocks:
                    csv_table.write_rows(block)
                    workbook.add_rows(block)
            workbook.save(xlsx_temp, scratch=xlsx_scratch, as_of=as_of, source=reader.display_name)
        except BaseException:
            workbook.discard()
            raise
    return [csv_path, xlsx_path]
