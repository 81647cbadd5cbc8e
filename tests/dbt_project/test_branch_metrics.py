"""fct_branch_daily and the branch variance marts through real dbt on chDB.

One warehouse holds two tenants: a generated chain with every domain (bookings, payments, messages, ADT,
claims), loaded with the real loader first up to the day before its last and then in full, with a dbt build
after each (the second runs fct_branch_daily incrementally); and a small hand-made chain (tenant t_var)
whose figures are worked out by hand in the comments, not by the code under test. The generated chain is
checked against its ground truth (messaging funnel and reminder effect per branch) and against a full
refresh of fct_branch_daily.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dbt_runner import dbt_failure, run_dbt, run_results
from dbt_scenario import insert
from test_incremental_marts import load, stage

from core.settings import WarehouseSettings, warehouse_settings
from core.warehouse import open_warehouse
from ingestion.feeds.booking_events.spec import EVENTS as BOOKING_EVENTS
from ingestion.feeds.reference.spec import BRANCHES as REFERENCE_BRANCHES
from ingestion.feeds.reference.spec import DOCTORS as REFERENCE_DOCTORS
from ingestion.feeds.reference.spec import TARGETS as REFERENCE_TARGETS
from sampledata import write_sample

pytestmark = pytest.mark.slow

SAMPLE = {"branches": 2, "days": 14, "start": date(2026, 9, 21), "bookings_per_branch_day": 6,
          "adt_format": "hl7", "messages": True, "claims": True}  # fmt: skip
MODELS = ("fct_branch_daily", "fct_branch_variance_monthly", "fct_branch_variance_weekly")
HAND = "t_var"
# folders of the generated chain whose files are named by their IST day (stage() copies events and settlements)
DATED = ("adt", "billing", "claims", "messages")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the hand-made chain ----------------------------------------------------------------------------------
# doctor: (branch, specialty, fee)
DOCTORS = {
    "dA": ("B1", "cardiology", 50_000), "dB": ("B1", "cardiology", 30_000), "dC": ("B1", "dermatology", 40_000),
    "dD": ("B1", "dermatology", 45_000), "dE": ("B2", "cardiology", 60_000), "dF": ("B3", "dermatology", 80_000),
}  # fmt: skip
# (branch, doctor, fee, patient, IST day, outcome, visit type, channel); booked 04:00 UTC, outcome 06:00 UTC
VISITS = [
    # B1, September: dA 2 at 50,000, dB 1 at 30,000, dC 1 at 40,000 -> 4 visits, 1,70,000
    ("B1", "dA", 50_000, "p1", "2026-09-15", "completed", "in_person", "portal"),
    ("B1", "dA", 50_000, "p2", "2026-09-15", "completed", "in_person", "portal"),
    ("B1", "dB", 30_000, "p3", "2026-09-15", "completed", "in_person", "portal"),
    ("B1", "dC", 40_000, "p4", "2026-09-15", "completed", "in_person", "portal"),
    # B1, October: dA 1 at 55,000 (a fee rise; p1 again: a repeat patient), dB 3, dC 2, dD 1 (tele) -> 7, 2,70,000
    ("B1", "dA", 55_000, "p1", "2026-10-15", "completed", "in_person", "portal"),
    ("B1", "dB", 30_000, "p5", "2026-10-15", "completed", "in_person", "qr"),
    ("B1", "dB", 30_000, "p6", "2026-10-15", "completed", "in_person", "qr"),
    ("B1", "dB", 30_000, "p7", "2026-10-15", "completed", "in_person", "portal"),
    ("B1", "dC", 40_000, "p8", "2026-10-15", "completed", "in_person", "portal"),
    ("B1", "dC", 40_000, "p9", "2026-10-15", "completed", "in_person", "portal"),
    ("B1", "dD", 45_000, "p10", "2026-10-15", "completed", "tele", "portal"),
    # ... and a no-show: booked (its fee is revenue booked), not revenue
    ("B1", "dA", 50_000, "p11", "2026-10-15", "no_show", "in_person", "portal"),
    # B2: 2 visits at 60,000 each month (1,20,000 and 1,20,000)
    ("B2", "dE", 60_000, "p20", "2026-09-15", "completed", "in_person", "portal"),
    ("B2", "dE", 60_000, "p21", "2026-09-15", "completed", "in_person", "portal"),
    ("B2", "dE", 60_000, "p22", "2026-10-15", "completed", "in_person", "portal"),
    ("B2", "dE", 60_000, "p23", "2026-10-15", "completed", "in_person", "portal"),
    # B3: 1 visit at 80,000 in September, 3 in October (80,000 and 2,40,000)
    ("B3", "dF", 80_000, "p30", "2026-09-15", "completed", "in_person", "portal"),
    ("B3", "dF", 80_000, "p31", "2026-10-15", "completed", "in_person", "portal"),
    ("B3", "dF", 80_000, "p32", "2026-10-15", "completed", "in_person", "portal"),
    ("B3", "dF", 80_000, "p33", "2026-10-15", "completed", "in_person", "portal"),
]
# B1's October visit revenue target: 2,50,000
TARGETS = [("B1", date(2026, 10, 1), "visit_revenue_paise", 250_000.0)]


def _hand_events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for n, (branch, doctor, fee, patient, day, outcome, visit_type, channel) in enumerate(VISITS, 1):
        booking = f"bk_{n:02d}"

        def add(
            event_type: str, at: str, data: dict[str, Any], booking: str = booking, branch: str = branch
        ) -> None:
            events.append(
                {"event_id": f"evt_{len(events) + 1:04d}", "specversion": "1.0", "event_type": event_type,
                 "source": f"mymedic/booking/{branch}", "subject": booking, "event_time": utc(at),
                 "datacontenttype": "application/json", "tenant_id": HAND, "branch_id": branch,
                 "data": json.dumps({"booking_id": booking, **data})}
            )  # fmt: skip

        add("appointment.booked", f"{day} 04:00",
            {"patient_id": patient, "branch_id": branch, "doctor_id": doctor, "slot_start": f"{day}T05:00:00Z",
             "visit_type": visit_type, "fee_paise": fee, "channel": channel})  # fmt: skip
        add(f"appointment.{outcome}", f"{day} 06:00", {})
    return events


def _insert_hand_chain(settings: WarehouseSettings) -> None:
    with open_warehouse(settings) as warehouse:
        insert(warehouse, BOOKING_EVENTS, _hand_events())
        insert(warehouse, REFERENCE_BRANCHES, [
            dict(zip(REFERENCE_BRANCHES.column_names, (HAND, b, f"Branch {b}", "Pune", "Maharashtra"), strict=True))
            for b in ("B1", "B2", "B3")
        ])  # fmt: skip
        insert(warehouse, REFERENCE_DOCTORS, [
            dict(zip(REFERENCE_DOCTORS.column_names, (HAND, d, b, f"Dr {d}", s, fee), strict=True))
            for d, (b, s, fee) in DOCTORS.items()
        ])  # fmt: skip
        insert(warehouse, REFERENCE_TARGETS, [
            dict(zip(REFERENCE_TARGETS.column_names, (HAND, *t), strict=True)) for t in TARGETS
        ])  # fmt: skip


def _stage_all(full: Path, out: Path, last_day: date) -> Path:
    stage(full, out, last_day)
    for folder in DATED:
        for path in sorted((full / folder).rglob("*")):
            try:
                day = date.fromisoformat(path.stem)
            except ValueError:
                day = None  # a TPA's mapping.yaml: always there
            if path.is_file() and (day is None or day <= last_day):
                target = out / path.relative_to(full)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
    return out


def _build(settings: WarehouseSettings, work_dir: Path, *extra: str) -> None:
    selected = [f"+{m}" for m in MODELS]
    result = run_dbt(
        settings, work_dir, "build", "--select", *selected, "--indirect-selection", "cautious", *extra
    )
    assert result.returncode == 0, dbt_failure(result)
    statuses = run_results(work_dir)
    assert all(f"model.mymedic.{m}" in statuses for m in MODELS)
    assert all(s in ("success", "pass") for s in statuses.values()), statuses


def _daily_rows(settings: WarehouseSettings) -> list[tuple]:
    with open_warehouse(settings) as warehouse:
        return warehouse.rows(
            "select * except (batches_committed_through) from "
            f"`{warehouse.db('marts')}`.fct_branch_daily order by tenant_id, branch_id, activity_date"
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WarehouseSettings, dict, list, int]]:
    root = tmp_path_factory.mktemp("dbt_branch_metrics")
    full = root / "data"
    summary = write_sample(full, seed=5, **SAMPLE)
    last_day = date.fromisoformat(summary["as_of"])
    settings = warehouse_settings(f"chdb://{root / 'warehouse'}")

    load(settings, _stage_all(full, root / "until_yesterday", last_day - timedelta(days=1)))
    _insert_hand_chain(settings)
    _build(settings, root / "build_1")
    load(settings, full)
    _build(settings, root / "build_2")  # fct_branch_daily incremental
    with open_warehouse(settings) as warehouse:
        marks = warehouse.scalar(
            f"select uniqExact(batches_committed_through) from `{warehouse.db('marts')}`.fct_branch_daily"
        )
    day_by_day = _daily_rows(settings)
    result = run_dbt(settings, root / "refresh", "run", "--select", "fct_branch_daily", "--full-refresh")
    assert result.returncode == 0, dbt_failure(result)
    truth = json.loads((full / "ground_truth.json").read_text())
    yield settings, truth, day_by_day, marks


def _dicts(settings: WarehouseSettings, sql: str) -> list[dict[str, Any]]:
    with open_warehouse(settings) as warehouse:
        return warehouse.dicts(sql.replace("MARTS", f"`{warehouse.db('marts')}`"))


def test_a_day_by_day_build_equals_a_full_refresh_and_rewrote_only_changed_days(
    built: tuple[WarehouseSettings, dict, list, int],
) -> None:
    settings, _, day_by_day, marks = built
    refreshed = _daily_rows(settings)
    assert len(refreshed) > 30  # 2 generated branches x 14 days, and the hand-made chain's 6
    assert day_by_day == refreshed
    # two commit marks: the second build left the days whose figures did not change as they were
    assert marks == 2


def test_every_domain_has_figures_for_the_generated_chain(
    built: tuple[WarehouseSettings, dict, list, int],
) -> None:
    settings, truth, _, _ = built
    [sums] = _dicts(settings, f"""
        select sum(booking_count) as bookings, sum(completed_visit_count) as visits,
               sum(collected_paise) as collected, sum(message_count) as messages,
               sum(admission_count) as admissions, sum(claims_submitted_count) as claims,
               countIf(settlement_delay_days_p50 is not null) as credited_days
        from MARTS.fct_branch_daily where tenant_id = '{truth["tenant_id"]}'
    """)  # fmt: skip
    assert all(value > 0 for value in sums.values()), sums


def test_messages_delivered_and_read_per_branch_and_day_match_the_ground_truth(
    built: tuple[WarehouseSettings, dict, list, int],
) -> None:
    settings, truth, _, _ = built
    expected: Counter[tuple[str, str, str]] = Counter()
    for row in truth["messaging"]["funnel_daily"]:
        for what in ("messages", "sent", "delivered", "read"):
            expected[row["branch_id"], row["day"], what] += row[what]
    got: Counter[tuple[str, str, str]] = Counter()
    for row in _dicts(settings, f"""
        select branch_id, toString(activity_date) as day, message_count, message_sent_count,
               message_delivered_count, message_read_count
        from MARTS.fct_branch_daily where tenant_id = '{truth["tenant_id"]}'
    """):  # fmt: skip
        for what, column in (("messages", "message_count"), ("sent", "message_sent_count"),
                             ("delivered", "message_delivered_count"), ("read", "message_read_count")):  # fmt: skip
            got[row["branch_id"], row["day"], what] += row[column]
    assert sum(expected.values()) > 0
    assert +got == +expected


def test_the_reminder_effect_per_branch_and_month_matches_the_ground_truth(
    built: tuple[WarehouseSettings, dict, list, int],
) -> None:
    settings, truth, _, _ = built
    expected: Counter[tuple[str, str, str]] = Counter()
    for row in truth["messaging"]["reminder_effect"]:
        group = "reminded" if row["reminder"] == "delivered" else "unreminded"
        expected[row["branch_id"], row["month"], f"{group}_outcomes"] += row["bookings"]
        expected[row["branch_id"], row["month"], f"{group}_no_shows"] += row["no_shows"]
    got: Counter[tuple[str, str, str]] = Counter()
    for row in _dicts(settings, f"""
        select branch_id, formatDateTime(activity_date, '%Y-%m') as month, reminded_outcome_count,
               reminded_no_show_count, unreminded_outcome_count, unreminded_no_show_count
        from MARTS.fct_branch_daily where tenant_id = '{truth["tenant_id"]}'
    """):  # fmt: skip
        for group in ("reminded", "unreminded"):
            got[row["branch_id"], row["month"], f"{group}_outcomes"] += row[f"{group}_outcome_count"]
            got[row["branch_id"], row["month"], f"{group}_no_shows"] += row[f"{group}_no_show_count"]
    assert expected["br_blr01", "2026-09", "reminded_outcomes"] > 0
    assert +got == +expected


IST = ZoneInfo("Asia/Kolkata")
# the mart rounds each stay to 0.01 h and the mean to 0.01 (a day or an hour): off the exact mean by at most
# half a hundredth, and 0.005 h / 24 from the rounded stays
ROUNDING = 0.0053


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ist_day(text: str) -> str:
    return _at(text).astimezone(IST).date().isoformat()


def _close(got: dict[tuple[str, str], float], exact: dict[tuple[str, str], list[float]]) -> None:
    """The mart's rounded averages equal the exact means of the truth's values, on the same branch-days."""
    assert got.keys() == exact.keys()
    for key, values in exact.items():
        assert abs(got[key] - sum(values) / len(values)) <= ROUNDING, (key, got[key], values)


def test_admissions_discharges_stays_and_bed_days_per_branch_and_day_match_the_ground_truth(
    built: tuple[WarehouseSettings, dict, list, int],
) -> None:
    """From the HIS's episodes alone (docs/branch-metrics.md, fct_branch_daily_adt): IP admissions on their
    IST admission day, discharges and the average length of stay (in days of 24 h) on the discharge day, and
    bed-days by the midnight census: in a bed at the end of each day from admission to the day before
    discharge, an open admission through the latest ADT day."""
    settings, truth, _, _ = built
    adt = truth["adt"]
    through = date.fromisoformat(adt["last_message_day"])
    expected: Counter[tuple[str, str, str]] = Counter()
    stays: dict[tuple[str, str], list[float]] = {}
    for episode in adt["expected_episodes"]:
        if episode["episode_type"] != "IP":
            continue
        branch, admitted = episode["branch_id"], _ist_day(episode["admit_time"])
        expected[branch, admitted, "admissions"] += 1
        left = through + timedelta(days=1)
        if episode["discharge_time"] is not None:
            left = date.fromisoformat(_ist_day(episode["discharge_time"]))
            expected[branch, left.isoformat(), "discharges"] += 1
            stay = _at(episode["discharge_time"]) - _at(episode["admit_time"])
            stays.setdefault((branch, left.isoformat()), []).append(stay.total_seconds() / 86_400)
        day = date.fromisoformat(admitted)
        while day < left:
            expected[branch, day.isoformat(), "bed_days"] += 1
            day += timedelta(days=1)
    got: Counter[tuple[str, str, str]] = Counter()
    alos: dict[tuple[str, str], float] = {}
    for row in _dicts(settings, f"""
        select branch_id, toString(activity_date) as day, admission_count as admissions,
               discharge_count as discharges, bed_days, avg_length_of_stay_days
        from MARTS.fct_branch_daily where tenant_id = '{truth["tenant_id"]}'
    """):  # fmt: skip
        for what in ("admissions", "discharges", "bed_days"):
            got[row["branch_id"], row["day"], what] += row[what]
        if row["avg_length_of_stay_days"] is not None:
            alos[row["branch_id"], row["day"]] = row["avg_length_of_stay_days"]
    assert all(sum(n for (_, _, w), n in expected.items() if w == what) > 0
               for what in ("admissions", "discharges", "bed_days"))  # fmt: skip
    assert +got == +expected
    _close(alos, stays)


def test_claims_submitted_decided_and_settled_per_branch_and_day_match_the_ground_truth(
    built: tuple[WarehouseSettings, dict, list, int],
) -> None:
    """From the truth's claims alone: submitted on the IST day of the first submission; approved (the latest
    decision approved an amount) or denied on the day of the first decision, with the hours from submission
    to it; settled, and what was paid, on the day of the first settlement, with the days from submission."""
    settings, truth, _, _ = built
    expected: Counter[tuple[str, str, str]] = Counter()
    hours: dict[tuple[str, str], list[float]] = {}
    days: dict[tuple[str, str], list[float]] = {}
    for claim in truth["claims"]["claims"]:
        if claim["submitted_at"] is None:
            continue  # a pre-auth only: no claim yet
        branch, submitted = claim["branch_id"], _at(claim["submitted_at"])
        expected[branch, _ist_day(claim["submitted_at"]), "submitted"] += 1
        if claim["decided_at"] is not None:
            day = _ist_day(claim["decided_at"])
            expected[branch, day, "approved" if claim["approved_paise"] > 0 else "denied"] += 1
            waited = _at(claim["decided_at"]) - submitted
            hours.setdefault((branch, day), []).append(waited.total_seconds() / 3600)
        if claim["settled_at"] is not None:
            day = _ist_day(claim["settled_at"])
            expected[branch, day, "settled"] += 1
            expected[branch, day, "paid_paise"] += claim["paid_paise"]
            waited = _at(claim["settled_at"]) - submitted
            days.setdefault((branch, day), []).append(waited.total_seconds() / 86_400)
    got: Counter[tuple[str, str, str]] = Counter()
    adjudication: dict[tuple[str, str], float] = {}
    settlement: dict[tuple[str, str], float] = {}
    for row in _dicts(settings, f"""
        select branch_id, toString(activity_date) as day, claims_submitted_count as submitted,
               claims_approved_count as approved, claims_denied_count as denied, claims_settled_count as settled,
               claims_paid_paise as paid_paise, adjudication_hours_avg, settlement_days_avg
        from MARTS.fct_branch_daily where tenant_id = '{truth["tenant_id"]}'
    """):  # fmt: skip
        key = (row["branch_id"], row["day"])
        for what in ("submitted", "approved", "denied", "settled", "paid_paise"):
            got[*key, what] += row[what]
        if row["adjudication_hours_avg"] is not None:
            adjudication[key] = row["adjudication_hours_avg"]
        if row["settlement_days_avg"] is not None:
            settlement[key] = row["settlement_days_avg"]
    assert all(sum(n for (_, _, w), n in expected.items() if w == what) > 0
               for what in ("submitted", "approved", "denied", "settled"))  # fmt: skip
    assert +got == +expected
    _close(adjudication, hours)
    _close(settlement, days)


def test_the_hand_made_chains_day(built: tuple[WarehouseSettings, dict, list, int]) -> None:
    settings, _, _, _ = built
    rows = _dicts(settings, f"""
        select branch_id, booking_count as booked, new_patient_booking_count as new,
               repeat_patient_booking_count as repeat, tele_booking_share as tele,
               booking_count_by_channel as channels, completed_visit_count as visits, no_show_count as no_shows,
               no_show_rate, visit_revenue_paise as revenue, revenue_booked_paise as booked_paise,
               message_delivery_rate, avg_length_of_stay_days as alos
        from MARTS.fct_branch_daily where tenant_id = '{HAND}' and activity_date = '2026-10-15'
        order by branch_id
    """)  # fmt: skip
    assert rows == [
        # 8 bookings: p1 booked before (a repeat); 1 tele of 8; 2 from a QR poster; 7 visits and 1 no-show
        # (1/8); revenue 55,000 + 3 x 30,000 + 2 x 40,000 + 45,000 = 2,70,000, booked + the no-show's 50,000;
        # no message was sent and nobody was admitted: null rates, not 0
        {"branch_id": "B1", "booked": 8, "new": 7, "repeat": 1, "tele": 0.125, "channels": {"portal": 6, "qr": 2},
         "visits": 7, "no_shows": 1, "no_show_rate": 0.125, "revenue": 270_000, "booked_paise": 320_000,
         "message_delivery_rate": None, "alos": None},
        {"branch_id": "B2", "booked": 2, "new": 2, "repeat": 0, "tele": 0.0, "channels": {"portal": 2},
         "visits": 2, "no_shows": 0, "no_show_rate": 0.0, "revenue": 120_000, "booked_paise": 120_000,
         "message_delivery_rate": None, "alos": None},
        {"branch_id": "B3", "booked": 3, "new": 3, "repeat": 0, "tele": 0.0, "channels": {"portal": 3},
         "visits": 3, "no_shows": 0, "no_show_rate": 0.0, "revenue": 240_000, "booked_paise": 240_000,
         "message_delivery_rate": None, "alos": None},
    ]  # fmt: skip


def test_the_hand_made_chains_october_against_its_three_baselines(
    built: tuple[WarehouseSettings, dict, list, int],
) -> None:
    settings, _, _, _ = built
    rows = _dicts(settings, f"""
        select branch_id, value, chain_median, vs_chain_median_diff, vs_chain_median_pct,
               is_outside_band_vs_chain_median, previous_value, vs_previous_diff, vs_previous_pct,
               is_outside_band_vs_previous, target, vs_target_diff, vs_target_pct, is_outside_band_vs_target,
               revenue_change_paise, volume_effect_paise, specialty_mix_effect_paise, doctor_mix_effect_paise,
               price_effect_paise
        from MARTS.fct_branch_variance_monthly
        where tenant_id = '{HAND}' and period_start = '2026-10-01' and metric = 'visit_revenue_paise'
        order by branch_id
    """)  # fmt: skip
    assert rows == [
        # October revenue 2,70,000 / 1,20,000 / 2,40,000: median 2,40,000. B1: +30,000 = +12.5% (outside the
        # 10% band); vs September's 1,70,000: +1,00,000 = +58.8235%; vs its target 2,50,000: +20,000 = +8%.
        # The change: V = 7 x 1,70,000 / 4 = 2,97,500 (volume +1,27,500); C_s = round(4 x 1,30,000 / 3) +
        # 3 x 40,000 = 2,93,333 (specialty mix -4,167); C_d = 50,000 + 90,000 + 80,000 + 40,000 (dD at
        # dermatology's previous average) = 2,60,000 (doctor mix -33,333); price 2,70,000 - 2,60,000.
        {"branch_id": "B1", "value": 270_000.0, "chain_median": 240_000.0, "vs_chain_median_diff": 30_000.0,
         "vs_chain_median_pct": 12.5, "is_outside_band_vs_chain_median": True, "previous_value": 170_000.0,
         "vs_previous_diff": 100_000.0, "vs_previous_pct": 58.8235, "is_outside_band_vs_previous": True,
         "target": 250_000.0, "vs_target_diff": 20_000.0, "vs_target_pct": 8.0, "is_outside_band_vs_target": False,
         "revenue_change_paise": 100_000, "volume_effect_paise": 127_500, "specialty_mix_effect_paise": -4_167,
         "doctor_mix_effect_paise": -33_333, "price_effect_paise": 10_000},
        # B2: -1,20,000 = -50% against the median; the same as September; no target
        {"branch_id": "B2", "value": 120_000.0, "chain_median": 240_000.0, "vs_chain_median_diff": -120_000.0,
         "vs_chain_median_pct": -50.0, "is_outside_band_vs_chain_median": True, "previous_value": 120_000.0,
         "vs_previous_diff": 0.0, "vs_previous_pct": 0.0, "is_outside_band_vs_previous": False,
         "target": None, "vs_target_diff": None, "vs_target_pct": None, "is_outside_band_vs_target": False,
         "revenue_change_paise": 0, "volume_effect_paise": 0, "specialty_mix_effect_paise": 0,
         "doctor_mix_effect_paise": 0, "price_effect_paise": 0},
        # B3: the median itself; 80,000 -> 2,40,000 is three times the visits at the same fee: all volume
        {"branch_id": "B3", "value": 240_000.0, "chain_median": 240_000.0, "vs_chain_median_diff": 0.0,
         "vs_chain_median_pct": 0.0, "is_outside_band_vs_chain_median": False, "previous_value": 80_000.0,
         "vs_previous_diff": 160_000.0, "vs_previous_pct": 200.0, "is_outside_band_vs_previous": True,
         "target": None, "vs_target_diff": None, "vs_target_pct": None, "is_outside_band_vs_target": False,
         "revenue_change_paise": 160_000, "volume_effect_paise": 160_000, "specialty_mix_effect_paise": 0,
         "doctor_mix_effect_paise": 0, "price_effect_paise": 0},
    ]  # fmt: skip


def test_a_quiet_week_is_a_zero_and_weeks_have_no_target(
    built: tuple[WarehouseSettings, dict, list, int],
) -> None:
    settings, _, _, _ = built
    rows = _dicts(settings, f"""
        select toString(period_start) as week, value, previous_value, vs_previous_pct, target,
               revenue_change_paise, volume_effect_paise
        from MARTS.fct_branch_variance_weekly
        where tenant_id = '{HAND}' and branch_id = 'B1' and metric = 'visit_revenue_paise'
        order by period_start
    """)  # fmt: skip
    # 15 Sep 2026 is a Tuesday (week of 14 Sep), 15 Oct a Thursday (week of 12 Oct); three quiet weeks between
    assert [r["week"] for r in rows] == ["2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05", "2026-10-12"]
    assert rows[0] == {"week": "2026-09-14", "value": 170_000.0, "previous_value": None, "vs_previous_pct": None,
                       "target": None, "revenue_change_paise": None, "volume_effect_paise": None}  # fmt: skip
    assert rows[1] == {"week": "2026-09-21", "value": 0.0, "previous_value": 170_000.0, "vs_previous_pct": -100.0,
                       "target": None, "revenue_change_paise": -170_000, "volume_effect_paise": -170_000}  # fmt: skip
    # after a week of 0 the % change is unknown (of 0), and the whole change is volume (no fee before)
    assert rows[4] == {"week": "2026-10-12", "value": 270_000.0, "previous_value": 0.0, "vs_previous_pct": None,
                       "target": None, "revenue_change_paise": 270_000, "volume_effect_paise": 270_000}  # fmt: skip


def test_the_decomposition_adds_up_exactly_on_every_row(
    built: tuple[WarehouseSettings, dict, list, int],
) -> None:
    settings, _, _, _ = built
    for mart in ("fct_branch_variance_monthly", "fct_branch_variance_weekly"):
        [check] = _dicts(settings, f"""
            select countIf(revenue_change_paise is not null) as decomposed,
                   countIf(revenue_change_paise != volume_effect_paise + specialty_mix_effect_paise
                           + doctor_mix_effect_paise + price_effect_paise) as broken,
                   countIf(revenue_change_paise != vs_previous_diff) as off_the_revenue
            from MARTS.{mart} where metric = 'visit_revenue_paise'
        """)  # fmt: skip
        assert check["decomposed"] >= 5 and check["broken"] == 0 and check["off_the_revenue"] == 0, (
            mart,
            check,
        )
