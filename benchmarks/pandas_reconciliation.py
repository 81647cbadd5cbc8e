"""The same reconciliation (docs/reconciliation.md) written in plain pandas, as a yardstick for `make bench`.

It reads the data directory's files directly, with no quarantine, ledger or idempotence, so it is the
fastest a single-process script could be; the benchmark prints how the platform compares to it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

PAYMENT_TYPES = ("payment.deposit.paid", "payment.balance.paid")


def _events(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    payments, refunds = [], []
    for path in sorted((data_dir / "events").glob("*.ndjson")):
        with path.open() as fh:
            for line in fh:
                event = json.loads(line)
                if event["type"] in PAYMENT_TYPES:
                    payments.append({**event["data"], "tenant_id": event["tenantid"]})
                elif event["type"] == "payment.refund.initiated":
                    refunds.append({**event["data"], "initiated": event["time"]})
    return pd.DataFrame(payments), pd.DataFrame(refunds)


def _ist_date(series: pd.Series, unit: str | None = None) -> pd.Series:
    stamps = pd.to_datetime(series, unit=unit, utc=True) if unit else pd.to_datetime(series, utc=True)
    return stamps.dt.tz_convert("Asia/Kolkata").dt.date


def reconcile(data_dir: Path, as_of: date | None = None) -> pd.Series:
    """Counts per status, as the mart would give them."""
    payments, refunds = _events(data_dir)
    lines = pd.concat(
        [
            pd.read_csv(p, dtype={"notes": str, "settlement_utr": str})
            for p in sorted((data_dir / "settlements/razorpay").glob("*.csv"))
        ],
        ignore_index=True,
    )
    bank = pd.concat(
        [pd.read_csv(p, dtype=str) for p in sorted((data_dir / "bank").glob("*.csv"))], ignore_index=True
    )
    contract = pd.read_csv(data_dir / "reference/gateway_contract.csv").set_index("method")
    bank["credit_paise"] = (
        bank["credit"].fillna("0").str.replace(",", "").map(lambda s: round(float(s) * 100) if s else 0)
    )
    bank["utr"] = bank["narration"].str.extract(r"\b([A-Z]{4}[0-9A-Z][0-9]{6,17})\b", expand=False)
    credits = bank.dropna(subset=["utr"]).groupby("utr")["credit_paise"].sum()

    lines["net"] = lines["credit"] - lines["debit"]
    settlement_net = lines.groupby("settlement_id")["net"].sum()
    utr_of = lines.groupby("settlement_id")["settlement_utr"].first()
    bank_ok = pd.Series(
        [credits.get(utr_of[s]) == settlement_net[s] for s in settlement_net.index],
        index=settlement_net.index,
    )
    if as_of is None:
        as_of = max(
            _ist_date(payments["captured_at"]).max(),
            _ist_date(lines["settled_at"], unit="s").max(),
            pd.to_datetime(bank["txn_date"], format="%d/%m/%Y").dt.date.max(),
        )

    pay_lines = lines[lines["type"] == "payment"].set_index("entity_id")
    payments = payments.sort_values(["captured_at", "payment_id"])
    payments["dup"] = payments.duplicated("order_id", keep="first")
    payments["age"] = [(as_of - d).days for d in _ist_date(payments["captured_at"])]
    gl = pay_lines.reindex(payments["payment_id"])
    mdr = contract.loc[payments["method"], "mdr_bps"].to_numpy()
    gst = contract.loc[payments["method"], "gst_bps"].to_numpy()
    window = contract.loc[payments["method"], "settlement_days"].to_numpy()
    amount = gl["amount"].fillna(0).to_numpy().astype("int64")
    exp_fee = (amount * mdr + 5000) // 10000
    exp_tax = (exp_fee * gst + 5000) // 10000
    fee = (gl["fee"] - gl["tax"]).fillna(0).to_numpy()
    tax = gl["tax"].fillna(0).to_numpy()
    settled = gl["settlement_id"].notna().to_numpy()
    status = pd.Series("matched", index=payments.index)
    bank_bad = ~gl["settlement_id"].map(bank_ok).fillna(False).astype(bool).to_numpy()
    status[bank_bad] = "bank_unmatched"
    status[(abs(fee - exp_fee) > 1) | (abs(tax - exp_tax) > 1)] = "fee_mismatch"
    status[settled & (amount != payments["amount_paise"].to_numpy())] = "amount_mismatch"
    status[~settled] = "settlement_overdue"
    status[~settled & (payments["age"].to_numpy() <= window)] = "in_transit"
    status[payments["dup"].to_numpy()] = "duplicate_payment"

    refund_lines = lines[lines["type"] == "refund"].set_index("entity_id")
    sla = int(contract["refund_sla_days"].iloc[0])
    rl = refund_lines.reindex(refunds["refund_id"]) if len(refunds) else refund_lines.iloc[0:0]
    r_status = pd.Series("matched", index=refunds.index)
    if len(refunds):
        r_age = [(as_of - d).days for d in _ist_date(refunds["initiated"])]
        r_settled = rl["settlement_id"].notna().to_numpy()
        r_status[~rl["settlement_id"].map(bank_ok).fillna(False).astype(bool).to_numpy()] = "bank_unmatched"
        r_status[(rl["fee"].fillna(0).to_numpy() != 0)] = "fee_mismatch"
        r_status[r_settled & (rl["amount"].to_numpy() != refunds["amount_paise"].to_numpy())] = (
            "amount_mismatch"
        )
        r_status[~r_settled] = "settlement_overdue"
        r_status[~r_settled & (pd.Series(r_age).to_numpy() <= sla)] = "in_transit"

    known = set(payments["payment_id"]) | set(refunds.get("refund_id", []))
    orphans = lines[~lines["entity_id"].isin(known)]
    return pd.concat(
        [status, r_status, pd.Series("orphan_gateway_line", index=range(len(orphans)))], ignore_index=True
    ).value_counts()
