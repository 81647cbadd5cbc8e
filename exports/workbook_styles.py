"""The finance workbook's cell formats, made once per workbook, and the print setup every sheet gets."""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from core.reproducible_xlsx import number_styles
from core.spreadsheet_text import looks_like_formula
from exports.rupee_formats import RUPEE_FORMATS, magnitude_class
from exports.sheet_rows import RUPEE_STYLES, RowStyle

TIMESTAMP_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
QUOTED = {"quote_prefix": True}
WRAPPED = {"text_wrap": True}
ROW_STYLES: dict[int, dict[str, object]] = {  # style number -> format: rendered rows refer to these
    RowStyle.TIMESTAMP: {"num_format": TIMESTAMP_FORMAT},
    RowStyle.DATE: {"num_format": DATE_FORMAT},
    RowStyle.QUOTED_TEXT: QUOTED,
    RowStyle.WRAPPED_TEXT: WRAPPED,
    RowStyle.QUOTED_WRAPPED_TEXT: {**QUOTED, **WRAPPED},
    **{style: {"num_format": code} for style, code in zip(RUPEE_STYLES, RUPEE_FORMATS, strict=True)},
}
PAPER_A4 = 9
FOOTER = "&L&A&RPage &P of &N"  # the sheet's name, and page numbers


@dataclass(frozen=True)
class WorkbookStyles:
    rupees: tuple[Format, ...]  # by magnitude class (exports.rupee_formats)
    bold_rupees: tuple[Format, ...]
    quoted: Format
    wrapped: Format
    title: Format
    section: Format
    bold: Format
    header: Format  # the header row of a table

    @classmethod
    def of(cls, workbook: Workbook) -> WorkbookStyles:
        """Call before any cell is written: the row styles take the numbers `RowStyle` gives them."""
        row_formats = {style: workbook.add_format(spec) for style, spec in sorted(ROW_STYLES.items())}
        number_styles(workbook, list(row_formats.values()))
        return cls(
            rupees=tuple(row_formats[style] for style in RUPEE_STYLES),
            bold_rupees=tuple(workbook.add_format({"bold": True, "num_format": c}) for c in RUPEE_FORMATS),
            quoted=row_formats[RowStyle.QUOTED_TEXT],
            wrapped=row_formats[RowStyle.WRAPPED_TEXT],
            title=workbook.add_format({"bold": True, "font_size": 14}),
            section=workbook.add_format({"bold": True, "font_size": 12}),
            bold=workbook.add_format({"bold": True}),
            header=workbook.add_format(
                {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#DDEBF7"}
            ),
        )

    def text(self, value: str, plain: Format | None = None) -> Format | None:
        """`plain`, or the quote prefix for text a spreadsheet would take for a formula."""
        return self.quoted if looks_like_formula(value) else plain

    def money(self, paise: int, *, bold: bool = False) -> Format:
        """The rupee format that groups `paise` the Indian way."""
        return (self.bold_rupees if bold else self.rupees)[magnitude_class(paise)]


def print_setup(ws: Worksheet, *, header_rows: tuple[int, int] | None) -> None:
    """Landscape A4, as wide as one page, `header_rows` (first, last; 0-based) repeated on every page."""
    ws.set_landscape()
    ws.set_paper(PAPER_A4)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer(FOOTER)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
