"""The finance workbook as a person sees it: LibreOffice renders it to PDF, poppler to PNG and text.

Skipped where LibreOffice (`soffice`) or poppler (`pdftoppm`, `pdftotext`) is not installed
(`apt-get install libreoffice-calc poppler-utils`). The PNGs stay in the test's tmp folder to look at.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.warehouse import Warehouse
from exports import write_finance_exports

TOOLS = ("soffice", "pdftoppm", "pdftotext")
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(
    bool(missing),
    reason=f"{', '.join(missing)} not installed (apt-get install libreoffice-calc poppler-utils)",
)
RENDER_TIMEOUT = 300


@pytest.fixture(scope="module")
def rendered(
    module_warehouse: Warehouse, make_mart, mart_rows: list[dict[str, Any]], tmp_path_factory
) -> tuple[str, list[Path]]:
    """The workbook's PDF as text, and its first pages as PNGs."""
    make_mart(module_warehouse, mart_rows)
    folder = tmp_path_factory.mktemp("render")
    _, xlsx = write_finance_exports(module_warehouse, folder, as_of=date(2026, 10, 30))
    profile = (folder / "lo-profile").as_uri()  # its own LibreOffice profile: runs side by side
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir",
         str(folder), str(xlsx)],
        check=True, capture_output=True, timeout=RENDER_TIMEOUT,
    )  # fmt: skip
    pdf = folder / "payment_reconciliation.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "4", str(pdf), str(folder / "page")],
        check=True,
        timeout=RENDER_TIMEOUT,
    )
    return text, sorted(folder.glob("page*.png"))


def test_pages_render(rendered) -> None:
    _, pages = rendered
    assert len(pages) == 4
    assert pages[0].stat().st_size > 20_000  # the Summary page: a title, notes and two tables


def test_rendered_amounts_times_and_headers(rendered) -> None:
    text, _ = rendered
    assert "Payment reconciliation — t_acme — as of 2026-10-30" in text
    for header in ("Booked amount (₹)", "booked_amount (₹)", "settled_at (IST)", "exception_reason"):
        assert header in text
    assert "₹750.50" in text  # pay_B2, booked 75050 paise
    assert "₹1,020.50" in text  # pay_P3, booked 102050 paise
    assert "2026-10-04 01:30:00" in text  # pay_B1: 20:00 UTC on 3 October is 01:30 IST on the 4th
    assert "=bank credit 1,000.00 differs from settlement net 996.42" in text
