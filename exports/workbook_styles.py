"""The finance workbook's cell formats, made once per workbook."""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter import Workbook
from xlsxwriter.format import Format

from core.reproducible_xlsx import number_styles
from core.spreadsheet_text import looks_like_formula
from exports.sheet_rows import RowStyle

RUPEE_FORMAT = '"₹"#,##0.00'
TIMESTAMP_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
QUOTED = {"quote_prefix": True}
ROW_STYLES = {  # in RowStyle order: rendered rows refer to these by number
    RowStyle.RUPEES: {"num_format": RUPEE_FORMAT},
    RowStyle.TIMESTAMP: {"num_format": TIMESTAMP_FORMAT},
    RowStyle.DATE: {"num_format": DATE_FORMAT},
    RowStyle.QUOTED_TEXT: QUOTED,
}


@dataclass(frozen=True)
class WorkbookStyles:
    rupees: Format
    quoted: Format
    title: Format
    bold: Format
    bold_rupees: Format
    header: Format  # Detail and Exceptions headers

    @classmethod
    def of(cls, workbook: Workbook) -> WorkbookStyles:
        """Call before any cell is written: the row styles take the numbers `RowStyle` gives them."""
        row_formats = {style: workbook.add_format(spec) for style, spec in ROW_STYLES.items()}
        number_styles(workbook, [row_formats[style] for style in sorted(RowStyle)])
        return cls(
            rupees=row_formats[RowStyle.RUPEES],
            quoted=row_formats[RowStyle.QUOTED_TEXT],
            title=workbook.add_format({"bold": True, "font_size": 14}),
            bold=workbook.add_format({"bold": True}),
            bold_rupees=workbook.add_format({"bold": True, "num_format": RUPEE_FORMAT}),
            header=workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        )

    def text(self, value: str, plain: Format | None = None) -> Format | None:
        """`plain`, or the quote prefix for text a spreadsheet would take for a formula."""
        return self.quoted if looks_like_formula(value) else plain
