"""The rendered Detail cells, one value kind at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.money import rupees_text
from exports.mart_columns import ColumnKind
from exports.sheet_rows import ROW, RenderedColumn, RowRenderer, cell_xml, column_xml, rupee_style


def cell(kind: ColumnKind, value: object) -> str:
    """The cell both ways: alone, and in a block (where plain values take the fast path)."""
    alone = cell_xml(kind, 2)(value, "7")
    assert column_xml(kind, 2)([value]) == [cell_xml(kind, 2)(value, ROW)]
    return alone


def test_a_row_skips_empty_cells() -> None:
    renderer = RowRenderer([ColumnKind.TEXT, ColumnKind.MONEY_PAISE, ColumnKind.TEXT])
    assert renderer.rows(2, renderer.bodies([["a", None, ""], [None, 1, "=b"]])) == (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c></row>'
        '<row r="3"><c r="B3" s="6"><v>0.01</v></c><c r="C3" s="3" t="inlineStr"><is><t>=b</t></is></c></row>'
    )
    assert renderer.bodies([]) == [] and renderer.rows(2, []) == ""


def test_a_sheet_shows_its_own_columns_and_wrapped_text_makes_the_row_tall() -> None:
    renderer = RowRenderer(
        [RenderedColumn(2, ColumnKind.TEXT, wrap_width=10), RenderedColumn(0, ColumnKind.INTEGER)]
    )
    long = "a reason longer than ten chars"  # 30 characters: 3 lines at 11.5 a line
    assert renderer.rows(2, renderer.bodies([[7, "hidden", long], [8, "hidden", "short"]])) == (
        f'<row r="2" ht="45" customHeight="1"><c r="A2" s="4" t="inlineStr"><is><t>{long}</t></is></c>'
        '<c r="B2"><v>7</v></c></row>'
        '<row r="3"><c r="A3" s="4" t="inlineStr"><is><t>short</t></is></c><c r="B3"><v>8</v></c></row>'
    )


@pytest.mark.parametrize(
    ("paise", "style"),
    [
        (0, 6),
        (9_999_999, 6),  # ₹99,999.99
        (-9_999_999, 6),
        (10_000_000, 7),  # ₹1,00,000.00: lakhs
        (-999_999_999, 7),
        (1_000_000_000, 8),  # ₹1,00,00,000.00: crores
        (100_000_000_000, 9),  # ₹1,00,00,00,000.00: 100 crore
    ],
)
def test_money_takes_the_style_of_its_magnitude(paise: int, style: int) -> None:
    assert rupee_style(paise) == style
    assert cell(ColumnKind.MONEY_PAISE, paise) == f'<c r="C7" s="{style}"><v>{rupees_text(paise)}</v></c>'


@pytest.mark.parametrize(
    ("kind", "value", "xml"),
    [
        (ColumnKind.MONEY_PAISE, 45010, '<c r="C7" s="6"><v>450.10</v></c>'),
        (ColumnKind.MONEY_PAISE, -2500, '<c r="C7" s="6"><v>-25.00</v></c>'),
        (ColumnKind.MONEY_PAISE, 0, '<c r="C7" s="6"><v>0.00</v></c>'),
        (ColumnKind.INTEGER, 31, '<c r="C7"><v>31</v></c>'),
        # 20:00 UTC on 3 October is 01:30 IST on the 4th: Excel day 46299 and 1.5 hours
        (ColumnKind.TIMESTAMP, datetime(2026, 10, 3, 20, 0), '<c r="C7" s="1"><v>46299.0625</v></c>'),
        (
            ColumnKind.TIMESTAMP,
            datetime(2026, 10, 3, 20, 0, tzinfo=UTC),
            '<c r="C7" s="1"><v>46299.0625</v></c>',
        ),
        (ColumnKind.DATE, date(2026, 10, 3), '<c r="C7" s="2"><v>46298</v></c>'),
        (ColumnKind.TEXT, "=1+1", '<c r="C7" s="3" t="inlineStr"><is><t>=1+1</t></is></c>'),
        (ColumnKind.TEXT, "a & <b>", '<c r="C7" t="inlineStr"><is><t>a &amp; &lt;b&gt;</t></is></c>'),
        (ColumnKind.TEXT, "cr\r\nlf", '<c r="C7" t="inlineStr"><is><t>cr&#13;\nlf</t></is></c>'),
        (ColumnKind.TEXT, "bell\x07", '<c r="C7" t="inlineStr"><is><t>bell\ufffd</t></is></c>'),
        (ColumnKind.TEXT, " pad ", '<c r="C7" t="inlineStr"><is><t xml:space="preserve"> pad </t></is></c>'),
        (ColumnKind.TEXT, "", ""),
        (ColumnKind.TEXT, True, '<c r="C7" t="b"><v>1</v></c>'),
        (ColumnKind.TEXT, Decimal("1.50"), '<c r="C7"><v>1.50</v></c>'),
        (ColumnKind.TEXT, float("nan"), '<c r="C7" t="inlineStr"><is><t>nan</t></is></c>'),
    ],
)
def test_cells(kind: ColumnKind, value: object, xml: str) -> None:
    assert cell(kind, value) == xml
