"""A key reads its own chain and nothing of another's: every endpoint, a branch only the other chain has, a
branch id both chains use, a tenant file that is not the key's, and a key revoked while the API runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from metrics_api_harness import NOW, A, B, Served

from serving.api.app import create_app
from serving.api.keys import add_key, revoke_key
from serving.layout import ServingLayout

ENDPOINTS = ("/v1/metrics/branch-daily", "/v1/reconciliation/summary", "/v1/reconciliation/exceptions")


def other_chains_values(served: Served, tenant: str) -> set[str]:
    """Ids only the other chain has (settlements, payments, refunds): none may appear in `tenant`'s answers."""
    rows = served.query(
        "select settlement_id as id from {marts}.fct_branch_daily_settlements where tenant_id != {t:String} "
        "union distinct select entity_id from {marts}.fct_payment_reconciliation where tenant_id != {t:String}",
        {"t": tenant},
    )
    own = served.query(
        "select settlement_id as id from {marts}.fct_branch_daily_settlements where tenant_id = {t:String} "
        "union distinct select entity_id from {marts}.fct_payment_reconciliation where tenant_id = {t:String}",
        {"t": tenant},
    )
    return {r["id"] for r in rows} - {r["id"] for r in own} - {""}


@pytest.mark.parametrize("tenant", [A, B])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_answers_only_the_keys_chain(
    client: TestClient, served: Served, tenant: str, endpoint: str
) -> None:
    limit = "" if endpoint.endswith("summary") else "?limit=1000"
    response = client.get(endpoint + limit, headers=served.headers(tenant))
    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    assert rows and {r["tenant_id"] for r in rows} == {tenant}
    foreign = other_chains_values(served, tenant)
    assert foreign, "the two chains should have ids of their own"
    assert not [value for value in foreign if value in response.text]


def test_a_branch_only_the_other_chain_has_is_not_found(client: TestClient, served: Served) -> None:
    [only_b] = {
        r["branch_id"]
        for r in served.query(
            "select branch_id from {marts}.dim_branches where tenant_id = {t:String}", {"t": B}
        )
    } - {
        r["branch_id"]
        for r in served.query(
            "select branch_id from {marts}.dim_branches where tenant_id = {t:String}", {"t": A}
        )
    }
    for endpoint in ENDPOINTS:
        as_a = client.get(f"{endpoint}?branch={only_b}", headers=served.headers(A))
        assert as_a.status_code == 404
        assert as_a.json()["detail"] == f"your data has no branch {only_b}"
        as_b = client.get(f"{endpoint}?branch={only_b}", headers=served.headers(B))
        assert as_b.status_code == 200 and {r["branch_id"] for r in as_b.json()["data"]} <= {only_b}


def test_a_branch_id_both_chains_use_gives_each_its_own_rows(client: TestClient, served: Served) -> None:
    url = "/v1/metrics/branch-daily?branch=br_blr01&limit=1000"
    for tenant in (A, B):
        rows = client.get(url, headers=served.headers(tenant)).json()["data"]
        expected = served.query(
            "select settlement_id from {marts}.fct_branch_daily_settlements "
            "where tenant_id = {t:String} and branch_id = 'br_blr01' order by settlement_date",
            {"t": tenant},
        )
        assert [r["settlement_id"] for r in rows] == [r["settlement_id"] for r in expected] != []


def test_another_chains_file_in_the_keys_place_answers_nothing(served: Served, tmp_path: Path) -> None:
    """The file's own record of its tenant is checked: B's copy put where A's belongs serves A nothing."""
    wrong = ServingLayout(tmp_path / "serving")
    wrong.tenant_duckdb(A).parent.mkdir(parents=True)
    shutil.copyfile(served.layout.tenant_duckdb(B), wrong.tenant_duckdb(A))
    with TestClient(create_app(served.keys_file, wrong)) as client:
        for endpoint in ENDPOINTS:
            response = client.get(endpoint, headers=served.headers(A))
            assert response.status_code == 503
            assert response.json()["detail"] == (
                "your serving copy is not in order; the operator must publish it again"
            )


def test_a_revoked_key_is_refused_at_its_next_request(served: Served, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.yaml"
    key = add_key(keys_file, A, "short-lived", now=NOW)
    with TestClient(create_app(keys_file, served.layout)) as client:
        assert client.get(ENDPOINTS[1], headers={"X-API-Key": key}).status_code == 200
        revoke_key(keys_file, A, "short-lived")
        refused = client.get(ENDPOINTS[1], headers={"X-API-Key": key})
        assert refused.status_code == 401
        assert "not valid" in refused.json()["detail"]


def test_no_answer_holds_a_patient_linked_column_or_value(client: TestClient, served: Served) -> None:
    """The `bi` schema's rule (serving.bi_views.is_phi): a row about one patient's payment has no PHI column."""
    from serving.api.schemas import BranchDaily, ExceptionRow, SummaryRow
    from serving.bi_views import BI_VIEWS, is_phi

    [reconciliation] = [v for v in BI_VIEWS if v.name == "payment_reconciliation"]
    for model in (BranchDaily, SummaryRow, ExceptionRow):
        assert not [name for name in model.model_fields if is_phi(reconciliation, name)]
    bookings = {
        r["booking_id"]
        for r in served.query(
            "select booking_id from {marts}.fct_payment_reconciliation where tenant_id = {t:String}", {"t": A}
        )
    } - {""}
    assert bookings
    for endpoint in ENDPOINTS:
        for accept in ("application/json", "text/csv"):
            text = client.get(f"{endpoint}?limit=1000".replace("summary?limit=1000", "summary"),
                              headers=served.headers(A, Accept=accept)).text  # fmt: skip
            assert "booking_id" not in text and not [b for b in bookings if b in text]
