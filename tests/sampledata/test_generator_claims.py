"""Issue 13's generator: the sample's insurance claims (two TPAs' CSV and NDJSON exports, NHCX messages) load
through the real loader into chDB with conservation (each record loaded, quarantined with its reason, or a
redelivery skipped), the duplicate NHCX delivery is stored once, and the platform's fold of the stored events
equals the ground truth for every claim, finally and at the truth's past times, for two seeds. The bank
statement, loaded by its feed, carries each settlement's credit under its UTR (but the missing one), the
TDS is 194J's 10% rounded to the rupee, and the truth's recon statuses follow from what was loaded. Without
claims the sample is as before; with them only claims/, the claim service levels, the bank statement and the
truth change."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.settings import WarehouseSettings
from core.warehouse import Warehouse, open_warehouse
from ingestion.claims_history import claim_events
from ingestion.claims_state import ClaimState, fold
from ingestion.feeds import LoadContext, feed_named
from ingestion.loader import BatchResult, load_file
from ingestion.quarantine import quarantined_rows
from ingestion.tables import create_raw_tables
from sampledata import write_sample
from sampledata.claims import RECON_STATUSES

SAMPLE = {"branches": 5, "days": 20, "bookings_per_branch_day": 4, "messages": False}
SEEDS = (7, 11)
IST = ZoneInfo("Asia/Kolkata")
CLAIM_FEEDS = ("claims_tpa", "claims_nhcx")
FOLDED = (
    "state", "requested_paise", "preauth_approved_paise", "approved_paise", "deducted_paise", "paid_paise",
    "tds_paise", "remitted_paise", "remitted_tds_paise", "reason_code", "utr",
)  # fmt: skip


def _load(w: Warehouse, root: Path, feed_name: str, tenant: str) -> list[BatchResult]:
    feed = feed_named(feed_name)
    return [
        load_file(w, feed, path, LoadContext(tenant), source=f"{tenant}/{path.relative_to(root)}")
        for path in feed.files(root)
    ]


@pytest.fixture(scope="module")
def loaded(
    warehouse_settings_: WarehouseSettings, tmp_path_factory: pytest.TempPathFactory
) -> dict[int, dict[str, Any]]:
    """Both seeds' samples (each its own tenant) loaded into one warehouse: the claims feeds and the bank."""
    with open_warehouse(warehouse_settings_) as warehouse:
        return _load_samples(warehouse, tmp_path_factory)


def _load_samples(
    warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> dict[int, dict[str, Any]]:
    create_raw_tables(warehouse)
    out = {}
    for seed in SEEDS:
        root = tmp_path_factory.mktemp(f"claims-{seed}")
        tenant = f"tnt_claims_{seed}"
        write_sample(root, seed=seed, tenant=tenant, claims=True, **SAMPLE)
        truth = json.loads((root / "ground_truth.json").read_text(encoding="utf-8"))["claims"]
        results = {name: _load(warehouse, root, name, tenant) for name in CLAIM_FEEDS}
        bank = _load(warehouse, root, "bank_statements", tenant)
        out[seed] = {"root": root, "tenant": tenant, "truth": truth, "results": results, "bank": bank}
    return out


@pytest.fixture(params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def sample(request: pytest.FixtureRequest, loaded: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return loaded[request.param]


def test_every_scenario_is_injected(sample: dict[str, Any]) -> None:
    truth = sample["truth"]
    assert all(truth["scenarios"].values()), truth["scenarios"]
    channels = {c["source"] for c in truth["claims"]}
    assert channels == {"tpa/sahay", "tpa/careline", "nhcx"}
    files = {p.suffix for p in (sample["root"] / "claims").rglob("*") if p.is_file()}
    assert files == {".csv", ".ndjson", ".yaml", ".pdf"}  # the PDFs: claims/documents/<claim id>/


def test_every_record_is_loaded_quarantined_or_a_skipped_redelivery(
    warehouse: Warehouse, sample: dict[str, Any]
) -> None:
    truth, tenant = sample["truth"], sample["tenant"]
    raw = warehouse.db("raw")
    for name in CLAIM_FEEDS:
        results = sample["results"][name]
        assert results and all(r.status == "loaded" and r.conserved for r in results), results
        assert sum(r.rows_read for r in results) == truth["records"][name]
        assert sum(r.rows_loaded for r in results) == truth["stored_events"][name]
        table = feed_named(name).tables[0].name
        stored = warehouse.rows(
            f"select count() from `{raw}`.`{table}` where tenant_id = {{t:String}}", {"t": tenant}
        )[0][0]
        assert stored == truth["stored_events"][name]
    quarantined = [
        {**q, "file": q["file"].removeprefix(f"{tenant}/")}
        for q in quarantined_rows(warehouse)
        if q["feed"] in CLAIM_FEEDS and q["file"].startswith(f"{tenant}/")
    ]
    expected = truth["expected_quarantine"]
    assert [(q["file"], q["line"]) for q in quarantined] == sorted((e["file"], e["line"]) for e in expected)
    for e in expected:
        reason = next(q["reason"] for q in quarantined if (q["file"], q["line"]) == (e["file"], e["line"]))
        assert e["reason"] in reason


def test_the_duplicate_nhcx_delivery_is_stored_once(warehouse: Warehouse, sample: dict[str, Any]) -> None:
    (claim_id,) = sample["truth"]["scenarios"]["duplicate_delivery"]
    deliveries = [
        json.loads(line)
        for path in sorted((sample["root"] / "claims" / "nhcx").glob("*.ndjson"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if claim_id in line and '"ClaimResponse"' in line and '"use": "claim"' in line
    ]
    assert len(deliveries) > 1
    assert len({d["headers"]["x-hcx-correlation_id"] for d in deliveries}) == 1
    assert len({d["headers"]["x-hcx-api_call_id"] for d in deliveries}) == len(deliveries)
    rows = warehouse.rows(
        f"select event_type from `{warehouse.db('raw')}`.claims_nhcx_events "
        "where tenant_id = {t:String} and claim_id = {c:String} and event_type like 'approved%'",
        {"t": sample["tenant"], "c": claim_id},
    )
    assert len(rows) == 1


def _nhcx_deliveries(sample: dict[str, Any], claim_id: str) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted((sample["root"] / "claims" / "nhcx").glob("*.ndjson"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if claim_id in line
    ]


def _kinds(delivery: dict[str, Any]) -> list[str]:
    return [e["resource"]["resourceType"] for e in delivery["payload"].get("entry", [])]


def test_the_nhcx_query_cycle_travels_as_communication_request_and_answer(
    warehouse: Warehouse, sample: dict[str, Any]
) -> None:
    (claim_id,) = [c for c in sample["truth"]["scenarios"]["query_cycle"] if c.startswith("NHX-")]
    deliveries = _nhcx_deliveries(sample, claim_id)
    (query,) = [
        d for d in deliveries if "CommunicationRequest" in _kinds(d) and "Communication" not in _kinds(d)
    ]
    (answer,) = [d for d in deliveries if "Communication" in _kinds(d)]
    assert not any('"outcome": "queued"' in json.dumps(d) for d in deliveries)  # no ClaimResponse query
    # the payer opens its own thread; the answer carries it
    assert query["headers"]["x-hcx-sender_code"] == answer["headers"]["x-hcx-recipient_code"]
    assert query["headers"]["x-hcx-correlation_id"] == answer["headers"]["x-hcx-correlation_id"]
    rows = warehouse.rows(
        f"select event_type, message_id, reason_code, remarks from `{warehouse.db('raw')}`.claims_nhcx_events "
        "where tenant_id = {t:String} and claim_id = {c:String} and event_type like 'query%' order by event_time",
        {"t": sample["tenant"], "c": claim_id},
    )
    corr = query["headers"]["x-hcx-correlation_id"]
    assert rows == [
        ("query_raised", f"{corr}/query_raised/Q-{claim_id}-1", "Q-DS",
         "Discharge summary and final bill breakup required"),
        ("query_answered", f"{corr}/query_answered/Q-{claim_id}-1", "", "Documents uploaded"),
    ]  # fmt: skip


def test_the_nhcx_enhancement_raises_the_preauthorised_total(
    warehouse: Warehouse, sample: dict[str, Any]
) -> None:
    (claim_id,) = sample["truth"]["scenarios"]["preauth_enhancement"]
    claim = next(c for c in sample["truth"]["claims"] if c["claim_id"] == claim_id)
    rows = warehouse.rows(
        f"select event_type, approved_paise, requested_paise from `{warehouse.db('raw')}`.claims_nhcx_events "
        "where tenant_id = {t:String} and claim_id = {c:String} and claim_kind = 'preauth' order by event_time",
        {"t": sample["tenant"], "c": claim_id},
    )
    (_, estimate, _), (_, asked, total), (_, enhanced, _) = rows[1:]
    assert [r[0] for r in rows] == [
        "preauth_requested",
        "preauth_approved",
        "preauth_enhanced",
        "preauth_enhanced",
    ]
    assert asked is None and enhanced == total > estimate == rows[0][2]
    assert claim["preauth_approved_paise"] == enhanced


def _view(s: ClaimState) -> dict[str, Any]:
    return {name: getattr(s, name) for name in FOLDED}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_fold_of_the_loaded_events_is_the_truth_now_and_at_past_times(
    warehouse: Warehouse, sample: dict[str, Any]
) -> None:
    checked_past = 0
    for claim in sample["truth"]["claims"]:
        _, events = claim_events(warehouse, claim["claim_id"], sample["tenant"])
        assert len(events) == claim["events"]
        final = fold(claim["claim_id"], events)
        assert _view(final) == {name: claim[name] for name in FOLDED}, claim["claim_id"]
        assert (final.insurer, final.tpa) == (claim["insurer"], claim["tpa"])
        for known in claim["as_of"]:
            then = fold(claim["claim_id"], events, as_of=_at(known["at"]))
            assert _view(then) == {name: known[name] for name in FOLDED}, (claim["claim_id"], known["at"])
            checked_past += 1
    assert checked_past > len(sample["truth"]["claims"])


def test_the_truths_submission_decision_and_settlement_times_are_the_stored_events(
    warehouse: Warehouse, sample: dict[str, Any]
) -> None:
    decisions = ("approved_full", "approved_partial", "denied")
    seen: set[str] = set()
    for claim in sample["truth"]["claims"]:
        _, events = claim_events(warehouse, claim["claim_id"], sample["tenant"])
        for field, types in (("submitted_at", ("claim_submitted",)), ("decided_at", decisions),
                             ("settled_at", ("settled",))):  # fmt: skip
            first = min((e.event_time for e in events if e.event_type in types), default=None)
            stated = None if claim[field] is None else _at(claim[field])
            assert first == stated, (claim["claim_id"], field)
            if stated is not None:
                seen.add(field)
    assert seen == {"submitted_at", "decided_at", "settled_at"}


def test_the_late_event_came_in_a_later_file_and_takes_its_place_by_event_time(
    warehouse: Warehouse, sample: dict[str, Any]
) -> None:
    (claim_id,) = sample["truth"]["scenarios"]["late_events"]
    rows = dict(
        warehouse.rows(
            "select event_type, (_source_file, event_time) from "
            f"(select * from `{warehouse.db('raw')}`.claims_tpa_events union all "
            f"select * from `{warehouse.db('raw')}`.claims_nhcx_events) "
            "where tenant_id = {t:String} and claim_id = {c:String} and event_type like 'query%'",
            {"t": sample["tenant"], "c": claim_id},
        )
    )
    (raised_file, raised_at), (answered_file, answered_at) = rows["query_raised"], rows["query_answered"]
    assert raised_at < answered_at and Path(raised_file).name > Path(answered_file).name
    _, events = claim_events(warehouse, claim_id, sample["tenant"])
    between = raised_at.replace(tzinfo=UTC) + (answered_at - raised_at) / 2
    assert fold(claim_id, events, as_of=between).state == "query_pending"


def _tds(gross_paise: int) -> int:
    """10% of the gross payment to the rupee, half up (sections 194J, 288B)."""
    return int((Decimal(gross_paise) / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100


def _bank_credits(w: Warehouse, tenant: str) -> list[tuple[str, str, int]]:
    return w.rows(
        f"select narration, ref_no, credit_paise from `{w.db('raw')}`.bank_statement_lines "
        "where tenant_id = {t:String} and credit_paise > 0",
        {"t": tenant},
    )


def test_settlements_credit_the_bank_by_utr_with_tds_at_the_rupee(
    warehouse: Warehouse, sample: dict[str, Any]
) -> None:
    truth, tenant = sample["truth"], sample["tenant"]
    assert sample["bank"] and all(r.status == "loaded" and r.conserved for r in sample["bank"])
    credits = _bank_credits(warehouse, tenant)
    by_utr: dict[str, list[int]] = {}
    for narration, ref, amount in credits:
        for token in set(re.findall(r"[0-9A-Z]+", f"{narration} {ref}".upper())):
            by_utr.setdefault(token, []).append(amount)
    expected = {c["utr"]: c["credit_paise"] for c in truth["bank_credits"]}
    for claim in truth["claims"]:
        # what the insurer paid: the settlement's, or the remittance's when no settlement was received
        gross = (claim["paid_paise"] or claim["remitted_paise"]) + claim["tds_withheld_paise"]
        if not claim["utr"]:
            continue
        assert claim["tds_withheld_paise"] == _tds(gross), claim["claim_id"]
        assert max(claim["tds_paise"], claim["remitted_tds_paise"]) == claim["tds_withheld_paise"]
        net = gross - claim["tds_withheld_paise"]
        if "short_payment" in claim["scenarios"]:
            assert gross < claim["approved_paise"]
        else:
            assert gross == claim["approved_paise"]
        if "missing_bank_credit" in claim["scenarios"]:
            assert claim["utr"] not in by_utr and claim["utr"] not in expected
        else:
            assert by_utr[claim["utr"]] == [net] == [expected[claim["utr"]]], claim["claim_id"]
    (rounded,) = truth["scenarios"]["tds_rounding"]
    claim = next(c for c in truth["claims"] if c["claim_id"] == rounded)
    assert claim["approved_paise"] % 1000 == 500  # 10% falls at exactly 50 paise: rounds up
    assert claim["tds_withheld_paise"] == claim["approved_paise"] // 1000 * 100 + 100


def test_the_recon_status_follows_from_the_loaded_claims_and_the_bank(
    warehouse: Warehouse, sample: dict[str, Any]
) -> None:
    """Each claim's status recomputed from the stored events and the loaded bank lines, with the truth's
    rule (docs/claims-sample.md), equals the truth's."""
    truth, tenant = sample["truth"], sample["tenant"]
    tokens = [
        (set(re.findall(r"[0-9A-Z]+", f"{n} {r}".upper())), amount)
        for n, r, amount in _bank_credits(warehouse, tenant)
    ]
    # the end of the as-of IST day, as the marts take it
    as_of_end = datetime.fromisoformat(truth["as_of"]).replace(tzinfo=IST) + timedelta(days=1)
    assert truth["settlement_sla_hours"] == truth["settlement_due_days"] * 24
    statuses = {}
    for claim in truth["claims"]:
        _, events = claim_events(warehouse, claim["claim_id"], tenant)
        s = fold(claim["claim_id"], events)
        kinds = {e.event_type for e in events}
        status = None
        if "settled" in kinds:
            credit = [amount for t, amount in tokens if s.utr in t]
            tds = s.tds_paise or s.remitted_tds_paise
            if s.paid_paise + tds < s.approved_paise:
                status = "short_paid"
            elif credit != [s.paid_paise]:
                status = "bank_unmatched"
            else:
                status = "matched"
        elif s.state in ("approved", "partially_approved"):
            submitted = min(e.event_time for e in events if e.event_type == "claim_submitted")
            due = submitted + timedelta(hours=truth["settlement_sla_hours"])
            if "remittance_line" in kinds:
                status = "orphan_remittance"
            else:
                status = "in_transit" if as_of_end <= due else "overdue"
        statuses[claim["claim_id"]] = status
        assert status == claim["recon_status"], claim["claim_id"]
    assert set(RECON_STATUSES) <= set(statuses.values())  # these seeds give every status


# -- determinism ----------------------------------------------------------------------------------------
SMALL = {"branches": 2, "days": 12, "bookings_per_branch_day": 8}


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_claims_off_is_the_sample_as_before_and_on_changes_only_claims_bank_and_truth(tmp_path: Path) -> None:
    default = _files(Path(write_sample(tmp_path / "a", seed=7, **SMALL)["paths"]["out"]))
    off = _files(Path(write_sample(tmp_path / "b", seed=7, claims=False, **SMALL)["paths"]["out"]))
    on_summary = write_sample(tmp_path / "c", seed=7, claims=True, **SMALL)
    again = _files(Path(write_sample(tmp_path / "d", seed=7, claims=True, **SMALL)["paths"]["out"]))
    on = _files(tmp_path / "c")
    assert off == default
    assert not any(name.startswith("claims/") for name in off)
    assert on == again  # deterministic with claims too
    bank = str(Path(on_summary["paths"]["bank"]).relative_to(tmp_path / "c"))
    changed = {name for name in on if on[name] != off.get(name)}
    assert {n for n in changed if not n.startswith("claims/")} == {
        bank,
        "ground_truth.json",
        "reference/claim_slas.csv",  # the claims' service levels
        "reference/claim_document_requirements.csv",  # the insurers' documents (claim_documents.py)
    }
    assert set(off) <= set(on)
    truth_off = json.loads(off["ground_truth.json"])
    truth_on = json.loads(on["ground_truth.json"])
    assert {k: v for k, v in truth_on.items() if k != "claims"} == truth_off
    write_sample(tmp_path / "c", seed=7, **SMALL)  # again without claims, over the claims run
    assert _files(tmp_path / "c") == off


def test_claims_need_the_adt_feed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="claims need the ADT feed"):
        write_sample(tmp_path, seed=1, adt_format="none", claims=True, **SMALL)
