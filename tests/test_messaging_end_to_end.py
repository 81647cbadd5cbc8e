"""Issue 12 end to end: the generator's patient messages (message.* events among the booking events, Meta's
status webhooks, MSG91's delivery reports and SendGrid's events, with failures, out-of-order and duplicate
statuses, an opt-out and quiet-hours deferrals) go through the real readers and dbt, and the marts equal
the ground truth exactly for two seeds: every message's final status and times in `fct_messages`, the
funnel counts and cost in `fct_message_funnel_daily`, the reminder effect in `fct_reminder_effect_monthly`.
The cost is computed here from the truth's cost inputs and the rate card the generator wrote, read with
csv. Every message event and provider record loads: none is quarantined."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from typing import Any

import pytest

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from mymedic.pipeline import run_pipeline
from sampledata import write_sample

pytestmark = pytest.mark.slow

SAMPLE = {"branches": 2, "days": 5, "start": date(2026, 10, 1), "bookings_per_branch_day": 8}
SEEDS = (7, 11)
MESSAGE_FEEDS = ("booking_events", "whatsapp_statuses", "sms_delivery_reports", "email_events")


TIMES = ("queued_at", "sent_at", "delivered_at", "read_at", "failed_at")


def _ms_text(value: Any) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _ms(text: str | None) -> str | None:
    """The truth's UTC text to the millisecond (a provider's timestamps are whole seconds there)."""
    return text if text is None or "." in text else text.replace("Z", ".000Z")


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{seed}" for seed in SEEDS])
def chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    seed = request.param
    root = tmp_path_factory.mktemp(f"messaging-{seed}")
    write_sample(root / "data", seed=seed, adt_format="none", **SAMPLE)
    truth = json.loads((root / "data" / "ground_truth.json").read_text())["messaging"]
    with (root / "data" / "reference" / "message_rates.csv").open(newline="", encoding="utf-8") as fh:
        rates = list(csv.DictReader(fh))
    url = f"chdb://{root / 'warehouse'}"
    # the bi views and the marts they read (the messaging marts among them): no exports, no serving copy
    report = run_pipeline(
        root / "data", root / "exports", warehouse_url=url, serving_dir=root / "serving", only=("bi/views",)
    )
    assert report.success, report
    with open_warehouse(warehouse_settings(url)) as w:
        marts = w.db("marts")
        messages = w.dicts(f"select * from {marts}.fct_messages order by message_id")
        funnel = w.dicts(f"select * from {marts}.fct_message_funnel_daily")
        effect = w.dicts(f"select * from {marts}.fct_reminder_effect_monthly")
        bi_columns: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for database, table, column in w.rows(
            "select database, table, name from system.columns where database in ({bi:String}, {phi:String})",
            {"bi": w.db("bi"), "phi": w.db("bi_phi")},
        ):
            bi_columns["bi_phi" if database == w.db("bi_phi") else "bi"][table].add(column)
        bi_rows = tuple(
            w.rows(f"select count() from {w.db('bi')}.{view}")[0][0]
            for view in ("messages", "message_funnel_daily", "reminder_effect_monthly")
        )
        message_events = w.rows(
            f"select count() from {w.db('raw')}.booking_events where event_type like 'message.%'"
        )[0][0]
    files_events = sum(
        1
        for path in (root / "data" / "events").glob("*.ndjson")
        for line in path.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["type"].startswith("message.")
    )
    return {
        "truth": truth,
        "rates": rates,
        "report": report,
        "messages": messages,
        "funnel": funnel,
        "effect": effect,
        "message_events": (message_events, files_events),
        "bi_columns": bi_columns,
        "bi_rows": bi_rows,
    }


def test_every_message_event_and_provider_record_loads(chain: dict[str, Any]) -> None:
    feeds = chain["report"].feeds
    for feed in MESSAGE_FEEDS:
        assert feeds[feed]["rows_quarantined"] == 0, (feed, feeds[feed])
        assert feeds[feed]["files_rejected"] == 0, (feed, feeds[feed])
    loaded, written = chain["message_events"]
    assert loaded == written > 100
    # each provider record loads once; a duplicate status (the same record again) is skipped, not lost
    records = chain["truth"]["provider_records"]
    for feed, provider in (("whatsapp_statuses", "meta"), ("sms_delivery_reports", "msg91"), ("email_events", "sendgrid")):  # fmt: skip
        assert feeds[feed]["rows_loaded"] + feeds[feed]["rows_skipped"] == records[provider], feed


def test_every_message_has_its_truth_status_times_and_failure(chain: dict[str, Any]) -> None:
    expected = chain["truth"]["expected_messages"]
    got = {}
    for m in chain["messages"]:
        got[m["message_id"]] = {
            "status": m["final_status"],
            "channel": m["channel"],
            "purpose": m["purpose"],
            "template": m["template"],
            "language": m["language"],
            "branch_id": m["branch_id"],
            "booking_id": m["booking_id"],
            "provider": m["provider"],
            "provider_message_id": m["provider_message_id"],
            "attempts": m["attempts"],
            **{t: _ms_text(m[t]) for t in TIMES},
            "error_code": m["error_code"],
            "deferred": m["is_deferred"],
        }
    fields = next(iter(got.values())).keys()
    want = {
        message_id: {k: _ms(e[k]) if k in TIMES else e[k] for k in fields}
        for message_id, e in expected.items()
    }
    assert len(expected) > 100
    assert {s["status"] for s in expected.values()} >= {"read", "delivered", "sent", "failed"}
    assert got == want
    # the failure reason is the provider's, or says the message was dead-lettered
    for m in chain["messages"]:
        e = expected[m["message_id"]]
        if e["failure_reason"] == "dead-lettered":
            assert m["failure_reason"].startswith("dead-lettered: "), m
        else:
            assert m["failure_reason"] == e["failure_reason"], m


def _expected_cost(row: dict[str, Any], rates: dict[tuple[str, str], int]) -> int:
    if row["channel"] == "sms":
        return row["sms_segments"] * rates["sms", ""]
    if row["channel"] == "email":
        return row["sent"] * rates["email", ""]
    return sum(n * rates["whatsapp", category] for category, n in row["whatsapp_billable_messages"].items())


def test_the_funnel_counts_and_cost_equal_the_truth(chain: dict[str, Any]) -> None:
    rates = {(r["channel"], r["pricing_category"]): int(r["rate_paise"]) for r in chain["rates"]}
    got = {
        (f["branch_id"], f["channel"], f["template"], f["queued_date"].isoformat()): (
            f["message_count"], f["sent_count"], f["delivered_count"], f["read_count"], f["failed_count"],
            f["suppressed_count"], f["cost_paise"],
        )
        for f in chain["funnel"]
    }  # fmt: skip
    want = {
        (t["branch_id"], t["channel"], t["template"], t["day"]): (
            t["messages"], t["sent"], t["delivered"], t["read"], t["failed"], t["suppressed"],
            _expected_cost(t, rates),
        )
        for t in chain["truth"]["funnel_daily"]
    }  # fmt: skip
    assert got == want
    assert sum(v[6] for v in want.values()) > 0
    for f in chain["funnel"]:
        if f["delivered_count"]:
            assert f["cost_per_delivered_paise"] == (2 * f["cost_paise"] + f["delivered_count"]) // (
                2 * f["delivered_count"]
            )
        if f["sent_count"]:
            assert f["delivered_rate"] == round(f["delivered_count"] / f["sent_count"], 4)


def test_the_reminder_effect_equals_the_truth(chain: dict[str, Any]) -> None:
    got = {
        (e["branch_id"], e["slot_month"].isoformat()[:7], e["reminder_status"]): (
            e["booking_count"],
            e["no_show_count"],
        )
        for e in chain["effect"]
    }
    want = {
        (t["branch_id"], t["month"], t["reminder"]): (t["bookings"], t["no_shows"])
        for t in chain["truth"]["reminder_effect"]
    }
    assert got == want
    groups: dict[str, int] = defaultdict(int)
    for (_, _, group), (bookings, _) in want.items():
        groups[group] += bookings
    assert groups["delivered"] > 0 and groups["none"] > 0
    for e in chain["effect"]:
        assert e["no_show_rate"] == round(e["no_show_count"] / e["booking_count"], 4)


def test_the_bi_views_leave_the_patient_out(chain: dict[str, Any]) -> None:
    """`bi.messages` has no column that names the patient or their number; `bi_phi.messages` has them.
    Both views and the two daily marts' views hold every row of their mart."""
    bi, bi_phi = chain["bi_columns"]["bi"], chain["bi_columns"]["bi_phi"]
    patient = {"Patient ID", "Booking ID", "Provider message ID"}
    assert not patient & bi["messages"] and patient <= bi_phi["messages"]
    assert {"Final status", "Cost (₹)", "Cost (paise)", "Branch", "Tenant"} <= bi["messages"]
    assert {"Delivered", "Cost per delivered (₹)"} <= bi["message_funnel_daily"]
    assert {"Reminder", "No-show rate"} <= bi["reminder_effect_monthly"]
    assert chain["bi_rows"] == (len(chain["messages"]), len(chain["funnel"]), len(chain["effect"]))
