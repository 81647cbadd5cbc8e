"""Reference data is versioned: a changed row becomes current, changing it back makes the old one current."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.reference import FEED as REFERENCE_FEED
from ingestion.feeds.reference import tenant_of
from ingestion.loader import ALREADY_LOADED, load_file
from ingestion.tables import create_raw_tables

HEADER = "tenant_id,gateway,method,mdr_bps,gst_bps,settlement_days,refund_sla_days\n"
FEED = REFERENCE_FEED


def contract(path: Path, upi_mdr: int) -> Path:
    path.write_text(HEADER + f"tnt_r,razorpay,upi,{upi_mdr},1800,2,7\ntnt_r,razorpay,card,200,1800,2,7\n")
    return path


def current_upi_mdr(w: Warehouse) -> int:
    return w.scalar(
        "select argMax(mdr_bps, (_loaded_at, _source_line)) from raw.reference_gateway_contracts "
        "where tenant_id = 'tnt_r' and method = 'upi'"
    )


def test_contract_change_and_change_back(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    folder = tmp_path / "reference"
    folder.mkdir()
    path = folder / "gateway_contract.csv"
    context = LoadContext("tnt_r")

    first = load_file(warehouse, FEED, contract(path, 100), context, source="reference/gateway_contract.csv")
    assert (first.rows_loaded, current_upi_mdr(warehouse)) == (2, 100)
    again = load_file(warehouse, FEED, path, context, source="reference/gateway_contract.csv")
    assert again.status == ALREADY_LOADED

    changed = load_file(
        warehouse, FEED, contract(path, 150), context, source="reference/gateway_contract.csv"
    )
    assert (changed.rows_loaded, changed.rows_skipped, changed.rows_quarantined) == (1, 1, 0)
    assert current_upi_mdr(warehouse) == 150

    back = load_file(warehouse, FEED, contract(path, 100), context, source="reference/gateway_contract.csv")
    assert back.status == "loaded" and back.batch_id != first.batch_id
    assert (back.rows_loaded, back.rows_skipped) == (1, 1)
    assert current_upi_mdr(warehouse) == 100
    assert (
        warehouse.scalar("select count() from raw.reference_gateway_contracts where tenant_id = 'tnt_r'") == 4
    )


def test_unknown_reference_file_is_rejected_and_tenant_is_read_from_branches(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    (tmp_path / "reference").mkdir()
    stray = tmp_path / "reference" / "patients.csv"
    stray.write_text("patient_id,name\npt_1,A\n")
    result = load_file(warehouse, FEED, stray, LoadContext("tnt_r"), source="reference/patients.csv")
    assert (result.status, result.rows_quarantined) == ("rejected", 2)
    assert "patients.csv is not a reference file (expected branches.csv" in result.note

    # A stray row (another tenant's, a repeated header) neither decides the tenant nor stops the load:
    # the tenant is the one most rows name, and the stray rows are quarantined with a reason.
    branches = tmp_path / "reference" / "branches.csv"
    branches.write_text(
        "tenant_id,branch_id,branch_name,city,state\nt1,b1,A,X,KA\nt2,b2,B,Y,KA\n"
        "tenant_id,branch_id,branch_name,city,state\nt1,b3,C,Z,KA\n"
    )
    assert tenant_of(tmp_path) == "t1"
    result = load_file(warehouse, FEED, branches, LoadContext("t1"), source="reference/branches.csv")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    reasons = [
        r
        for (r,) in warehouse.rows(
            "select reason from raw.quarantine where _source_file = 'reference/branches.csv' order by _source_line"
        )
    ]
    assert reasons == [
        "row names tenant 't2', but this data directory belongs to tenant t1 (named by most rows of reference/branches.csv)",
        "row names tenant 'tenant_id', but this data directory belongs to tenant t1 (named by most rows of reference/branches.csv)",
    ]
    branches.write_text("tenant_id,branch_id,branch_name,city,state\n")
    with pytest.raises(ValueError, match="names no tenant"):
        tenant_of(tmp_path)


def test_mapping_tables_load_versioned_with_optional_abha_and_reasons_for_bad_rows(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    folder = tmp_path / "reference"
    folder.mkdir()
    context = LoadContext("tnt_m")
    identity = folder / "patient_identity.csv"
    identity.write_text(
        "tenant_id,mrn,abha_number,patient_id\n"
        "tnt_m,MRN1,91-1234-5678-9012,pt_1\n"
        "tnt_m,MRN2,,pt_2\n"  # no ABHA number known: still a mapping
        "tnt_m,MRN3,,\n"  # no patient: not a mapping
    )
    result = load_file(warehouse, FEED, identity, context, source="reference/patient_identity.csv")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert (
        warehouse.scalar(
            "select reason from raw.quarantine where _source_file = 'reference/patient_identity.csv'"
        )
        == "column 'patient_id' is empty but required"
    )

    services = folder / "services.csv"
    services.write_text(
        "tenant_id,service_code,service_id,service_name,fee_paise\n"
        "tnt_m,CONS01,svc_consult,Consultation,50000\n"
        "tnt_m,XR01,svc_xray,X-ray,12.50\n"  # rupees where paise are due
    )
    result = load_file(warehouse, FEED, services, context, source="reference/services.csv")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)

    providers = folder / "providers.csv"
    providers.write_text("tenant_id,practitioner_id,doctor_id\ntnt_m,P100,doc_1\n")
    load_file(warehouse, FEED, providers, context, source="reference/providers.csv")
    providers.write_text("tenant_id,practitioner_id,doctor_id\ntnt_m,P100,doc_2\n")  # re-mapped later
    changed = load_file(warehouse, FEED, providers, context, source="reference/providers.csv")
    assert (changed.rows_loaded, changed.rows_skipped) == (1, 0)
    assert warehouse.rows(
        "select doctor_id from raw.reference_providers where tenant_id = 'tnt_m' order by _loaded_at"
    ) == [("doc_1",), ("doc_2",)]


def test_message_rates_load_and_bad_rates_are_quarantined_with_reasons(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    folder = tmp_path / "reference"
    folder.mkdir()
    rates = folder / "message_rates.csv"
    rates.write_text(
        "tenant_id,channel,provider,pricing_category,unit,rate_paise,valid_from\n"
        "tnt_m,WhatsApp,meta,Utility,message,12,2026-10-01\n"
        "tnt_m,sms,msg91,,segment,20,2026-10-01\n"
        "tnt_m,email,sendgrid,,message,3,2026-10-01\n"
        "tnt_m,fax,acme,,message,3,2026-10-01\n"
        "tnt_m,sms,msg91,,message,20,2026-10-01\n"
        "tnt_m,whatsapp,meta,,message,12,2026-10-01\n"
        "tnt_m,sms,msg91,,segment,0.20,2026-10-01\n"
        "tnt_m,sms,msg91,,segment,20,01/10/2026\n"
    )
    result = load_file(warehouse, FEED, rates, LoadContext("tnt_m"), source="reference/message_rates.csv")
    assert (result.rows_loaded, result.rows_quarantined) == (3, 5)
    assert warehouse.rows(
        "select channel, pricing_category, unit, rate_paise, toString(valid_from) "
        "from raw.reference_message_rates order by _source_line"
    ) == [
        ("whatsapp", "utility", "message", 12, "2026-10-01"),
        ("sms", "", "segment", 20, "2026-10-01"),
        ("email", "", "message", 3, "2026-10-01"),
    ]
    reasons = [
        r
        for (r,) in warehouse.rows(
            "select reason from raw.quarantine where _source_file = 'reference/message_rates.csv' "
            "order by _source_line"
        )
    ]
    assert reasons == [
        "column 'channel' has 'fax'; expected one of whatsapp, sms, email",
        "column 'unit' has 'message'; sms is priced per segment",
        "column 'pricing_category' is required for whatsapp rates and must be empty for others",
        "column 'rate_paise' has '0.20', not a whole number of paise",
        "column 'valid_from' has '01/10/2026', not a date as YYYY-MM-DD",
    ]


def test_claim_slas_load_and_bad_levels_are_quarantined_with_reasons(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    (tmp_path / "reference").mkdir()
    slas = tmp_path / "reference" / "claim_slas.csv"
    slas.write_text(
        "tenant_id,insurer,tpa,decision_sla_hours,settlement_sla_hours\n"
        "tnt_m,,,72,720\n"  # the default: any insurer, any TPA
        "tnt_m,Star Health,,48,480\n"
        "tnt_m,Star Health,Medi Assist,0,480\n"
        "tnt_m,,Medi Assist,two days,480\n"
    )
    result = load_file(warehouse, FEED, slas, LoadContext("tnt_m"), source="reference/claim_slas.csv")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    assert warehouse.rows(
        "select insurer, tpa, decision_sla_hours, settlement_sla_hours from raw.reference_claim_slas "
        "order by _source_line"
    ) == [("", "", 72, 720), ("Star Health", "", 48, 480)]
    assert [
        r
        for (r,) in warehouse.rows(
            "select reason from raw.quarantine where _source_file = 'reference/claim_slas.csv' order by _source_line"
        )
    ] == [
        "column 'decision_sla_hours' is 0; a service level is a positive number of hours",
        "column 'decision_sla_hours' has 'two days', not a whole number",
    ]


def test_targets_load_and_bad_rows_are_quarantined_with_reasons(warehouse: Warehouse, tmp_path: Path) -> None:
    create_raw_tables(warehouse)
    (tmp_path / "reference").mkdir()
    targets = tmp_path / "reference" / "targets.csv"
    targets.write_text(
        "tenant_id,branch_id,month,metric,target\n"
        "tnt_m,br_blr01,2026-10,visit_revenue_paise,7500000\n"
        "tnt_m,br_blr01,2026-10,no_show_rate,0.08\n"
        "tnt_m,br_blr01,2026-10,footfall,100\n"
        "tnt_m,br_blr01,10/2026,booking_count,250\n"
        "tnt_m,br_blr01,2026-11,booking_count,lots\n"
        "tnt_m,br_blr01,2026-11,booking_count,nan\n"
    )
    result = load_file(warehouse, FEED, targets, LoadContext("tnt_m"), source="reference/targets.csv")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 4)
    assert warehouse.rows(
        "select branch_id, toString(month), metric, target from raw.reference_targets order by _source_line"
    ) == [
        ("br_blr01", "2026-10-01", "visit_revenue_paise", 7500000.0),
        ("br_blr01", "2026-10-01", "no_show_rate", 0.08),
    ]
    reasons = [
        r
        for (r,) in warehouse.rows(
            "select reason from raw.quarantine where _source_file = 'reference/targets.csv' order by _source_line"
        )
    ]
    assert reasons[0].startswith("column 'metric' has 'footfall'; expected one of booking_count, ")
    assert reasons[1:] == [
        "column 'month' has '10/2026', not a month as YYYY-MM",
        "column 'target' has 'lots', not a number",
        "column 'target' has 'nan', not a number",
    ]
