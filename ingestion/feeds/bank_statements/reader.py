"""Reads a bank statement CSV in Python (a small feed): dates DD/MM/YYYY, amounts in rupees."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingestion import parsers as p
from ingestion.csv_source import csv_records
from ingestion.feeds.bank_statements.spec import SPEC
from ingestion.feeds.base import LoadContext
from ingestion.records import Record, RowError
from ingestion.spec import TableSpec

COLUMNS = list(SPEC.header())


def parse_line(f: dict[str, str], tenant_id: str, account_file: str) -> dict[str, Any]:
    debit = p.rupees_to_paise("debit", f["debit"])
    credit = p.rupees_to_paise("credit", f["credit"])
    if debit < 0 or credit < 0:
        raise RowError("debit and credit must not be negative")
    if not f["debit"].strip() and not f["credit"].strip():
        raise RowError("the line has neither a debit nor a credit; expected one of them")
    if debit and credit:
        raise RowError("a statement line has both a debit and a credit; expected one of them")
    if not f["balance"].strip():
        raise RowError("column 'balance' is empty; expected the running balance in rupees")
    return {
        "tenant_id": tenant_id,
        "account_file": account_file,
        "txn_date": p.ddmmyyyy("txn_date", f["txn_date"]),
        "value_date": p.ddmmyyyy("value_date", f["value_date"] or f["txn_date"]),
        "narration": p.text("narration", f["narration"], required=True),
        "ref_no": p.text("ref_no", f["ref_no"]),
        "debit_paise": debit,
        "credit_paise": credit,
        "balance_paise": p.rupees_to_paise("balance", f["balance"]),
    }


class BankStatementsReader:
    kind = "python"

    def records(self, path: Path, table: TableSpec, context: LoadContext) -> Iterator[Record]:
        yield from csv_records(path, COLUMNS, lambda f: parse_line(f, context.tenant_id, path.stem))
