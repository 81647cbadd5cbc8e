"""A chart definition as Superset stores it: `params` (the Explore form data the dashboard renders from) and
`query_context` (what `/api/v1/chart/{id}/data/` answers with). Both are plain JSON with stable keys, so
the same definition always gives the same text and a second provisioning has nothing to change.

The query context asks for the aggregated rows without the front end's post-processing (its pivot of
series into columns): one row per group with one column per metric, the shape the numbers are checked in.
"""

from __future__ import annotations

import json
import re
from typing import Any

from serving.bi_views import RUPEE_MARK
from serving.superset.definitions import ChartDef, FilterDef, MetricDef

VIZ_TYPES = {
    "bar": "echarts_timeseries_bar",
    "line": "echarts_timeseries_line",
    "table": "table",
    "big_number": "big_number_total",
}
ROW_LIMIT = 10_000
RUPEE_FORMAT = ",.2f"
TEMPORAL_HINTS = ("date", "(ist)")  # a column whose name says it is a date or an IST time


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def metric(m: MetricDef) -> dict[str, Any]:
    if m.sql is not None:
        return {
            "expressionType": "SQL",
            "sqlExpression": m.sql,
            "label": m.label,
            "hasCustomLabel": True,
            "optionName": f"metric_{slug(m.label)}",
        }
    return {
        "expressionType": "SIMPLE",
        "column": {"column_name": m.column},
        "aggregate": m.aggregate,
        "label": m.label,
        "hasCustomLabel": True,
        "optionName": f"metric_{slug(m.label)}",
    }


def adhoc_filter(f: FilterDef) -> dict[str, Any]:
    item: dict[str, Any] = {
        "expressionType": "SIMPLE",
        "clause": "WHERE",
        "subject": f.column,
        "operator": f.op,
        "operatorId": {
            "==": "EQUALS",
            "!=": "NOT_EQUALS",
            "IN": "IN",
            "NOT IN": "NOT_IN",
            "IS NULL": "IS_NULL",
            "IS NOT NULL": "IS_NOT_NULL",
        }[f.op],
        "filterOptionName": f"filter_{slug(f.column)}_{slug(f.op)}",
        "isExtra": False,
        "isNew": False,
    }
    if f.value is not None:
        item["comparator"] = f.value
    return item


def query_filter(f: FilterDef) -> dict[str, Any]:
    item: dict[str, Any] = {"col": f.column, "op": f.op}
    if f.value is not None:
        item["val"] = f.value
    return item


def is_temporal(column: str) -> bool:
    return any(hint in column.lower() for hint in TEMPORAL_HINTS)


def chart_params(chart: ChartDef, dataset_id: int) -> dict[str, Any]:
    metrics = [metric(m) for m in chart.metrics]
    params: dict[str, Any] = {
        "datasource": f"{dataset_id}__table",
        "viz_type": VIZ_TYPES[chart.viz],
        "adhoc_filters": [adhoc_filter(f) for f in chart.filters],
        "row_limit": ROW_LIMIT,
    }
    if chart.viz in ("bar", "line"):
        params |= {
            "x_axis": chart.x,
            "time_grain_sqla": "P1D" if chart.x and is_temporal(chart.x) else None,
            "x_axis_sort_asc": True,
            "metrics": metrics,
            "groupby": [chart.series] if chart.series else [],
            "order_desc": True,
            "show_legend": True,
            "legendType": "scroll",
            "legendOrientation": "top",
            "rich_tooltip": True,
            "y_axis_format": "SMART_NUMBER",
            "truncateXAxis": True,
            "x_axis_time_format": "%d %b",
            "xAxisLabelRotation": 45 if chart.x and is_temporal(chart.x) else 0,
        }
        if chart.viz == "bar":
            params |= {"stack": "Stack" if chart.series else None, "orientation": "vertical"}
        else:
            params |= {"markerEnabled": True, "seriesType": "line"}
    elif chart.viz == "table":
        params |= {
            "query_mode": "aggregate",
            "groupby": list(chart.groupby),
            "metrics": metrics,
            "all_columns": [],
            "percent_metrics": [],
            "order_desc": True,
            "show_totals": True,
            "table_timestamp_format": "%Y-%m-%d",
            "server_pagination": False,
            # rupees in full with two decimals (d3-format groups in thousands: no lakh grouping)
            "column_config": {
                m.label: {"d3NumberFormat": RUPEE_FORMAT} for m in chart.metrics if RUPEE_MARK in m.label
            },
        }
    else:
        [only] = metrics
        params |= {
            "metric": only,
            "header_font_size": 0.4,
            "subheader_font_size": 0.15,
            "y_axis_format": "SMART_NUMBER",
        }
    return params


def query_context(chart: ChartDef, dataset_id: int) -> dict[str, Any]:
    metrics = [metric(m) for m in chart.metrics]
    columns = list(chart.columns)
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": [
            {
                "columns": columns,
                "metrics": metrics,
                "filters": [query_filter(f) for f in chart.filters],
                "extras": {"having": "", "where": ""},
                "orderby": [[c, True] for c in columns] or [[metrics[0], False]],
                "row_limit": ROW_LIMIT,
                "order_desc": True,
                "url_params": {},
                "custom_params": {},
                "custom_form_data": {},
            }
        ],
        "form_data": chart_params(chart, dataset_id),
        "result_format": "json",
        "result_type": "full",
    }


def as_text(value: dict[str, Any]) -> str:
    """The JSON text Superset stores; keys sorted so the same definition is the same text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
