"""A dashboard's layout as Superset stores it (`position_json`, v2): the charts in the definition's order,
filling rows of 12 grid columns, then the notes as full-width markdown blocks. Ids come from names, so
the same definition gives the same layout."""

from __future__ import annotations

from typing import Any

from exports.status_legend import LEGEND, StatusGroup
from serving.superset.chart_form import slug
from serving.superset.definitions import GRID_COLUMNS, DashboardDef

NOTE_HEIGHT = 14
# A status has the same colour on every chart: green reconciled, blue open (not yet due), warm colours for
# the exceptions, each its own.
GROUP_COLOURS = {
    StatusGroup.RECONCILED: ["#2E7D32"],
    StatusGroup.OPEN: ["#1565C0", "#64B5F6"],
    StatusGroup.EXCEPTION: ["#C62828", "#EF6C00", "#AD1457", "#6A1B9A", "#8D6E63", "#F9A825", "#D84315"],
}


def status_colours() -> dict[str, str]:
    used = {group: 0 for group in GROUP_COLOURS}
    colours: dict[str, str] = {}
    for meaning in LEGEND:
        palette = GROUP_COLOURS[meaning.group]
        colours[meaning.label] = palette[used[meaning.group] % len(palette)]
        used[meaning.group] += 1
    return colours


def _node(kind: str, node_id: str, parents: list[str], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": kind, "id": node_id, "children": [], "parents": parents}
    if meta is not None:
        node["meta"] = meta
    return node


def position_json(dashboard: DashboardDef, chart_ids: dict[str, int]) -> dict[str, Any]:
    grid = ["ROOT_ID", "GRID_ID"]
    layout: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": dashboard.title}},
    }
    rows: list[list[tuple[str, dict[str, Any]]]] = [[]]
    used = 0
    for chart in dashboard.charts:
        if used + chart.width > GRID_COLUMNS:
            rows.append([])
            used = 0
        used += chart.width
        meta = {
            "width": chart.width,
            "height": chart.height,
            "chartId": chart_ids[chart.name],
            "sliceName": chart.name,
        }
        rows[-1].append((f"CHART-{slug(chart.name)}", meta))
    for number, note in enumerate(dashboard.notes, start=1):
        rows.append(
            [(f"MARKDOWN-note-{number}", {"width": GRID_COLUMNS, "height": NOTE_HEIGHT, "code": note})]
        )
    for number, row in enumerate(rows, start=1):
        row_id = f"ROW-{number}"
        layout["GRID_ID"]["children"].append(row_id)
        layout[row_id] = _node("ROW", row_id, grid, {"background": "BACKGROUND_TRANSPARENT"})
        for item_id, meta in row:
            layout[row_id]["children"].append(item_id)
            layout[item_id] = _node(item_id.split("-")[0], item_id, [*grid, row_id], meta)
    return layout


def json_metadata() -> dict[str, Any]:
    return {
        "refresh_frequency": 0,
        "expanded_slices": {},
        "label_colors": status_colours(),
        "timed_refresh_immune_slices": [],
        "cross_filters_enabled": True,
        "native_filter_configuration": [],
        "shared_label_colors": [],
    }
