"""Built-in profiles of other gateways' settlement reports, and the chain's own (profile.yaml)."""

from __future__ import annotations

from pathlib import Path

from ingestion.gateway_profiles import GatewayProfile, load_yaml_profile
from ingestion.records import FileRejected

PROFILE_FILE = "profile.yaml"

# Cashfree's Settlement Recon report, transaction details (Dashboard > Reports > Settlement Recon, CSV),
# https://www.cashfree.com/docs/payments/reports/settlement-recon-reports: one row per event (payment,
# refund, chargeback, adjustment…) with its sale type (CREDIT adds to the settlement, DEBIT takes from
# it), the event amount and the event settlement amount (after Cashfree's charges), both in rupees, IST
# date-times, the settlement's id and UTR. Column names as the report's API twin names them
# (`POST /pg/settlement/recon`); the Dashboard's headings ("Event Settlement Amount") normalise to them.
CASHFREE_RECON = GatewayProfile(
    name="cashfree_settlement_recon",
    gateway="cashfree",
    description="Cashfree Settlement Recon report (CSV; rupees, IST date-times, CREDIT/DEBIT sale type)",
    documented_at="https://www.cashfree.com/docs/payments/reports/settlement-recon-reports",
    columns={
        "entity_id": "event_id",
        "type": "event_type",
        "amount": "event_amount",
        "currency": "event_currency",
        "fee": "payment_service_charge",
        "tax": "payment_service_tax",
        "created_at": "event_time",
        "settled_at": "settlement_date",
        "settlement_id": "cf_settlement_id",
        "settlement_utr": "settlement_utr",
        "order_id": "order_id",
        "payment_id": "cf_payment_id",
        "description": "event_status",
    },
    optional=("fee", "tax", "order_id", "payment_id", "settlement_utr", "description"),
    direction_column="sale_type",
    net_column="event_settlement_amount",
    amount_unit="rupees",
    time_format="ist_local",
    type_values={
        "chargeback": "adjustment",
        "chargeback_reverse": "adjustment",
        "dispute": "adjustment",
        "dispute_reverse": "adjustment",
        "risk": "adjustment",
        "risk_reverse": "adjustment",
        "other_adjustment": "adjustment",
    },
    fee_includes_tax=False,  # Cashfree reports its service charge and the GST on it apart
    constants={"settled": "1", "on_hold": "0"},  # the report lists settled events only
)

BUILT_IN: dict[str, GatewayProfile] = {CASHFREE_RECON.gateway: CASHFREE_RECON}


def profiles_for(folder: Path) -> list[GatewayProfile]:
    """The profiles a file in `settlements/<gateway>/` may be: the chain's profile.yaml there, then the
    built-in one of that gateway."""
    found = []
    if (folder / PROFILE_FILE).is_file():
        found.append(load_yaml_profile(folder / PROFILE_FILE))
    if folder.name in BUILT_IN:
        found.append(BUILT_IN[folder.name])
    if not found:
        raise FileRejected(
            f"no settlement format is known for gateway folder {folder.name!r}: write its column mapping in "
            f"settlements/{folder.name}/{PROFILE_FILE} (docs/reconciliation.md, 'Gateway formats')"
        )
    return found
