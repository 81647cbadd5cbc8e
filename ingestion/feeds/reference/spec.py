"""Reference data of the chain: branches, doctors (with fee schedule) and the payment-gateway contract, the
mapping tables that translate a HIS's codes (patient MRN, practitioner, department, ward, service) to the
platform's, and the messaging providers' rate card. Every mapping file is optional: a data directory without
them loads as before, and the codes they would map surface in the `unmapped_codes` mart until a later load
adds them. The rate card is optional too: without it, messages cost nothing known (cost 0, rate null)."""

from __future__ import annotations

from ingestion.spec import UNSCHEDULED, Column, FeedSpec, TableSpec

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

PATIENT_IDENTITY = TableSpec(
    "reference_patient_identity",
    "Patient identity mapping: the HIS's medical record number (MRN) and ABHA number to the booking service's "
    "patient_id, every version ever loaded (a changed row is a new version; the latest load of an MRN wins).",
    (
        TENANT,
        Column("mrn", "String", "The HIS's medical record number (HL7 PID-3 of type MR).", "phi"),
        Column("abha_number", "String", "The patient's ABHA number, '' when not known.", "phi"),
        Column("patient_id", "String", "The booking service's patient id of that person.", "pii"),
    ),
    key=("tenant_id", "mrn"),
    versioned=True,
)

PROVIDERS = TableSpec(
    "reference_providers",
    "Provider mapping: the HIS's practitioner id (HL7 PV1-7.1) to the platform's doctor_id, every version "
    "ever loaded.",
    (
        TENANT,
        Column("practitioner_id", "String", "The HIS's practitioner id."),
        Column("doctor_id", "String", "The platform's doctor id (reference_doctors)."),
    ),
    key=("tenant_id", "practitioner_id"),
    versioned=True,
)

DEPARTMENTS = TableSpec(
    "reference_departments",
    "Department mapping: the HIS's department / hospital service code (HL7 PV1-10) to its name and the branch "
    "it belongs to, every version ever loaded.",
    (
        TENANT,
        Column("department_code", "String", "The HIS's department code."),
        Column("department_name", "String", "The department's display name."),
        Column("branch_id", "String", "The branch the department belongs to."),
    ),
    key=("tenant_id", "department_code"),
    versioned=True,
)

WARDS = TableSpec(
    "reference_wards",
    "Ward mapping: the HIS's point of care (HL7 PV1-3.1, the first component of a location) to its name and "
    "branch, every version ever loaded.",
    (
        TENANT,
        Column("ward_code", "String", "The HIS's point-of-care (ward, clinic room) code."),
        Column("ward_name", "String", "The ward's display name."),
        Column("branch_id", "String", "The branch the ward is in."),
    ),
    key=("tenant_id", "ward_code"),
    versioned=True,
)

SERVICES = TableSpec(
    "reference_services",
    "Service catalog mapping: the HIS's service (charge) code to the platform's service and its fee, every "
    "version ever loaded.",
    (
        TENANT,
        Column("service_code", "String", "The HIS's service / charge code."),
        Column("service_id", "String", "The platform's service id."),
        Column("service_name", "String", "The platform service's name."),
        Column("fee_paise", "Int64", "The platform's fee for the service, paise.", "financial"),
    ),
    key=("tenant_id", "service_code"),
    versioned=True,
)

MESSAGE_RATES = TableSpec(
    "reference_message_rates",
    "What the messaging providers charge, per channel, provider and WhatsApp pricing category, from a date, "
    "every version ever loaded: a WhatsApp message by its pricing category, an SMS per segment (part), an "
    "email per message.",
    (
        TENANT,
        Column("channel", "String", "whatsapp, sms or email."),
        Column("provider", "String", "The provider that bills: meta, msg91 or sendgrid."),
        Column(
            "pricing_category",
            "String",
            "WhatsApp: Meta's pricing category (marketing, utility, authentication, service); '' otherwise.",
        ),
        Column("unit", "String", "What the rate is for: message (WhatsApp, email) or segment (an SMS part)."),
        Column("rate_paise", "Int64", "The provider's price of one unit, paise.", "financial"),
        Column("valid_from", "Date", "The first IST date the rate applies to; it holds until a later one."),
    ),
    key=("tenant_id", "channel", "provider", "pricing_category", "valid_from"),
    versioned=True,
)

CLAIM_SLAS = TableSpec(
    "reference_claim_slas",
    "The chain's service levels for insurance claims, per insurer and TPA ('' for any), every version ever "
    "loaded: the hours from a claim's submission to the insurer's decision and to its settlement. A claim "
    "takes the most specific row: its insurer and TPA, then its insurer, then its TPA, then the default.",
    (
        TENANT,
        Column("insurer", "String", "The insurer the service level is for; '' for any insurer."),
        Column("tpa", "String", "The TPA the service level is for; '' for any TPA (or none)."),
        Column("decision_sla_hours", "Int64", "Hours from submission by which the insurer should decide."),
        Column("settlement_sla_hours", "Int64", "Hours from submission by which the claim should be paid."),
    ),
    key=("tenant_id", "insurer", "tpa"),
    versioned=True,
)

CLAIM_DOCUMENT_REQUIREMENTS = TableSpec(
    "reference_claim_document_requirements",
    "The documents each insurer requires with a pre-auth request or a claim submission ('' insurer: every "
    "insurer's default), every version ever loaded. For each document kind a claim takes its insurer's row, "
    "else the default; required 0 on an insurer's row waives a default requirement.",
    (
        TENANT,
        Column("insurer", "String", "The insurer (as the claim's events name it); '' for the default."),
        Column("claim_kind", "String", "preauth (the pre-auth request) or claim (the claim submission)."),
        Column(
            "document_kind",
            "String",
            "discharge_summary, itemised_bill, id_proof, prescription or investigation_report.",
        ),
        Column("required", "UInt8", "1 when the document must be filed with the request, 0 when not."),
    ),
    key=("tenant_id", "insurer", "claim_kind", "document_kind"),
    versioned=True,
)

# the metrics fct_branch_variance_monthly compares a branch on (docs/branch-metrics.md); a target names one
VARIANCE_METRICS = (
    "booking_count", "completed_visit_count", "no_show_rate", "visit_revenue_paise", "average_fee_paise",
    "collected_paise", "refunded_paise", "message_delivery_rate", "admission_count", "claims_submitted_count",
)  # fmt: skip

TARGETS = TableSpec(
    "reference_targets",
    "The chain's monthly targets per branch and metric, every version ever loaded; the variance marts "
    "compare each branch's month with its target.",
    (
        TENANT,
        Column("branch_id", "String", "The branch the target is for."),
        Column("month", "Date", "The month, the first day of it (written YYYY-MM in the file)."),
        Column("metric", "String", "The metric: one of the variance marts' metric names."),
        Column("target", "Float64", "The target, in the metric's unit (paise, a count, or a rate 0-1)."),
    ),
    key=("tenant_id", "branch_id", "month", "metric"),
    versioned=True,
)

MAPPING_TABLES = (PATIENT_IDENTITY, PROVIDERS, DEPARTMENTS, WARDS, SERVICES)
# optional: a data directory without reference/message_rates.csv loads; its messages cost nothing known;
# without reference/claim_slas.csv no claim breaches a service level; without
# reference/claim_document_requirements.csv no document is required; without reference/targets.csv no
# branch has a target
OPTIONAL_TABLES = (*MAPPING_TABLES, MESSAGE_RATES, CLAIM_SLAS, CLAIM_DOCUMENT_REQUIREMENTS, TARGETS)
TABLES = (
    BRANCHES,
    DOCTORS,
    GATEWAY_CONTRACTS,
    *MAPPING_TABLES,
    MESSAGE_RATES,
    CLAIM_SLAS,
    CLAIM_DOCUMENT_REQUIREMENTS,
    TARGETS,
)
ROUTES = {
    "branches": BRANCHES.name,
    "doctors": DOCTORS.name,
    "gateway_contract": GATEWAY_CONTRACTS.name,
    "message_rates": MESSAGE_RATES.name,
    "claim_slas": CLAIM_SLAS.name,
    "claim_document_requirements": CLAIM_DOCUMENT_REQUIREMENTS.name,
    "targets": TARGETS.name,
    # the mapping tables' files are optional (DIR/reference/<stem>.csv)
    **{t.name.removeprefix("reference_"): t.name for t in MAPPING_TABLES},
}

SPEC = FeedSpec(
    name="reference",
    freshness=UNSCHEDULED,
    description="Reference data maintained by the clinic chain's operations team (branches, doctors, the "
    "payment gateway contract, the optional mapping tables of HIS codes: patient identity, providers, "
    "departments, wards, services, the optional rate card of the messaging providers and the optional claim service levels, the optional documents each insurer requires with a claim and the optional monthly branch targets). Versioned: when a row changes, the new version is appended by a later load, "
    "and the latest load of a key wins.",
    source="reference",
    folder="reference",
    patterns=tuple(f"{stem}.csv" for stem in ROUTES),
    tables=TABLES,
    position="line",
    reader="python",
    headers={t.name: tuple(t.column_names) for t in TABLES},
    routes=ROUTES,
    optional_tables=tuple(t.name for t in OPTIONAL_TABLES),
)
