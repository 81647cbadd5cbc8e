"""A sheet (series) of a table's rows with readable headers: the layout `column_labels` gives, rows
rendered as they stream in (`sheet_rows`), sheets made when the workbook is saved (`sheet_series`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from exports.column_labels import Label, sheet_layout
from exports.mart_columns import ColumnKind
from exports.sheet_rows import RenderedColumn, RowRenderer
from exports.sheet_series import EXCEL_MAX_ROWS, SheetColumn, SheetSeries


def layout_renderer(
    names: list[str],
    kinds: list[ColumnKind],
    labels: tuple[Label, ...],
    *,
    hidden: Sequence[str] = (),
    only_labelled: bool = False,
) -> tuple[RowRenderer, list[SheetColumn]]:
    """The renderer of the sheet's columns and their headers and widths, leaving out `hidden` names."""
    layout = sheet_layout(names, kinds, labels, only_labelled=only_labelled)
    shown = [(i, label) for i, label in layout if label.name not in set(hidden)]
    renderer = RowRenderer(
        [RenderedColumn(i, kinds[i], label.width if label.wrap else 0) for i, label in shown]
    )
    return renderer, [SheetColumn(label.header, label.width) for _, label in shown]


class TableSheet:
    """Rows of one table onto their own sheet series."""

    def __init__(
        self,
        title: str,
        names: list[str],
        kinds: list[ColumnKind],
        labels: tuple[Label, ...],
        folder: Path,
        *,
        max_rows: int = EXCEL_MAX_ROWS,
        note: str = "",
    ) -> None:
        self.renderer, columns = layout_renderer(names, kinds, labels)
        self.series = SheetSeries(title, columns, folder, max_rows=max_rows, note=note)

    def add_rows(self, block: Sequence[Sequence[object]]) -> None:
        self.series.append_rows(self.renderer.bodies(block))
