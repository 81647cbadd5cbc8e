"""What the metrics API answers is what the warehouse's marts hold (asked of chDB by the test, not of the
serving copy the API reads), page after page, filter by filter; the CSV answer is the JSON answer."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from metrics_api_harness import A, B, Served

from core.time import as_utc

OVERDUE = "settlement_overdue"
NOT_EXCEPTIONS = ("matched", "in_transit")


def all_pages(client: TestClient, url: str, headers: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    """Every row, following the `next` links; and how many pages it took."""
    rows: list[dict[str, Any]] = []
    pages = 0
    next_url: str | None = url
    while next_url is not None:
        response = client.get(next_url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["data"]
        pages += 1
        assert response.headers.get("Link", "").startswith(f"<{body['next']}>") if body["next"] else True
        next_url = body["next"]
    return rows, pages


def same_value(api: Any, mart: Any) -> bool:
    if isinstance(mart, datetime):
        return api is not None and datetime.fromisoformat(api) == as_utc(mart)
    if isinstance(mart, date):
        return api == mart.isoformat()
    return api == mart


def assert_rows_equal(
    api_rows: list[dict[str, Any]], mart_rows: list[dict[str, Any]], *, whole: bool = True
) -> None:
    """Row by row, each mart value is the API's; `whole`: and the API has no column the mart row has not
    (but the `<x>_inr` beside each `<x>_paise`)."""
    assert len(api_rows) == len(mart_rows)
    for api, mart in zip(api_rows, mart_rows, strict=True):
        if whole:
            assert {k for k in api if not k.endswith("_inr")} == set(mart)
        differ = {k: (api.get(k), v) for k, v in mart.items() if not same_value(api.get(k), v)}
        assert not differ, f"{api.get('entity_id') or api.get('settlement_date')}: {differ}"
        for name, value in api.items():  # each rupee text is its paise, exactly
            if name.endswith("_inr"):
                paise = api[name.removesuffix("_inr") + "_paise"]
                assert (value is None) == (paise is None) and (value is None or Decimal(value) * 100 == paise)


def test_branch_daily_is_the_mart_page_by_page(client: TestClient, served: Served) -> None:
    rows, pages = all_pages(client, "/v1/metrics/branch-daily?limit=2", served.headers(A))
    mart = served.query(
        "select f.*, b.branch_name from {marts}.fct_branch_daily_settlements f left join {marts}.dim_branches b "
        "using (tenant_id, branch_id) where tenant_id = {t:String} order by settlement_date, branch_id",
        {"t": A},
    )
    assert len(mart) > 4 and pages == -(-len(mart) // 2)
    assert_rows_equal(rows, mart)


def test_exceptions_are_the_marts_exception_rows(client: TestClient, served: Served) -> None:
    rows, pages = all_pages(client, "/v1/reconciliation/exceptions?limit=7", served.headers(A))
    mart = served.query(
        "select r.* except (booking_id), b.branch_name from {marts}.fct_payment_reconciliation r "
        "left join {marts}.dim_branches b using (tenant_id, branch_id) "
        "where tenant_id = {t:String} and status not in {ok:Array(String)} "
        "order by event_date, entity_type, entity_id, settlement_id",
        {"t": A, "ok": list(NOT_EXCEPTIONS)},
    )
    assert len(mart) > 14 and pages >= 3
    assert_rows_equal(rows, mart)


def test_filters_select_what_the_same_sql_selects(client: TestClient, served: Served) -> None:
    url = (
        "/v1/reconciliation/exceptions?from=2026-10-02&to=2026-10-04&branch=br_blr01"
        f"&status={OVERDUE}&status=bank_unmatched&limit=1000"
    )
    rows, _ = all_pages(client, url, served.headers(A))
    mart = served.query(
        "select r.* except (booking_id), b.branch_name from {marts}.fct_payment_reconciliation r "
        "left join {marts}.dim_branches b using (tenant_id, branch_id) "
        "where tenant_id = {t:String} and branch_id = 'br_blr01' "
        "and event_date between '2026-10-02' and '2026-10-04' "
        "and status in ('settlement_overdue', 'bank_unmatched') "
        "order by event_date, entity_type, entity_id, settlement_id",
        {"t": A},
    )
    assert mart, "the sample should have such exceptions"
    assert_rows_equal(rows, mart)

    daily, _ = all_pages(
        client, "/v1/metrics/branch-daily?from=2026-10-04&branch=br_mum01", served.headers(A)
    )
    expected = served.query(
        "select settlement_date, branch_id, net_paise from {marts}.fct_branch_daily_settlements "
        "where tenant_id = {t:String} and branch_id = 'br_mum01' and settlement_date >= '2026-10-04' "
        "order by settlement_date",
        {"t": A},
    )
    assert_rows_equal(daily, expected, whole=False)


@pytest.mark.parametrize("query", ["", "?from=2026-10-03&to=2026-10-03", "?branch=br_mum01&status=matched"])
def test_summary_adds_up_the_mart(client: TestClient, served: Served, query: str) -> None:
    response = client.get(f"/v1/reconciliation/summary{query}", headers=served.headers(B))
    assert response.status_code == 200, response.text
    where = {
        "": "",
        "?from=2026-10-03&to=2026-10-03": "and event_date = '2026-10-03'",
        "?branch=br_mum01&status=matched": "and branch_id = 'br_mum01' and status = 'matched'",
    }[query]
    mart = served.query(
        "select branch_id, status, entity_type, count() as count, "
        "sum(booked_amount_paise) as booked_amount_paise, sum(ifNull(gateway_amount_paise, 0)) as "
        "gateway_amount_paise, sum(ifNull(fee_paise, 0)) as fee_paise, sum(ifNull(tax_paise, 0)) as tax_paise, "
        "sum(ifNull(net_settled_paise, 0)) as net_settled_paise from {marts}.fct_payment_reconciliation "
        f"where tenant_id = {{t:String}} {where} group by branch_id, status, entity_type",
        {"t": B},
    )
    key = ("branch_id", "status", "entity_type")
    got = sorted(response.json()["data"], key=lambda r: tuple(r[k] for k in key))
    assert_rows_equal(got, sorted(mart, key=lambda r: tuple(r[k] for k in key)), whole=False)
    assert {r["status_group"] for r in got if r["status"] == "matched"} <= {"reconciled"}


@pytest.mark.parametrize(
    "url",
    [
        "/v1/metrics/branch-daily?limit=3",
        "/v1/reconciliation/summary",
        "/v1/reconciliation/exceptions?limit=25&branch=br_blr01",
    ],
)
def test_csv_is_the_json(client: TestClient, served: Served, url: str) -> None:
    as_json = client.get(url, headers=served.headers(A, Accept="application/json"))
    as_csv = client.get(url, headers=served.headers(A, Accept="text/csv"))
    assert as_csv.status_code == as_json.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    for header in ("X-Serving-Published-At", "Link"):
        assert as_csv.headers.get(header) == as_json.headers.get(header)

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    json_rows = as_json.json()["data"]
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert json_rows and [{k: text(v) for k, v in r.items()} for r in json_rows] == csv_rows
    assert list(csv_rows[0]) == list(json_rows[0])


def test_the_answer_says_when_its_copy_was_published(client: TestClient, served: Served) -> None:
    response = client.get("/v1/reconciliation/summary", headers=served.headers(A))
    [published] = served_publication(served, A)
    assert response.json()["published_at"] == response.headers["X-Serving-Published-At"]
    assert datetime.fromisoformat(response.json()["published_at"]) == as_utc(published)


def served_publication(served: Served, tenant: str) -> list[datetime]:
    import duckdb

    with duckdb.connect(str(served.layout.tenant_duckdb(tenant)), read_only=True) as con:
        return [row[0] for row in con.execute("select published_at from serving.publication").fetchall()]
