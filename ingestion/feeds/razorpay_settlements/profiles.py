"""The formats Razorpay settlement data arrives in (`settlements/razorpay/`), one profile each.

All three use the recon API's field names (`GET /v1/settlements/recon/combined`); they differ in units,
time formats and which fields a file may lack or add. Columns a file adds (e.g. `arn`, `upi_flow`,
`additional_utr` in some dashboard downloads) are ignored.
"""

from __future__ import annotations

from ingestion.gateway_profiles import CANONICAL_FIELDS, GatewayProfile

SAME_NAMES = {field: field for field in CANONICAL_FIELDS}
# Every other field Razorpay may leave out of an item or a download: its own API example has an adjustment
# item with no credit_type and a null settlement_utr; some dashboard downloads lack posted_at and credit_type.
REQUIRED = (
    "entity_id",
    "type",
    "debit",
    "credit",
    "amount",
    "currency",
    "fee",
    "tax",
    "created_at",
    "settlement_id",
)
OPTIONAL = tuple(field for field in CANONICAL_FIELDS if field not in REQUIRED)
DOCS = "https://razorpay.com/docs/api/settlements/fetch-recon/"

# All three use the recon API's field names, make the same fields optional and have summary rows; they
# differ in units, time formats and file format.
RECON_CSV = GatewayProfile(
    name="razorpay_recon_csv",
    gateway="razorpay",
    description="the recon API's items as CSV (paise, epoch seconds), as scripts over the API write them",
    documented_at=DOCS,
    columns=SAME_NAMES,
    optional=OPTIONAL,
    amount_unit="paise",
    time_format="epoch_seconds",
    summary_types=("settlement",),
)
API_JSON = RECON_CSV.model_copy(
    update={
        "name": "razorpay_recon_api",
        "description": "Razorpay settlement recon API response (JSON collection; paise, epoch seconds)",
        "file_format": "json",
    }
)
DASHBOARD_CSV = RECON_CSV.model_copy(
    update={
        "name": "razorpay_dashboard_csv",
        "description": "Razorpay Dashboard settlement recon download (CSV; rupees, IST date-times, "
        "type=settlement summary rows)",
        "documented_at": "https://razorpay.com/docs/payments/settlements/dashboard/",
        "amount_unit": "rupees",
        "time_format": "ist_local",
    }
)

PROFILES: tuple[GatewayProfile, ...] = (RECON_CSV, DASHBOARD_CSV, API_JSON)
