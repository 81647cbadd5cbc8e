"""A real Superset (apache-superset from .venv-bi, SQLite metadata, gunicorn on 127.0.0.1) provisioned from
serving/dashboards/ over the serving copy of a real pipeline run: every chart's data, as Superset's API
answers it, equals the same figures computed from the marts in DuckDB; a second provisioning changes
nothing; each dashboard renders in headless Chromium without an error, and its screenshot is kept in
.mymedic/artefacts/superset/ (not committed)."""

from __future__ import annotations

import json
import secrets
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pydantic import SecretStr

from core.settings import PROJECT_ROOT
from exports.status_legend import status_group, status_label
from mymedic.pipeline import run_pipeline
from sampledata import write_sample
from serving.layout import ServingLayout
from serving.superset.chart_form import is_temporal
from serving.superset.client import SupersetClient
from serving.superset.definitions import ChartDef, Definitions, load_definitions
from serving.superset.local import BI_VENV, LocalSuperset
from serving.superset.provision import DatabaseTarget, ProvisionReport, provision

pytestmark = pytest.mark.superset

# no messaging: no chart here reads it, and its ~90 provider logs would each be a load. Claims: ten days
# give this seed settled, denied and part-approved claims, so every claims chart has rows
SAMPLE = {
    "branches": 2,
    "days": 10,
    "start": date(2026, 10, 1),
    "bookings_per_branch_day": 5,
    "messages": False,
    "claims": True,
}
ARTEFACTS = PROJECT_ROOT / ".mymedic" / "artefacts" / "superset"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
KINDS = ("database", "dataset", "chart", "dashboard")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    superset: LocalSuperset
    username: str
    password: SecretStr
    serving: Path
    definitions: Definitions
    first: ProvisionReport

    def client(self) -> SupersetClient:
        return SupersetClient(self.superset.url, self.username, self.password)

    def provision(self) -> ProvisionReport:
        with self.client() as client:
            return provision(client, self.definitions, DatabaseTarget.embedded(self.serving, "bi"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if not (BI_VENV / "bin" / "gunicorn").exists():
        pytest.skip("Superset's virtualenv .venv-bi is missing: run `make bi-install` (make test does)")
    root = tmp_path_factory.mktemp("superset")
    write_sample(root / "data", seed=42, **SAMPLE)
    # one gateway method without its contract row: the warn test fails, so the data-quality dashboard's
    # failing-checks chart has a row (the run still succeeds: a WARN check does not fail it)
    contracts = root / "data" / "reference" / "gateway_contract.csv"
    lines = contracts.read_text().splitlines(keepends=True)
    contracts.write_text("".join(line for line in lines if ",netbanking," not in line))
    layout = ServingLayout(root / "serving")
    report = run_pipeline(root / "data", root / "exports", warehouse_url=f"chdb://{root / 'warehouse'}",
                          serving_dir=layout.root)  # fmt: skip
    assert report.success, report
    superset = LocalSuperset(root / "home", _free_port())
    password = SecretStr(secrets.token_urlsafe(16))
    superset.setup("admin", password)
    definitions = load_definitions()
    with superset:
        served = Served(superset, "admin", password, layout.duckdb_path, definitions, ProvisionReport())
        served.first = served.provision()
        yield served


def _state(client: SupersetClient) -> dict[str, Any]:
    """Every object Superset holds of each kind, as its API shows it (humanized times left out)."""
    state: dict[str, Any] = {}
    for kind in KINDS:
        for item in client.find(kind):
            shown = client.get(f"/{kind}/{item['id']}")["result"]
            if kind == "database":
                shown |= client.get(f"/database/{item['id']}/connection")["result"]
            state[f"{kind} {item['id']}"] = {k: v for k, v in shown.items() if "humanized" not in k}
    return state


def check_the_first_run_creates_everything_and_a_second_changes_nothing(served: Served) -> None:
    charts = [c for d in served.definitions.dashboards for c in d.charts]
    expected = 1 + len(served.definitions.datasets) + len(charts) + len(served.definitions.dashboards)
    assert len(served.first.created) == expected and not served.first.updated, served.first.lines()
    with served.client() as client:
        before = _state(client)
        counts = {kind: client.count(kind) for kind in KINDS}
    again = served.provision()
    assert again.created == [] and again.updated == [], again.lines()
    assert len(again.unchanged) == expected
    assert again.chart_ids == served.first.chart_ids and again.dashboard_ids == served.first.dashboard_ids
    with served.client() as client:
        assert {kind: client.count(kind) for kind in KINDS} == counts
        assert _state(client) == before
    assert counts == {"database": 1, "dataset": len(served.definitions.datasets), "chart": len(charts),
                      "dashboard": len(served.definitions.dashboards)}  # fmt: skip


# What each chart should show, computed from the marts (the copy's `main` schema, paise and UTC), by
# other means than the chart: its rows as (group columns..., metrics...), rupees in paise.
REC = "fct_payment_reconciliation m left join dim_branches b using (tenant_id, branch_id)"
SETTLED_DAYS = "date_diff('day', m.event_date, cast(timezone('Asia/Kolkata', m.settled_at) as date))"
ORACLES: dict[str, str] = {
    "Reconciliation status by branch": f"select b.branch_name, m.status, count(*) from {REC} group by all",
    "Reconciliation amount by status": "select m.status, m.status, count(*), sum(m.booked_amount_paise), "
    f"sum(m.gateway_amount_paise) from {REC} group by all",
    "Exceptions by aging": f"select m.aging_bucket, m.status, count(*) from {REC} where {{exception}} group by all",
    "Exceptions trend": f"select m.event_date, m.status, count(*) from {REC} where {{exception}} group by all",
    "Settlement delay by branch": f"select b.branch_name, count(*), round(avg({SETTLED_DAYS}), 2), "
    f"max({SETTLED_DAYS}) from {REC} where m.entity_type = 'payment' and m.settled_at is not null group by all",
    "Payout against bank credit by day": "select settlement_date, sum(net_paise), sum(bank_credited_paise) "
    "from fct_branch_daily_settlements group by all",
    "Bookings paid per day": f"select m.event_date, b.branch_name, count(*) from {REC} "
    "where m.entity_type = 'payment' group by all",
    "Collections per day": f"select m.event_date, b.branch_name, sum(m.booked_amount_paise) from {REC} "
    "where m.entity_type = 'payment' group by all",
    "Refunds by branch": f"select b.branch_name, count(*), sum(m.booked_amount_paise) from {REC} "
    "where m.entity_type = 'refund' group by all",
    "Net payout by branch": "select b.branch_name, sum(gross_paise), sum(refund_paise), sum(net_paise), "
    "sum(bank_credited_paise) from fct_branch_daily_settlements m left join dim_branches b "
    "using (tenant_id, branch_id) group by all",
    "Claims by state and insurer": "select insurer, state, count(*) from fct_claims group by all",
    "Claim amounts by state": "select state, count(*), sum(requested_paise), sum(approved_paise), "
    "sum(insurer_share_paise), sum(paid_paise), sum(tds_paise) from fct_claims group by all",
    "Denials and deductions by reason": "select denial_kind, reason_code, insurer, sum(denial_count), "
    "sum(amount_paise) from fct_claim_denials group by all",
    "Time to decision and settlement": "select submitted_month, party_kind, party, sum(claims_submitted), "
    "max(decision_hours_p50), max(settlement_hours_p50), sum(decision_sla_breaches + settlement_sla_breaches) "
    "from fct_claim_adjudication group by all",
    "Claim settlements against the bank": "select status, count(*), sum(approved_paise), sum(settled_paise), "
    "sum(remitted_paise), sum(bank_credited_paise), sum(short_by_paise) from fct_claim_settlement_recon "
    "group by all",
    # the platform's checks: the copy has only the view (no mart of the platform's own figures)
    "Failed check evaluations per day": 'select "Day (IST)", "Severity", sum("Failed") from bi.dq_daily group by all',
    "Check evaluations per day": 'select "Day (IST)", sum("Evaluations"), sum("Failed") from bi.dq_daily group by all',
    "Checks whose latest evaluation failed": 'select "Asset", "Check", "What it checks", "Severity", '
    '"Latest run (Dagster)", max("Latest failing rows"), count(*) from bi.dq_daily '
    "where \"Latest status\" = 'failed' group by all",
    "Failures by asset": 'select "Asset", count(distinct "Check"), sum("Failed"), max("Most failing rows") '
    "from bi.dq_daily group by all",
}
# The status code as the bi views show it: the first status column its label, a "Status group" its group.
STATUS_SHOWN: dict[str, Callable[[str], str]] = {
    "Status": status_label,
    "Status group": lambda s: status_group(s).value,
}


def _expected(con: duckdb.DuckDBPyConnection, chart: ChartDef) -> set[tuple]:
    exceptions = "m.status in (select unnest(?))"
    statuses = [
        s for (s,) in con.execute("select distinct status from fct_payment_reconciliation").fetchall()
    ]
    sql = ORACLES[chart.name].replace("{exception}", exceptions)
    params = [[s for s in statuses if status_group(s).value == "exception"]] if "?" in sql else []
    rows = con.execute(sql, params).fetchall()
    names = [*chart.columns, *(m.label for m in chart.metrics)]
    out = set()
    for row in rows:
        out.add(
            tuple(
                STATUS_SHOWN[n](v) if n in STATUS_SHOWN else _plain(v)
                for n, v in zip(names, row, strict=True)
            )
        )
    return out


def _plain(value: Any) -> Any:
    return int(value) if hasattr(value, "as_integer_ratio") and float(value).is_integer() else value


def _shown(chart: ChartDef, rows: list[dict[str, Any]]) -> set[tuple]:
    """Superset's rows in the oracle's terms: dates from epoch milliseconds, rupees back to paise."""
    out = set()
    for row in rows:
        values = []
        for name in (*chart.columns, *(m.label for m in chart.metrics)):
            value = row[name]
            if name in chart.columns and is_temporal(name) and isinstance(value, int | float):
                value = datetime.fromtimestamp(value / 1000, UTC).date()
            elif "(₹)" in name and value is not None:
                value = round(value * 100)
            values.append(_plain(value) if value is not None else None)
        out.add(tuple(values))
    return out


def check_every_chart_shows_what_the_marts_hold(served: Served) -> None:
    charts = {c.name: c for d in served.definitions.dashboards for c in d.charts}
    assert set(ORACLES) == set(charts), "each chart needs its check here"
    with served.client() as client, duckdb.connect(str(served.serving), read_only=True) as con:
        for name, chart in charts.items():
            got = _shown(chart, client.chart_data(served.first.chart_ids[name]))
            assert got, f"{name}: no rows"
            assert got == _expected(con, chart), name


def check_each_dashboard_renders_and_is_screenshotted(served: Served) -> None:
    from playwright.sync_api import sync_playwright

    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        page.goto(f"{served.superset.url}/login/")
        page.locator("input[type=text], input[name=username]").first.fill(served.username)
        page.locator("input[type=password]").first.fill(served.password.get_secret_value())
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        for dashboard in served.definitions.dashboards:
            page.goto(f"{served.superset.url}/superset/dashboard/{dashboard.slug}/?standalone=1")
            # every chart drawn: an ECharts canvas or a table of rows in each chart's holder
            page.wait_for_function(
                """n => [...document.querySelectorAll('.dashboard-component-chart-holder')]
                    .filter(h => h.querySelector('canvas, svg.echarts, table tbody tr')).length >= n
                    && !document.querySelector('.loading')""",
                arg=len(dashboard.charts),
                timeout=180_000,
            )
            page.wait_for_load_state("networkidle")
            # ECharts animates its series in: the picture (not a check) waits for that
            page.wait_for_timeout(1500)
            path = ARTEFACTS / f"{dashboard.slug}.png"
            page.screenshot(path=str(path), full_page=True)
            text = page.inner_text("body")
            for chart in dashboard.charts:
                assert chart.name in text, f"{dashboard.title}: {chart.name} is not on the page"
            errors = page.locator(
                ".alert-danger, [data-test='error-message'], .ant-alert-error"
            ).all_inner_texts()
            assert not errors, f"{dashboard.title}: {errors}"
            assert "Unexpected error" not in text and "No results" not in text
            assert path.stat().st_size > 50_000, "a screenshot of a rendered dashboard is larger"
        browser.close()
    print(json.dumps({"screenshots": sorted(str(p) for p in ARTEFACTS.glob("*.png"))}))


def test_superset_provisioned_from_the_definitions_shows_the_marts(served: Served) -> None:
    """One test, so that one Superset and one pipeline run serve all three checks (xdist would otherwise
    start the module's fixture once per worker)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is missing: apt-get install chromium (make system-packages does)")
    check_every_chart_shows_what_the_marts_hold(served)
    check_the_first_run_creates_everything_and_a_second_changes_nothing(served)
    check_each_dashboard_renders_and_is_screenshotted(served)
