"""What every PDF shares: page size and margins, paragraph styles, the footer ("<document> · export <id>
· Page X of Y", counted after the last page), tables whose columns are measured from their text so
nothing overflows the frame, and a reproducible build (reportlab's invariant mode and a document date
taken from `generated_at`, so the same data and export give the same bytes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, LongTable, PageTemplate, Paragraph, Table

from core.atomic_files import AtomicFiles
from core.pdf_fonts import BOLD, REGULAR, register_fonts
from core.time import to_ist

PORTRAIT = A4
LANDSCAPE = landscape(A4)
MARGIN = 15 * mm
FOOTER_SIZE = 7
TABLE_SIZE = 7.5
CHUNK_ROWS = 500  # rows per table of a long list (see long_table)
TABLE_SIZES = (TABLE_SIZE, 7.0, 6.5, 6.0)  # tried in turn until a table fits
CELL_PAD = 4  # points left and right of a cell's text
GRID = colors.HexColor("#B0B0B0")
HEADER_FILL = colors.HexColor("#E4E9F0")
TOTAL_FILL = colors.HexColor("#F2F2F2")

TITLE = ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=10)
HEADING = ParagraphStyle(
    "heading", fontName=BOLD, fontSize=11.5, leading=14, spaceBefore=10, spaceAfter=5, keepWithNext=1
)
BODY = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12, spaceAfter=5)
SMALL = ParagraphStyle("small", fontName=REGULAR, fontSize=7.5, leading=9.5, spaceAfter=4)
NOTE = ParagraphStyle("note", parent=SMALL, keepWithNext=1)  # a line that introduces the table after it
CELL = ParagraphStyle("cell", fontName=REGULAR, fontSize=TABLE_SIZE, leading=TABLE_SIZE + 1.5)


def text(value: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped: data never becomes markup)."""
    return Paragraph(escape(value), style)


def ist_text(value: datetime) -> str:
    return to_ist(value).strftime("%d %b %Y, %H:%M IST")


def pdf_date(generated_at: datetime) -> str:
    """The document's creation date (PDF date syntax), in IST."""
    return to_ist(generated_at).strftime("D:%Y%m%d%H%M%S+05'30'")


@dataclass(frozen=True)
class Column:
    header: str
    numeric: bool = False  # right-aligned (amounts, counts)
    wrap: float = 0  # > 0: the text wraps; the columns share the width left over in this proportion


def data_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    width: float,
    total_rows: int = 0,
    header: bool = True,
    widths: tuple[float, list[float]] | None = None,
) -> Table:
    """A table that repeats its header on every page. Unwrapped columns are as wide as their widest text
    (measured in the font); wrapped columns share the rest of `width`. When the text does not fit at the
    usual size, a smaller one is tried (down to 6 pt). `total_rows`: the last rows are totals, shown bold
    on a shaded ground. Raises ValueError when even the smallest size is too wide."""
    size, column_widths_ = widths or fitted_widths(columns, rows, width)
    cell = ParagraphStyle(f"cell{size}", parent=CELL, fontSize=size, leading=size + 1.5)
    header_left = ParagraphStyle(f"header{size}", parent=cell, fontName=BOLD)
    header_right = ParagraphStyle(f"header_right{size}", parent=header_left, alignment=TA_RIGHT)
    heading = [Paragraph(escape(c.header), header_right if c.numeric else header_left) for c in columns]
    wrapped = [i for i, c in enumerate(columns) if c.wrap]
    body: list[list[Any]] = []
    for row in rows:
        cells: list[Any] = list(row)
        for i in wrapped:
            cells[i] = Paragraph(escape(row[i]), cell) if row[i] else ""
        body.append(cells)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, size),
        ("LEADING", (0, 0), (-1, -1), size + 1.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
        ("BOX", (0, 0), (-1, -1), 0.5, GRID),
    ]
    top = 1 if header else 0
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ]
    style += [("ALIGN", (i, top), (i, -1), "RIGHT") for i, c in enumerate(columns) if c.numeric]
    if total_rows and rows:
        first = len(body) - total_rows + top
        style += [
            ("FONT", (0, first), (-1, -1), BOLD, size),
            ("BACKGROUND", (0, first), (-1, -1), TOTAL_FILL),
            ("LINEABOVE", (0, first), (-1, first), 0.8, colors.black),
        ]
    data = [heading, *body] if header else body
    return LongTable(data, colWidths=column_widths_, repeatRows=top, style=style, hAlign="LEFT")


def long_table(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], *, width: float, chunk: int = CHUNK_ROWS
) -> list[Table]:
    """`data_table` for thousands of rows: consecutive tables of `chunk` rows with the same columns, each
    repeating its header on the pages it runs over. reportlab re-copies the rest of a table at every page
    break (quadratic in its rows); chunks keep a 10,000-row list to seconds. A chunk after the first starts
    with the header again (every few dozen pages, where a page may show the header twice)."""
    if len(rows) <= chunk:
        return [data_table(columns, rows, width=width)]
    size, widths = fitted_widths(columns, rows, width)
    return [
        data_table(columns, rows[start : start + chunk], width=width, widths=(size, widths))
        for start in range(0, len(rows), chunk)
    ]


def fitted_widths(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: float
) -> tuple[float, list[float]]:
    """The largest of TABLE_SIZES at which the columns fit in `width`, and their widths at it."""
    for size in TABLE_SIZES:
        widths = column_widths(columns, rows, width, size)
        if sum(widths) <= width + 0.01:
            return size, widths
    raise ValueError(
        f"table ({', '.join(c.header for c in columns)}) needs {sum(widths):.0f} pt at {size} pt text, "
        f"the page has {width:.0f} pt"
    )


def column_widths(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: float, size: float = TABLE_SIZE
) -> list[float]:
    """Unwrapped columns: their widest text. Wrapped columns: their share of what is left, but never
    narrower than their longest word (a word does not break, it would run into the next column)."""
    register_fonts()  # measuring needs the font
    widths: list[float] = []
    for i, column in enumerate(columns):
        # a header wraps between words onto two lines or so: its longest word and half of it must fit
        words = column.header.split() or [""]
        needed = max(max(stringWidth(w, BOLD, size) for w in words),
                     stringWidth(column.header, BOLD, size) / 2)  # fmt: skip
        values = {row[i] for row in rows}
        if column.wrap:
            values = {word for value in values for word in value.split()}
        # measured in bold: the totals rows are bold, and bold is the wider
        needed = max([needed, *(stringWidth(v, BOLD, size) for v in values)])
        widths.append(needed + 2 * CELL_PAD + 0.5)
    shares = sum(c.wrap for c in columns)
    if shares:
        left = width - sum(w for w, c in zip(widths, columns, strict=True) if not c.wrap)
        for i, column in enumerate(columns):
            if column.wrap:
                widths[i] = max(widths[i], left * column.wrap / shares)
    return widths


def frame_width(pagesize: tuple[float, float]) -> float:
    return pagesize[0] - 2 * MARGIN


class _FooterCanvas(Canvas):
    """Keeps each page until the document ends, then writes "Page X of Y" on every one."""

    def __init__(self, *args: Any, footer: str, document_date: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._kept: list[dict[str, Any]] = []
        self.setDateFormatter(lambda *_: document_date)

    def showPage(self) -> None:
        self._kept.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._kept)
        for number, state in enumerate(self._kept, 1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        width, _ = self._pagesize
        self.saveState()
        self.setStrokeColor(GRID)
        self.setLineWidth(0.5)
        self.line(MARGIN, MARGIN - 4, width - MARGIN, MARGIN - 4)
        self.setFont(REGULAR, FOOTER_SIZE)
        self.setFillColor(colors.HexColor("#404040"))
        self.drawString(MARGIN, MARGIN - 12, self._footer)
        self.drawRightString(width - MARGIN, MARGIN - 12, f"Page {number} of {total}")
        self.restoreState()


def check_fits(story: Sequence[Flowable], width: float) -> None:
    """Every table is within the frame (reportlab would draw a wider one past the margin)."""
    for flowable in story:
        if isinstance(flowable, Table) and sum(flowable._colWidths) > width + 0.01:
            raise ValueError(f"a table is {sum(flowable._colWidths):.0f} pt wide, the page {width:.0f} pt")


def build_pdf(
    path: Path,
    story: list[Flowable],
    *,
    pagesize: tuple[float, float],
    title: str,
    subject: str,
    footer: str,
    generated_at: datetime,
) -> Path:
    """Write `story` to `path` (beside it first, moved into place when complete) and return `path`."""
    register_fonts()
    check_fits(story, frame_width(pagesize))
    with AtomicFiles() as files:
        temp = files.temp_for(path)
        doc = BaseDocTemplate(
            str(temp),
            pagesize=pagesize,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=title,
            subject=subject,
            author="MyMedic",
            creator="MyMedic finance exports",
            invariant=1,
            lang="en-IN",
        )
        # no padding inside the frame: the margins are the frame's edges, and tables are sized to them
        frame = Frame(MARGIN, MARGIN, frame_width(pagesize), pagesize[1] - 2 * MARGIN, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)  # fmt: skip
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame], pagesize=pagesize)])
        doc.build(
            story,
            canvasmaker=partial(_FooterCanvas, footer=footer, document_date=pdf_date(generated_at)),
        )
    return path
