"""The reconciliation's "as of" date when the caller does not give one: the mart's own `as_of_date`
(docs/reconciliation.md: the `--as-of` date, else the latest IST date seen in the data), so the export never
reads upstream of the marts."""

from __future__ import annotations

from datetime import date

from core.warehouse import Warehouse

MARTS_DATABASE = "marts"
MART = "fct_payment_reconciliation"


def latest_data_date(warehouse: Warehouse) -> date | None:
    """The mart's as-of date, or None when the mart is missing or empty."""
    if not warehouse.table_exists(MARTS_DATABASE, MART):
        return None
    columns = {
        row[0]
        for row in warehouse.rows(
            "select name from system.columns where database = {db:String} and table = {t:String}",
            {"db": warehouse.db(MARTS_DATABASE), "t": MART},
        )
    }
    if "as_of_date" not in columns:
        return None
    latest = warehouse.scalar(f"select maxOrNull(as_of_date) from `{warehouse.db(MARTS_DATABASE)}`.`{MART}`")
    return latest if isinstance(latest, date) else None
