"""Razorpay settlement data as a real account delivers it, built by hand from Razorpay's public docs, run
through the whole pipeline, with every expected status worked out by hand below.

- A Dashboard settlement-recon download (https://razorpay.com/docs/payments/settlements/dashboard/): amounts
  in rupees (`294.69`), IST date-times, no `posted_at` or `credit_type`, extra `arn`, `upi_flow` and
  `additional_utr` columns, and a `type=settlement` summary row.
- The recon API's JSON (`GET /v1/settlements/recon/combined`, https://razorpay.com/docs/api/settlements/):
  the documented example's shape, with an adjustment item that has no `credit_type` key and a null
  `settlement_utr`, booleans for flags and `notes` as an object.

The chain's contract: UPI 100 bps MDR, cards 200 bps, GST 18 % on the fee, T+2 settlement.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from mymedic.pipeline import run_pipeline

pytestmark = pytest.mark.slow

TENANT, BRANCH = "tnt_docs", "br_blr01"

# payment_id: (method, booked paise, captured_at UTC)
PAYMENTS = {
    # upi ₹294.69: fee 1 % = 294.69 -> 295 paise (half up), GST 18 % of 295 = 53.1 -> 53; credit 29469 - 348
    "pay_Dash294": ("upi", 29469, "2026-10-01T04:00:00Z"),
    # card ₹1,000.00: fee 2 % = 2000, GST 360; credit 100000 - 2360 = 97640
    "pay_DashCard": ("card", 100000, "2026-10-01T05:00:00Z"),
    # upi ₹500.00: fee 500, GST 90; credit 50000 - 590 = 49410
    "pay_Dash500": ("upi", 50000, "2026-10-01T06:00:00Z"),
    # upi ₹400.00, captured the next day: fee 400, GST 72; credit 40000 - 472 = 39528
    "pay_Api400": ("upi", 40000, "2026-10-02T04:00:00Z"),
}
# refund of pay_DashCard: ₹200.00, debited in full from the next settlement
REFUND = ("rfnd_Dash200", "pay_DashCard", 20000, "2026-10-01T07:00:00Z")

# UTRs as Razorpay (alphanumeric, like 1568176960vxp0rj), an RTGS bank and Cashfree/Axis write them
DASH_UTR, API_UTR = "1791500000dshbrd", "HDFCR52026100400012345"
# Dashboard settlement of 3 Oct: 29121 + 97640 + 49410 - 20000 = 156171 paise = ₹1,561.71
DASHBOARD_CSV = f"""entity_id,type,debit,credit,amount,currency,fee,tax,on_hold,settled,created_at,settled_at,settlement_id,description,notes,payment_id,arn,settlement_utr,order_id,order_receipt,method,upi_flow,card_network,card_issuer,card_type,dispute_id,additional_utr
pay_Dash294,payment,0.00,291.21,294.69,INR,3.48,0.53,0,1,2026-10-01 09:30:00,2026-10-03 10:00:00,setl_Dash1003,Consultation,"{{""branch_id"": ""{BRANCH}""}}",,,{DASH_UTR},order_Dash294,,upi,collect,,,,,
pay_DashCard,payment,0.00,976.40,1000.00,INR,23.60,3.60,0,1,2026-10-01 10:30:00,2026-10-03 10:00:00,setl_Dash1003,Consultation,"{{""branch_id"": ""{BRANCH}""}}",,,{DASH_UTR},order_DashCard,,card,,Visa,HDFC,credit,,
pay_Dash500,payment,0.00,494.10,500.00,INR,5.90,0.90,0,1,2026-10-01 11:30:00,2026-10-03 10:00:00,setl_Dash1003,Consultation,"{{""branch_id"": ""{BRANCH}""}}",,,{DASH_UTR},order_Dash500,,upi,intent,,,,,
rfnd_Dash200,refund,200.00,0.00,200.00,INR,0.00,0.00,0,1,2026-10-01 12:30:00,2026-10-03 10:00:00,setl_Dash1003,Refund,,pay_DashCard,74332016271627361627384,{DASH_UTR},order_DashCard,,card,,,,,,
setl_Dash1003,settlement,0.00,1561.71,1561.71,INR,0.00,0.00,0,1,2026-10-03 10:00:00,2026-10-03 10:00:00,setl_Dash1003,settlement,,,,{DASH_UTR},,,,,,,,,
"""

# API settlement of 4 Oct: 39528 + an adjustment credit of 1012 (₹10.12) = 40540 paise = ₹405.40
API_JSON = {
    "entity": "collection",
    "count": 2,
    "items": [
        {
            "entity_id": "pay_Api400", "type": "payment", "debit": 0, "credit": 39528, "amount": 40000,
            "currency": "INR", "fee": 472, "tax": 72, "on_hold": False, "settled": True,
            "created_at": 1790913600, "settled_at": 1791088200, "settlement_id": "setl_Api1004",
            "posted_at": 1791088300, "credit_type": "default", "description": "Consultation",
            "notes": {"branch_id": BRANCH}, "payment_id": None, "settlement_utr": API_UTR,
            "order_id": "order_Api400", "order_receipt": None, "method": "upi", "card_network": None,
            "card_issuer": None, "card_type": None, "dispute_id": None,
        },
        {   # as in Razorpay's example: an adjustment with no credit_type key and a null settlement_utr
            "entity_id": "adj_Api1012", "type": "adjustment", "debit": 0, "credit": 1012, "amount": 1012,
            "currency": "INR", "fee": 0, "tax": 0, "on_hold": False, "settled": True,
            "created_at": 1790950000, "settled_at": 1791088200, "settlement_id": "setl_Api1004",
            "posted_at": None, "description": "Adjustment", "notes": [], "payment_id": None,
            "settlement_utr": None, "order_id": None, "order_receipt": None, "method": None,
            "card_network": None, "card_issuer": None, "card_type": None, "dispute_id": None,
        },
    ],
}  # fmt: skip

# Cashfree's Settlement Recon report (https://www.cashfree.com/docs/payments/reports/settlement-recon-reports)
# for a front-desk payment link the bookings never saw: 700.00 less 7.00 charge and 1.26 GST = 691.74,
# less a 100.00 chargeback: the settlement nets 591.74.
CASHFREE_UTR = "AXISCN1169361047"
CASHFREE_CSV = f"""Event ID,Event Type,Sale Type,Event Currency,Event Time,Event Status,Event Amount,Event Settlement Amount,Payment Service Charge,Payment Service Tax,Order ID,CF Payment ID,CF Settlement ID,Settlement UTR,Settlement Date
5114910810601,PAYMENT,CREDIT,INR,2026-10-02 10:00:00,SUCCESS,700.00,691.74,7.00,1.26,link_601,5114910810601,208386901,{CASHFREE_UTR},2026-10-04 11:00:00
4387450601,CHARGEBACK,DEBIT,INR,2026-10-03 10:00:00,SUCCESS,100.00,100.00,,,link_555,5114910810555,208386901,{CASHFREE_UTR},2026-10-04 11:00:00
"""

BANK_CSV = f"""txn_date,value_date,narration,ref_no,debit,credit,balance
03/10/2026,03/10/2026,NEFT CR-{DASH_UTR}-RAZORPAY SOFTWARE PVT LTD,N27626,,"1,561.71","1,01,561.71"
04/10/2026,04/10/2026,NEFT CR-{API_UTR}-RAZORPAY SOFTWARE PVT LTD,N27741,,405.40,"1,01,967.11"
04/10/2026,04/10/2026,NEFT CR-{CASHFREE_UTR}-CASHFREE PAYMENTS INDIA,N27799,,591.74,"1,02,558.85"
"""


def _event(n: int, event_type: str, at: str, data: dict[str, object]) -> str:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": f"evt_{n:03d}",
            "source": f"mymedic/booking/{BRANCH}",
            "type": event_type,
            "time": at,
            "subject": str(data.get("booking_id", "")),
            "datacontenttype": "application/json",
            "tenantid": TENANT,
            "branchid": BRANCH,
            "data": data,
        }
    )


def _write_chain(root: Path) -> Path:
    data = root / "data"
    (data / "reference").mkdir(parents=True)
    (data / "reference" / "branches.csv").write_text(
        f"tenant_id,branch_id,branch_name,city,state\n{TENANT},{BRANCH},Docs Clinic,Bengaluru,Karnataka\n"
    )
    (data / "reference" / "doctors.csv").write_text(
        "tenant_id,doctor_id,branch_id,doctor_name,specialty,consultation_fee_paise\n"
        f"{TENANT},doc_1,{BRANCH},Dr. Rao,General Physician,50000\n"
    )
    (data / "reference" / "gateway_contract.csv").write_text(
        "tenant_id,gateway,method,mdr_bps,gst_bps,settlement_days,refund_sla_days\n"
        f"{TENANT},razorpay,upi,100,1800,2,7\n{TENANT},razorpay,card,200,1800,2,7\n"
    )
    events = []
    for n, (payment_id, (method, amount, at)) in enumerate(PAYMENTS.items(), start=1):
        suffix = payment_id.removeprefix("pay_")
        events.append(
            _event(
                n,
                "payment.deposit.paid",
                at,
                {
                    "payment_id": payment_id,
                    "order_id": f"order_{suffix}",
                    "booking_id": f"bk_{suffix}",
                    "patient_id": f"pat_{n}",
                    "branch_id": BRANCH,
                    "amount_paise": amount,
                    "currency": "INR",
                    "method": method,
                    "gateway": "razorpay",
                    "captured_at": at,
                },
            )
        )
    refund_id, payment_id, amount, at = REFUND
    events.append(
        _event(
            9,
            "payment.refund.initiated",
            at,
            {
                "refund_id": refund_id,
                "payment_id": payment_id,
                "booking_id": "bk_DashCard",
                "amount_paise": amount,
            },
        )
    )
    (data / "events").mkdir()
    (data / "events" / "2026-10-01.ndjson").write_text("\n".join(events) + "\n")
    settlements = data / "settlements" / "razorpay"
    settlements.mkdir(parents=True)
    (settlements / "dashboard-2026-10-03.csv").write_text(DASHBOARD_CSV)
    (settlements / "api-2026-10-04.json").write_text(json.dumps(API_JSON))
    (data / "settlements" / "cashfree").mkdir()
    (data / "settlements" / "cashfree" / "settlement-recon-2026-10-04.csv").write_text(CASHFREE_CSV)
    (data / "bank").mkdir()
    (data / "bank" / "statement_50200000000001.csv").write_text(BANK_CSV)
    return data


def test_dashboard_download_api_example_and_cashfree_report_reconcile_to_the_paisa(tmp_path: Path) -> None:
    data = _write_chain(tmp_path)
    url = f"chdb://{tmp_path / 'warehouse'}"
    report = run_pipeline(data, tmp_path / "exports", warehouse_url=url)
    assert report.success, report
    with open_warehouse(warehouse_settings(url)) as w:
        assert w.rows("select _source_file, reason from raw.quarantine") == []
        statuses = dict(w.rows("select entity_id, status from marts.fct_payment_reconciliation"))
        assert statuses == {
            "pay_Dash294": "matched", "pay_DashCard": "matched", "pay_Dash500": "matched",
            "rfnd_Dash200": "matched", "pay_Api400": "matched",
            # an adjustment is no booking's payment or refund: on a row of its own, never silently netted
            "adj_Api1012": "orphan_gateway_line",
            # Cashfree lines of a payment the bookings never saw, and its chargeback
            "5114910810601": "orphan_gateway_line",
            "4387450601": "orphan_gateway_line",
        }  # fmt: skip
        # rupees became exact paise; IST wall-clock times became UTC
        assert w.rows(
            "select amount, credit, fee, tax, toString(created_at) from raw.razorpay_settlement_lines "
            "where entity_id = 'pay_Dash294'"
        ) == [(29469, 29121, 348, 53, "2026-10-01 04:00:00")]
        # each settlement's net, from its lines (summary row excluded), equals the bank credit
        assert w.rows(
            "select settlement_id, net_paise, bank_credited_paise from intermediate.int_settlements__bank_matched "
            "order by settlement_id"
        ) == [("208386901", 59174, 59174), ("setl_Api1004", 40540, 40540), ("setl_Dash1003", 156171, 156171)]
        # the summary row stays in raw (as received) and is on no mart row
        assert w.scalar("select count() from raw.razorpay_settlement_lines where type = 'settlement'") == 1
        assert (
            w.scalar("select count() from marts.fct_payment_reconciliation where entity_id = 'setl_Dash1003'")
            == 0
        )


def _api_item(
    entity_id: str, kind: str, credit: int, debit: int, amount: int, payment_id: str | None
) -> dict:
    return {
        **API_JSON["items"][1], "entity_id": entity_id, "type": kind, "credit": credit, "debit": debit,
        "amount": amount, "payment_id": payment_id, "settlement_utr": API_UTR, "description": kind,
    }  # fmt: skip


def test_every_gateway_line_lands_on_exactly_one_row(tmp_path: Path) -> None:
    """A second line for an already-settled payment and a refund made in the gateway's dashboard (a refund
    id the bookings never issued) are in the settlement's net, so each gets a row of its own."""
    data = _write_chain(tmp_path)
    items = [
        *API_JSON["items"],
        # pay_Dash500 settled again (its first line is in setl_Dash1003): 49410 more paid out
        _api_item("pay_Dash500", "payment", 49410, 0, 50000, None),
        # a ₹50.00 refund of pay_Dash294 made in the Razorpay dashboard
        _api_item("rfnd_DashboardOnly", "refund", 0, 5000, 5000, "pay_Dash294"),
    ]
    api = data / "settlements" / "razorpay" / "api-2026-10-04.json"
    api.write_text(json.dumps({**API_JSON, "count": len(items), "items": items}))
    # the settlement now nets 40540 + 49410 - 5000 = 84950 paise, and the bank got exactly that
    bank = data / "bank" / "statement_50200000000001.csv"
    bank.write_text(bank.read_text().replace(',405.40,"1,01,967.11"', ',849.50,"1,02,411.21"'))
    url = f"chdb://{tmp_path / 'warehouse'}"
    assert run_pipeline(data, tmp_path / "exports", warehouse_url=url).success
    with open_warehouse(warehouse_settings(url)) as w:
        rows = w.rows(
            "select entity_type, entity_id, status, net_settled_paise, exception_reason "
            "from marts.fct_payment_reconciliation where settlement_id = 'setl_Api1004' order by entity_id"
        )
        assert [r[:4] for r in rows] == [
            ("gateway_line", "adj_Api1012", "orphan_gateway_line", 1012),
            ("payment", "pay_Api400", "matched", 39528),
            ("gateway_line", "pay_Dash500", "orphan_gateway_line", 49410),
            ("gateway_line", "rfnd_DashboardOnly", "orphan_gateway_line", -5000),
        ]
        reasons = {r[1]: r[4] for r in rows}
        assert "settles payment pay_Dash500 a second time" in reasons["pay_Dash500"]
        assert "against payment pay_Dash294" in reasons["rfnd_DashboardOnly"]
        assert "not issued through the booking system" in reasons["rfnd_DashboardOnly"]
        # the first settlement of pay_Dash500 still matches, and every settlement's rows add up to its net
        assert w.scalar("select status from marts.fct_payment_reconciliation where entity_id = 'pay_Dash500' "
                        "and entity_type = 'payment'") == "matched"  # fmt: skip
        assert (
            w.rows(
                "select s.settlement_id, s.net_paise, sum(r.net_settled_paise) "
                "from intermediate.int_settlements__bank_matched as s "
                "join marts.fct_payment_reconciliation as r on r.settlement_id = s.settlement_id "
                "group by s.settlement_id, s.net_paise having s.net_paise != sum(r.net_settled_paise)"
            )
            == []
        )


def test_a_settlement_short_by_a_quarantined_line_names_that_line(tmp_path: Path) -> None:
    """A line finance can't see in the net is named (file, line, reason), not blamed on the bank."""
    data = _write_chain(tmp_path)
    dashboard = data / "settlements" / "razorpay" / "dashboard-2026-10-03.csv"
    # pay_Dash500's amount arrives with a thousands separator the format does not allow: the loaded lines
    # net 1561.71 - 494.10 = 1067.61
    dashboard.write_text(dashboard.read_text().replace("0.00,494.10,500.00,", '0.00,494.10,"5,00.00",', 1))
    url = f"chdb://{tmp_path / 'warehouse'}"
    assert run_pipeline(data, tmp_path / "exports", warehouse_url=url).success
    with open_warehouse(warehouse_settings(url)) as w:
        [(reason,)] = w.rows(
            "select exception_reason from marts.fct_payment_reconciliation where entity_id = 'pay_Dash294'"
        )
        assert reason.startswith(
            "settlement setl_Dash1003 nets ₹1,067.61 from its loaded lines but the bank credited ₹1,561.71"
        )
        assert (
            "1 of its lines were quarantined: settlements/razorpay/dashboard-2026-10-03.csv line 4 "
            "(column 'amount' has '5,00.00', not an amount in rupees" in reason
        )
        assert reason.endswith("correct and reload them before raising the bank credit")
