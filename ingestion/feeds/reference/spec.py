"""Reference data of the chain: branches, doctors (with fee schedule) and the payment-gateway contract."""

from __future__ import annotations

from ingestion.spec import Column, FeedSpec, TableSpec

TENANT = Column("tenant_id", "String", "The clinic chain.")

BRANCHES = TableSpec(
    "reference_branches",
    "Branches of the clinic chain, every version ever loaded; a changed row is a new version.",
    (
        TENANT,
        Column("branch_id", "String", "Branch id."),
        Column("branch_name", "String", "Branch display name."),
        Column("city", "String", "City of the branch."),
        Column("state", "String", "Indian state of the branch."),
    ),
    key=("tenant_id", "branch_id"),
    versioned=True,
)

DOCTORS = TableSpec(
    "reference_doctors",
    "Doctors and their consultation fee, every version ever loaded; a changed row is a new version.",
    (
        TENANT,
        Column("doctor_id", "String", "Doctor id."),
        Column("branch_id", "String", "Branch the doctor practises at."),
        Column("doctor_name", "String", "Doctor's name.", "pii"),
        Column("specialty", "String", "Medical specialty."),
        Column("consultation_fee_paise", "Int64", "Consultation fee, paise.", "financial"),
    ),
    key=("tenant_id", "doctor_id"),
    versioned=True,
)

GATEWAY_CONTRACTS = TableSpec(
    "reference_gateway_contracts",
    "The payment gateway contract per payment method, every version ever loaded: MDR and GST rates in basis "
    "points, settlement cycle (T+N calendar days) and refund SLA.",
    (
        TENANT,
        Column("gateway", "String", "Payment gateway, razorpay."),
        Column("method", "String", "Payment method, upi | card | wallet | netbanking."),
        Column(
            "mdr_bps",
            "Int64",
            "Merchant discount rate (the gateway's fee, excluding GST), basis points of the amount.",
            "financial",
        ),
        Column("gst_bps", "Int64", "GST on the fee, basis points of the fee (1800 = 18%).", "financial"),
        Column("settlement_days", "Int64", "Settlement cycle, calendar days after capture (T+N)."),
        Column("refund_sla_days", "Int64", "Days within which a refund must appear in a settlement."),
    ),
    key=("tenant_id", "gateway", "method"),
    versioned=True,
)

TABLES = (BRANCHES, DOCTORS, GATEWAY_CONTRACTS)
ROUTES = {"branches": BRANCHES.name, "doctors": DOCTORS.name, "gateway_contract": GATEWAY_CONTRACTS.name}

SPEC = FeedSpec(
    name="reference",
    description="Reference data maintained by the clinic chain's operations team (branches, doctors, the "
    "payment gateway contract). Versioned: when a row changes, the new version is appended by a later load, "
    "and the latest load of a key wins.",
    source="reference",
    folder="reference",
    patterns=tuple(f"{stem}.csv" for stem in ROUTES),
    tables=TABLES,
    position="line",
    reader="python",
    headers={t.name: tuple(t.column_names) for t in TABLES},
    routes=ROUTES,
)
