"""The PDF branch statements and settlement advices as a person sees them: written from a real chDB
warehouse by real reportlab, then read back by poppler (`pdfinfo` pages, `pdftotext` text and word boxes,
`pdftoppm` PNGs). The PNGs stay under build/artifacts/pdf/ (ignored by git) for a person to look at."""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from reportlab.platypus import Table
from support.paths import MYMEDIC

from core.money import format_rupees
from core.pdf_fonts import font_files
from core.settings import PROJECT_ROOT, WAREHOUSE_ENV
from core.warehouse import Warehouse
from exports.pdf import FontMissing, layout, write_branch_statements, write_settlement_advices
from exports.pdf.branch_statement import PAGESIZE, statement_story
from exports.pdf.statement_data import branch_days, chosen_branches, month_rows

TOOLS = ("pdftoppm", "pdftotext", "pdfinfo")
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(bool(missing), reason=f"{', '.join(missing)} not installed (poppler-utils)")
ARTIFACTS = PROJECT_ROOT / "build" / "artifacts" / "pdf"
OCTOBER = date(2026, 10, 1)
EXPORT_ID = "exp_test_0001"
GENERATED = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # 09:30 IST
LONG_BRANCH = "br_long"
LONG_ROWS = 150  # exceptions: several landscape pages


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120).stdout


def long_list(row_factory) -> list[dict[str, Any]]:
    return [
        row_factory(LONG_BRANCH, "payment", f"pay_L{i:05d}", "settlement_overdue", booked=100_000 + i,
                    age=3 + i % 20, bucket="3-7d",
                    reason=f"not in any settlement {3 + i % 20} days after capture; due 2026-10-{1 + i % 28:02d}",
                    event_at=datetime(2026, 10, 2, 6, tzinfo=UTC) + timedelta(minutes=i))
        for i in range(LONG_ROWS)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def rows(mart_rows: list[dict[str, Any]], make_row) -> list[dict[str, Any]]:
    return mart_rows + long_list(make_row)


@pytest.fixture(scope="module")
def written(module_warehouse: Warehouse, make_mart, rows, tmp_path_factory) -> dict[str, Any]:
    """Every statement and advice, with each PDF's pages as text and PNG, and a second writing."""
    make_mart(module_warehouse, rows)
    folder = tmp_path_factory.mktemp("pdf")
    args = {"export_id": EXPORT_ID, "generated_at": GENERATED}
    statements = write_branch_statements(module_warehouse, folder / "a", OCTOBER, **args)
    advices = write_settlement_advices(module_warehouse, folder / "a", **args)
    again = write_branch_statements(module_warehouse, folder / "b", OCTOBER, **args)
    again += write_settlement_advices(module_warehouse, folder / "b", **args)
    pngs = folder / "png"
    pages: dict[str, list[str]] = {}
    for pdf in [*statements, *advices]:
        count = int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(pdf)), re.M)[1])
        pages[pdf.stem] = [
            run("pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-")
            for n in range(1, count + 1)
        ]
        target = pngs / pdf.parent.name
        target.mkdir(parents=True, exist_ok=True)
        run("pdftoppm", "-png", "-r", "80", str(pdf), str(target / pdf.stem))
        shutil.copy2(pdf, target / pdf.name)
    # kept for people to look at; xdist may run this fixture in two workers: both copy the same bytes
    with contextlib.suppress(OSError):  # a convenience: another worker may be replacing it right now
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        shutil.copytree(pngs, ARTIFACTS, dirs_exist_ok=True)
    print(f"\nPDF pages as PNG: {pngs} (copied to {ARTIFACTS})")
    return {"statements": statements, "advices": advices, "again": again, "pages": pages, "pngs": pngs}


def flat(text: str) -> str:
    return " ".join(text.split())


def test_one_statement_per_branch_and_one_advice_per_settlement(written) -> None:
    assert [p.relative_to(p.parents[2]).as_posix() for p in written["statements"]] == [
        "statements/2026-10/br_blr.pdf", "statements/2026-10/br_long.pdf", "statements/2026-10/br_pune.pdf",
    ]  # fmt: skip
    assert sorted(p.name for p in written["advices"]) == ["setl_br_blr_1.pdf", "setl_br_pune_1.pdf"]
    for pdf in [*written["statements"], *written["advices"]]:
        pngs = sorted((written["pngs"] / pdf.parent.name).glob(f"{pdf.stem}-*.png"))
        assert len(pngs) == len(written["pages"][pdf.stem]) >= 1
        assert all(png.stat().st_size > 5_000 for png in pngs)


def test_every_page_says_page_x_of_y_and_the_export_id(written) -> None:
    for name, pages in written["pages"].items():
        for number, text in enumerate(pages, 1):
            assert f"Page {number} of {len(pages)}" in text, name
            assert f"export {EXPORT_ID}" in text, name


def test_statement_cover_says_who_when_and_what_it_holds(written) -> None:
    cover = flat(written["pages"]["br_blr"][0])
    for expected in ("Branch reconciliation statement", "t_acme", "Indiranagar Clinic", "br_blr",
                     "01 October 2026 – 31 October 2026", "01 Nov 2026, 09:30 IST", EXPORT_ID,
                     "It holds no patient names and no clinical data", "Confidential financial data"):  # fmt: skip
        assert expected in cover, expected


def test_statement_totals_are_signed_in_indian_grouping(written, rows) -> None:
    text = flat(" ".join(written["pages"]["br_blr"]))
    october = [r for r in rows if r["branch_id"] == "br_blr" and r["event_date"] >= OCTOBER]
    net = sum(r["net_settled_paise"] or 0 for r in october)
    booked = sum(
        (-1 if r["entity_type"] == "refund" else 1) * (r["booked_amount_paise"] or 0) for r in october
    )
    assert format_rupees(net) in text and format_rupees(booked) in text
    assert "-₹1,23,45,678.90" in text  # the crore refund, negative, in lakhs and crores
    assert re.search(r"All statuses All types 8 -₹1,13,42,009\.41 ", text), text
    assert "pay_ORPH1" not in text  # its gateway line is from September


def test_statement_lists_exceptions_with_reasons_and_aging(written) -> None:
    text = flat(" ".join(written["pages"]["br_blr"]))
    assert "Exceptions (4)" in text
    for reason in ("refund 1,23,45,678.90 overdue", "gateway amount 450.00 differs from booked 500.00",
                   "fee ₹40.00 differs from expected ₹19.99"):  # fmt: skip
        assert reason in text
    assert "8-30d" in text and "3-7d" in text
    assert "pay_B3" not in text.split("Exceptions (4)")[1]  # in transit: not an exception


def test_settlements_by_day_show_utr_and_whether_the_bank_ties(written) -> None:
    blr, pune = (flat(" ".join(written["pages"][b])) for b in ("br_blr", "br_pune"))
    assert "setl_br_blr_1 UTIBN6202610030642" in blr and "₹9,79,369.81" in blr and "1 of 1" in blr
    assert "₹1,000.00" in pune and "-₹336.18" in pune and " NO " in pune


def test_a_long_exception_list_repeats_its_header_on_every_page(written) -> None:
    pages = written["pages"][LONG_BRANCH]
    listed = [p for p in pages if "pay_L" in p]
    assert len(listed) >= 3
    for page in listed:
        assert re.search(r"Status\s+Type\s+Razorpay\s+Booking ID\s.*Reason", page), page
    assert all(f"pay_L{i:05d}" in " ".join(pages) for i in range(LONG_ROWS))


def test_settlement_advice_has_its_lines_totals_and_bank_tie(written) -> None:
    blr = flat(" ".join(written["pages"]["setl_br_blr_1"]))
    for expected in ("Settlement advice", "setl_br_blr_1", "UTIBN6202610030642", "Indiranagar Clinic (br_blr)",
                     "2026-10-03", "Yes: the bank credited the payout in full", "pay_B6", "₹10,00,519.00"):  # fmt: skip
        assert expected in blr, expected
    # the hand-built mart's lines add up to more than the branch day's payout: said, not hidden
    assert "Lines' net ₹9,79,813.92: ₹444.11 more than the payout" in blr
    pune = flat(" ".join(written["pages"]["setl_br_pune_1"]))
    assert "No: the bank credited ₹336.18 less than the payout" in pune
    assert "rfnd_P1" in pune and "-₹123.45" in pune and "5 lines" in pune
    assert "₹1,336.18" in pune  # the payout: lines' net


def test_no_word_is_outside_the_page_margins(written) -> None:
    """Nothing clipped or run off the page: every word poppler finds lies inside the margins (give or take
    2 pt: poppler's word boxes end up to ~1.5 pt past where reportlab's pen stops)."""
    for pdf in [*written["statements"], *written["advices"]]:
        boxes = run("pdftotext", "-bbox", str(pdf), "-")
        for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, re.S):
            width, height = float(page[1]), float(page[2])
            for word in re.finditer(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page[3]
            ):
                x0, y0, x1, y1 = map(float, word.groups()[:4])
                assert x0 >= layout.MARGIN - 2 and x1 <= width - layout.MARGIN + 2, (
                    pdf.name,
                    html.unescape(word[5]),
                )
                assert y0 > 0 and y1 < height, (pdf.name, word[5])


def test_every_table_fits_the_frame(module_warehouse: Warehouse, written) -> None:
    width = layout.frame_width(PAGESIZE)
    for branch in chosen_branches(module_warehouse, None):
        story = statement_story(
            branch, OCTOBER, month_rows(module_warehouse, branch.branch_id, OCTOBER),
            branch_days(module_warehouse, branch.branch_id, OCTOBER), export_id=EXPORT_ID, generated_at=GENERATED,
        )  # fmt: skip
        tables = [f for f in story if isinstance(f, Table)]
        assert len(tables) >= 4
        for table in tables:
            assert table.wrap(width, 500)[0] <= width + 0.01


def test_huge_amounts_shrink_the_text_instead_of_passing_the_margin() -> None:
    width = layout.frame_width(PAGESIZE)
    columns = [layout.Column(f"Amount {i} (₹)", numeric=True) for i in range(9)]
    row = [format_rupees(-99_99_99_999_99) for _ in columns]  # -₹99,99,99,999.99
    size, widths = layout.fitted_widths(columns, [row], width)
    assert size < layout.TABLE_SIZE and sum(widths) <= width
    with pytest.raises(ValueError, match="needs"):
        layout.data_table([*columns, *columns], [row + row], width=width)


def test_same_data_and_export_give_the_same_bytes(written) -> None:
    first = [*written["statements"], *written["advices"]]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in written["again"]]
    assert b"/CreationDate (D:20261101093000+05'30')" in first[0].read_bytes()


def test_another_generated_at_changes_the_document(module_warehouse: Warehouse, written, tmp_path) -> None:
    later = write_branch_statements(module_warehouse, tmp_path, OCTOBER, branches=["br_pune"],
                                    export_id=EXPORT_ID, generated_at=GENERATED + timedelta(hours=1))  # fmt: skip
    assert later[0].read_bytes() != written["statements"][2].read_bytes()


def test_unknown_branch_and_bad_month_fail_in_one_line(
    module_warehouse: Warehouse, written, tmp_path
) -> None:
    with pytest.raises(LookupError, match="branch br_nope is not in the marts"):
        write_branch_statements(module_warehouse, tmp_path, OCTOBER, branches=["br_nope"],
                                export_id=EXPORT_ID, generated_at=GENERATED)  # fmt: skip
    with pytest.raises(ValueError, match="not the first day of a month"):
        write_branch_statements(module_warehouse, tmp_path, date(2026, 10, 2), export_id=EXPORT_ID,
                                generated_at=GENERATED)  # fmt: skip
    with pytest.raises(LookupError, match="settlement setl_nope is not in"):
        write_settlement_advices(module_warehouse, tmp_path, settlement_ids=["setl_nope"],
                                 export_id=EXPORT_ID, generated_at=GENERATED)  # fmt: skip
    assert not list(tmp_path.rglob("*.pdf"))


def test_a_missing_font_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(FontMissing, match=r"DejaVuSans.ttf not found: install fonts-dejavu-core") as caught:
        font_files(tmp_path)
    assert "\n" not in str(caught.value)


def test_cli_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    env = {**os.environ, WAREHOUSE_ENV: f"chdb://{tmp_path / 'empty'}"}
    for args, message in (
        (["--month", "2026-13"], "error: --month '2026-13' is not a month; use YYYY-MM"),
        (["--month", "2026-10"], "does not exist: build the marts (dbt) before exporting"),
    ):
        done = subprocess.run([MYMEDIC, "export", "statements", *args, "--exports", str(tmp_path)],
                              capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
        assert done.returncode == 1 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
