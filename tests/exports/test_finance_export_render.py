"""The finance workbook as a person sees it: LibreOffice renders it to PDF, poppler to PNG and text.

Skipped where LibreOffice (`soffice`) or poppler (`pdftoppm`, `pdftotext`, `pdfinfo`) is not installed
(`apt-get install libreoffice-calc poppler-utils`). The PNGs of every page stay in the test's tmp folder
and are copied to build/artifacts/finance-render/ (ignored by git) for review; the test prints where.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.money import format_rupees
from core.settings import PROJECT_ROOT
from core.warehouse import Warehouse
from exports import write_finance_exports

TOOLS = ("soffice", "pdftoppm", "pdftotext", "pdfinfo")
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(
    bool(missing),
    reason=f"{', '.join(missing)} not installed (apt-get install libreoffice-calc poppler-utils)",
)
RENDER_TIMEOUT = 300
ARTIFACTS = PROJECT_ROOT / "build" / "artifacts" / "finance-render"
SUMMARY_HEADERS = ("Branch", "Status", "Type", "Count", "Booked (₹)", "Fee incl. GST (₹)", "Net settled (₹)")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=RENDER_TIMEOUT).stdout


@pytest.fixture(scope="module")
def rendered(
    module_warehouse: Warehouse, make_mart, mart_rows: list[dict[str, Any]], tmp_path_factory
) -> tuple[Path, list[str], list[Path]]:
    """The workbook's PDF, the text of each page, and a PNG of each page."""
    make_mart(module_warehouse, mart_rows)
    folder = tmp_path_factory.mktemp("render")
    _, xlsx = write_finance_exports(module_warehouse, folder, as_of=date(2026, 10, 30))
    profile = (folder / "lo-profile").as_uri()  # its own LibreOffice profile: runs side by side
    run("soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir",
        str(folder), str(xlsx))  # fmt: skip
    pdf = folder / "payment_reconciliation.pdf"
    pages = int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(pdf)), re.M)[1])
    texts = [
        run("pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-") for n in range(1, pages + 1)
    ]
    run("pdftoppm", "-png", "-r", "90", str(pdf), str(folder / "page"))
    pngs = sorted(folder.glob("page*.png"))
    if ARTIFACTS.parent.parent.is_dir() or PROJECT_ROOT.joinpath(".git").exists():
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for png in [*pngs, pdf]:
            shutil.copy2(png, ARTIFACTS / png.name)
    print(f"\nrendered pages: {folder} (copied to {ARTIFACTS})")
    return pdf, texts, pngs


def sheet_of(text: str) -> str:
    """The sheet a page shows, from its footer (`<sheet> ... Page n of N`)."""
    footer = [line for line in text.splitlines() if "Page " in line and " of " in line][-1]
    return footer.split("  ")[0].strip()


def test_every_page_renders_landscape_and_is_kept(rendered) -> None:
    pdf, texts, pngs = rendered
    assert len(pngs) == len(texts) >= 7
    assert all(png.stat().st_size > 10_000 for png in pngs)
    width, height = map(
        float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", run("pdfinfo", str(pdf))).groups()
    )
    assert width > height  # landscape
    assert sorted(p.name for p in ARTIFACTS.glob("page*.png")) == sorted(p.name for p in pngs)


def test_summary_fits_one_page_wide_with_readable_headers(rendered) -> None:
    _, texts, _ = rendered
    summary = [t for t in texts if sheet_of(t) == "Summary"]
    assert summary, "no page shows the Summary"
    first = summary[0]
    assert "Payment reconciliation — t_acme — as of 2026-10-30" in first
    # every column's header on one line of the first page: nothing spilled onto a page to the right
    header = next(
        line for line in first.splitlines() if line.lstrip().startswith("Branch") and "Count" in line
    )
    for text in SUMMARY_HEADERS:
        assert text in header, (text, header)
    # and no Summary page is a continuation to the right (one without the Branch column)
    assert all("All branches" in t or "(br_" in t for t in summary)


def test_amounts_read_the_indian_way(rendered) -> None:
    _, texts, _ = rendered
    text = "\n".join(texts)
    # ₹10,00,519.00 (Detail), the overdue refunds on the Summary: -₹1,23,45,878.90, a refund, an adjustment
    for paise in (100051900, 1234567890, -(1234567890 + 20000), 102050, -12345, -2500):
        assert format_rupees(paise) in text, format_rupees(paise)
    assert "1,000,519" not in text and "###" not in text


def test_sheets_show_readable_headers_and_ist_times(rendered) -> None:
    _, texts, _ = rendered
    by_sheet: dict[str, str] = {}
    for text in texts:
        by_sheet[sheet_of(text)] = by_sheet.get(sheet_of(text), "") + text
    assert set(by_sheet) >= {"Summary", "Exceptions", "Open items", "Detail", "Branch settlements",
                             "Quarantine", "Legend"}  # fmt: skip
    assert "Razorpay ID" in by_sheet["Exceptions"] and "Reason" in by_sheet["Exceptions"]
    assert "in_transit" not in by_sheet["Exceptions"] and "in_transit" in by_sheet["Open items"]
    assert "2026-10-04 01:30:00" in by_sheet["Detail"]  # pay_B1: 20:00 UTC on 3 October, in IST
    assert "=bank credit 1,000.00 differs from settlement net 996.42" in by_sheet["Exceptions"]
    assert "patient-linked" in by_sheet["Quarantine"] and "only INR settlements" in by_sheet["Quarantine"]
    assert "what to do" in by_sheet["Legend"].lower() and "orphan_gateway_line" in by_sheet["Legend"]
