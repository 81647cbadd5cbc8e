"""`python -m benchmarks.pdf_statement [--rows 10000]`: seconds to write one branch statement whose
exceptions list has --rows rows (the figure is printed, never asserted).

Builds a throwaway chDB warehouse holding a reconciliation mart of only the columns the statement reads,
one branch, every row an overdue refund with a realistic reason, then times `write_branch_statements`
(the query, the summary, the layout and reportlab's rendering) and prints seconds, pages and bytes.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from core.settings import warehouse_settings
from core.warehouse import Warehouse, open_warehouse
from exports.pdf import write_branch_statements
from exports.pdf.statement_data import ROW_COLUMNS

TYPES = {
    "booked_amount_paise": "Nullable(Int64)", "gateway_amount_paise": "Nullable(Int64)",
    "fee_paise": "Nullable(Int64)", "tax_paise": "Nullable(Int64)", "net_settled_paise": "Nullable(Int64)",
    "event_date": "Date", "age_days": "Int64", "settled_at": "Nullable(DateTime('UTC'))",
    "bank_credit_date": "Nullable(Date)",
}  # fmt: skip
MONTH = date(2026, 10, 1)


def build_mart(warehouse: Warehouse, rows: int) -> None:
    marts = warehouse.db("marts")
    warehouse.command(f"create database if not exists `{marts}`")
    columns = ", ".join(f"`{c}` {TYPES.get(c, 'String')}" for c in ROW_COLUMNS)
    warehouse.command(
        f"create table `{marts}`.fct_payment_reconciliation ({columns}) engine = MergeTree order by tuple()"
    )
    data = []
    for i in range(rows):
        day = MONTH + timedelta(days=i % 30)
        age = 5 + i % 25
        values = {
            "tenant_id": "t_bench", "branch_id": "br_bench", "status": "settlement_overdue", "entity_type": "refund",
            "booked_amount_paise": 10_000 + i, "entity_id": f"rfnd_{i:014d}", "booking_id": f"bk_{i:014d}",
            "payment_id": f"pay_{i:014d}", "event_date": day, "age_days": age, "aging_bucket": "8-30d",
            "exception_reason": f"refund initiated {day} IST is in no settlement after {age} days, beyond the "
                                "refund SLA of 7 days; chase Razorpay so the patient is paid back",
        }  # fmt: skip
        data.append([values.get(c) if c in TYPES else values.get(c, "") for c in ROW_COLUMNS])
    warehouse.client.insert(f"{marts}.fct_payment_reconciliation", data, column_names=list(ROW_COLUMNS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, open_warehouse(warehouse_settings(f"chdb://{work}/wh")) as w:
        build_mart(w, args.rows)
        started = time.perf_counter()
        (pdf,) = write_branch_statements(w, Path(work), MONTH, export_id="bench",
                                         generated_at=datetime(2026, 11, 1, tzinfo=UTC))  # fmt: skip
        seconds = time.perf_counter() - started
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = re.search(r"^Pages:\s+(\d+)", info, re.M)
        print(f"branch statement, {args.rows:,} exceptions: {seconds:.1f} s, "
              f"{pages[1] if pages else '?'} pages, {pdf.stat().st_size / 1e6:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
