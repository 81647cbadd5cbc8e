"""The files `mymedic dictionary` writes: Markdown, CSV and the workbook, from the real project."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zipfile import ZipFile

import pytest
from dictionary_project import manifest_models
from openpyxl import load_workbook
from typer.testing import CliRunner

from core.settings import DBT_PROJECT_DIR
from core.warehouse import export_audit
from dictionary.catalog import RAW, Catalog, build_catalog
from dictionary.manifest import ensure_manifest
from dictionary.rows import COLUMN_HEADER, MODEL_HEADER
from dictionary.workbook import save_workbook
from dictionary.writers import CSV_NAME, MARKDOWN_NAME, XLSX_NAME, write_dictionary
from ingestion.tables import SOURCE_TABLES
from mymedic.cli import app


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    out = tmp_path_factory.mktemp("dictionary-first")
    write_dictionary(catalog, out)
    return out


def csv_rows(folder: Path) -> list[dict[str, str]]:
    text = (folder / CSV_NAME).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_one_row_per_column_of_the_manifest(first: Path, manifest: dict[str, Any]) -> None:
    header = (first / CSV_NAME).read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(COLUMN_HEADER)
    rows = csv_rows(first)
    model_rows = [r for r in rows if r["layer"] != RAW]
    assert len(model_rows) == sum(len(n["columns"]) for n in manifest_models(manifest))
    raw_rows = [r for r in rows if r["layer"] == RAW]
    # every source table the platform writes (the feeds' tables, the quarantine, the ledger, the
    # data-quality history), from the specs, and the exports' audit table
    assert len(raw_rows) == sum(len(t.stored_columns) for t in SOURCE_TABLES) + len(export_audit.COLUMNS)
    quarantined = next(r for r in raw_rows if r["model"] == "quarantine" and r["column"] == "raw_line")
    assert "PHI" in quarantined["sensitivity"] and "linkable to a patient" in quarantined["sensitivity"]
    assert all(r["description"] for r in rows)
    patient = next(r for r in rows if r["model"] == "stg_booking__payments" and r["column"] == "patient_id")
    assert patient["sensitivity"] == "identity (PII)"
    status = next(r for r in rows if r["model"] == "fct_payment_reconciliation" and r["column"] == "status")
    assert (
        status["type"] == "String"
        and "not_null" in status["tests"]
        and "accepted_values [" in status["tests"]
    )


def test_two_runs_write_the_same_bytes(tmp_path: Path, first: Path) -> None:
    manifest = json.loads(ensure_manifest(DBT_PROJECT_DIR).read_text(encoding="utf-8"))
    write_dictionary(build_catalog(manifest), tmp_path)
    for name in (MARKDOWN_NAME, CSV_NAME, XLSX_NAME):
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes(), name
    with ZipFile(tmp_path / XLSX_NAME) as again:
        assert {i.date_time for i in again.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    properties = load_workbook(tmp_path / XLSX_NAME).properties
    assert properties.created == properties.modified == datetime(1980, 1, 1)
    assert not list(tmp_path.glob(".*.tmp"))


def test_markdown_has_a_section_per_layer_and_model(first: Path, catalog: Catalog) -> None:
    text = (first / MARKDOWN_NAME).read_text(encoding="utf-8")
    for layer in ("## Marts", "## Intermediate", "## Staging", "## Raw", "## Sensitivity rules"):
        assert f"\n{layer}" in text
    for model in catalog.models:
        assert f"\n### {model.name}\n" in text
    section = text.split("\n### fct_payment_reconciliation\n")[1].split("\n### ")[0]
    assert "- **Grain:** One row per captured payment" in section
    assert "| `fee_paise` | `Nullable(Int64)` |" in section and "| money |" in section
    assert "payment \\| refund \\| gateway_line" in section  # pipes in descriptions do not split the table


def test_workbook_has_filtered_columns_and_models_sheets(first: Path, catalog: Catalog) -> None:
    workbook = load_workbook(first / XLSX_NAME)
    assert workbook.sheetnames == ["Columns", "Models"]
    columns, models = workbook["Columns"], workbook["Models"]
    values = list(columns.values)
    assert values[0] == COLUMN_HEADER
    assert [tuple(v or "" for v in row) for row in values[1:]] == [tuple(r.values()) for r in csv_rows(first)]
    assert columns.freeze_panes == "A2" and columns.auto_filter.ref == f"A1:G{len(values)}"
    assert next(models.values) == MODEL_HEADER
    assert models.max_row == len(catalog.models) + 1
    assert models.freeze_panes == "A2" and models.auto_filter.ref
    assert workbook.properties.created == datetime(1980, 1, 1)


def test_workbook_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    save_workbook(
        tmp_path / "x.xlsx", [("Columns", ("column", "description"), [("net", "= credit - debit, paise")])]
    )
    cell = load_workbook(tmp_path / "x.xlsx").active["B2"]
    assert (cell.value, cell.data_type) == ("= credit - debit, paise", "s")
    assert cell.quotePrefix


def test_the_command_writes_the_three_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dictionary", "--out", str(tmp_path / "dd")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "dd").iterdir()) == sorted([MARKDOWN_NAME, CSV_NAME, XLSX_NAME])
