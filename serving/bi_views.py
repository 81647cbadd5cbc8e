"""The BI-friendly views over the marts, in the warehouse's `bi` and `bi_phi` databases.

What a chain's analyst reads without the dictionary open: human column names (the workbook's headers,
exports/column_labels.py), rupees as decimals beside the paise they come from, times in IST, branch names
joined in, each status's label and group from the legend (exports/status_legend.py), which is also a view.

`bi` leaves out the columns that link a row to a patient or say what care a patient sought (the
dictionary's sensitivity rules, dictionary/sensitivity.py) on views whose rows are about one patient's
payment; `bi_phi` has them, and only a role granted it reads them. Both deployments get the same views: a
server's BI users query them under their row policies, and the serving copy (serving/publish.py) is
published from them. Generated here, from those definitions, not written by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from core.time import IST_NAME
from core.warehouse import Warehouse
from dictionary.sensitivity import HEALTH, IDENTITY, PATIENT_LINK, classify
from exports.column_labels import BRANCH_DAY_LABELS, RECONCILIATION_LABELS, Label, sheet_layout
from exports.mart_columns import ColumnKind, column_kind
from exports.status_legend import LEGEND
from serving.adt_view_labels import (
    ADT_EVENT_LABELS,
    BRANCH_DAY_ADT_LABELS,
    PATIENT_EPISODE_LABELS,
    UNMAPPED_CODE_LABELS,
)
from serving.claim_view_labels import (
    CLAIM_ADJUDICATION_LABELS,
    CLAIM_DENIAL_LABELS,
    CLAIM_LABELS,
    CLAIM_SETTLEMENT_RECON_LABELS,
)

BI = "bi"
BI_PHI = "bi_phi"
MARTS = "marts"
TENANT_HEADER = "Tenant"
# On a view whose rows are about one patient's payment, these columns are PHI: only `bi_phi` has them.
PHI_CATEGORIES = frozenset({IDENTITY, PATIENT_LINK, HEALTH})
RUPEE_MARK = "(₹)"

BRANCH_LABELS: tuple[Label, ...] = (
    Label("branch_name", "Branch"),
    Label("branch_id", "Branch ID"),
    Label("city", "City"),
    Label("state", "State"),
    Label("version_loaded_at", "Reference loaded at (IST)"),
    Label("version_count", "Reference versions"),
    Label("tenant_id", TENANT_HEADER),
)
DOCTOR_LABELS: tuple[Label, ...] = (
    Label("doctor_name", "Doctor"),
    Label("doctor_id", "Doctor ID"),
    Label("specialty", "Specialty"),
    Label("branch_name", "Branch"),
    Label("branch_id", "Branch ID"),
    Label("consultation_fee_paise", "Consultation fee (₹)"),
    Label("version_loaded_at", "Reference loaded at (IST)"),
    Label("version_count", "Reference versions"),
    Label("tenant_id", TENANT_HEADER),
)
CHANNEL_DAY_LABELS: tuple[Label, ...] = (
    Label("activity_date", "Day (IST)"),
    Label("branch_name", "Branch"),
    Label("branch_id", "Branch ID"),
    Label("channel", "Channel"),
    Label("campaign", "Campaign"),
    Label("booking_count", "Bookings"),
    Label("completed_visit_count", "Completed visits"),
    Label("no_show_count", "No-shows"),
    Label("collected_paise", "Collected (₹)"),
    Label("refunded_paise", "Refunded (₹)"),
    Label("net_collected_paise", "Net collected (₹)"),
    Label("tenant_id", TENANT_HEADER),
)
MESSAGE_LABELS: tuple[Label, ...] = (
    Label("queued_at", "Queued at (IST)"),
    Label("queued_date", "Queued day (IST)"),
    Label("branch_name", "Branch"),
    Label("branch_id", "Branch ID"),
    Label("message_id", "Message ID"),
    Label("channel", "Channel"),
    Label("provider", "Provider"),
    Label("template", "Template"),
    Label("language", "Language"),
    Label("purpose", "Purpose"),
    Label("final_status", "Final status"),
    Label("sent_at", "Sent at (IST)"),
    Label("delivered_at", "Delivered at (IST)"),
    Label("read_at", "Read at (IST)"),
    Label("failed_at", "Failed at (IST)"),
    Label("error_code", "Error code"),
    Label("failure_reason", "Failure reason"),
    Label("is_deferred", "Held for quiet hours"),
    Label("attempts", "Attempts"),
    Label("retries", "Retries"),
    Label("sms_segments", "SMS segments"),
    Label("pricing_category", "WhatsApp pricing category"),
    Label("billed_units", "Billed units"),
    Label("rate_paise", "Rate (₹)"),
    Label("cost_paise", "Cost (₹)"),
    Label("queued_to_sent_seconds", "Queued to sent (s)"),
    Label("sent_to_delivered_seconds", "Sent to delivered (s)"),
    Label("patient_id", "Patient ID"),
    Label("booking_id", "Booking ID"),
    Label("provider_message_id", "Provider message ID"),
    Label("tenant_id", TENANT_HEADER),
)
MESSAGE_FUNNEL_LABELS: tuple[Label, ...] = (
    Label("queued_date", "Day (IST)"),
    Label("branch_name", "Branch"),
    Label("branch_id", "Branch ID"),
    Label("channel", "Channel"),
    Label("template", "Template"),
    Label("message_count", "Messages"),
    Label("sent_count", "Sent"),
    Label("delivered_count", "Delivered"),
    Label("read_count", "Read"),
    Label("failed_count", "Failed"),
    Label("suppressed_count", "Suppressed (opted out)"),
    Label("delivered_rate", "Delivered / sent"),
    Label("read_rate", "Read / sent"),
    Label("failed_rate", "Failed / messages"),
    Label("cost_paise", "Cost (₹)"),
    Label("cost_per_delivered_paise", "Cost per delivered (₹)"),
    Label("tenant_id", TENANT_HEADER),
)
REMINDER_EFFECT_LABELS: tuple[Label, ...] = (
    Label("slot_month", "Month (IST)"),
    Label("branch_name", "Branch"),
    Label("branch_id", "Branch ID"),
    Label("reminder_status", "Reminder"),
    Label("booking_count", "Bookings"),
    Label("no_show_count", "No-shows"),
    Label("completed_count", "Completed visits"),
    Label("no_show_rate", "No-show rate"),
    Label("tenant_id", TENANT_HEADER),
)
DQ_DAILY_LABELS: tuple[Label, ...] = (
    Label("checked_date", "Day (IST)"),
    Label("asset_key", "Asset"),
    Label("check_name", "Check"),
    Label("check_description", "What it checks"),
    Label("severity", "Severity"),
    Label("evaluation_count", "Evaluations"),
    Label("passed_count", "Passed"),
    Label("failed_count", "Failed"),
    Label("latest_status", "Latest status"),
    Label("latest_failing_rows", "Latest failing rows"),
    Label("max_failing_rows", "Most failing rows"),
    Label("latest_run_id", "Latest run (Dagster)"),
    Label("latest_checked_at", "Latest checked at (IST)"),
)


@dataclass(frozen=True)
class BiView:
    name: str  # the view in `bi` / `bi_phi`
    mart: str  # the table in `marts` it reads
    labels: tuple[Label, ...]
    description: str
    patient_level: bool = False  # one row per patient's payment, refund or episode: PHI only in bi_phi
    joins_branch: bool = True  # adds the branch's name from marts.dim_branches
    status_legend: bool = False  # its `status` is a reconciliation status: label and group from the legend
    leave_out: tuple[str, ...] = ()  # mart columns the view does not show (one restating another)
    # The serving copy also carries the mart itself (`marts.<mart>`). The ADT marts' rows are about one
    # patient and carry MRNs and visit numbers: the copy has only their views (PHI left out of `bi`).
    copy_mart: bool = True
    # The platform's own figures (the data-quality history), not a chain's: no tenant column, published in
    # the operators' marts.duckdb only, never in a tenant's file.
    tenant_data: bool = True


BI_VIEWS: tuple[BiView, ...] = (
    BiView(
        "payment_reconciliation",
        "fct_payment_reconciliation",
        RECONCILIATION_LABELS,
        "Every payment, refund and unmatched gateway line with its reconciliation status",
        patient_level=True,
        status_legend=True,
    ),
    BiView(
        "branch_daily_settlements",
        "fct_branch_daily_settlements",
        BRANCH_DAY_LABELS,
        "Each branch's daily gateway payout against the bank credit",
    ),
    BiView("branches", "dim_branches", BRANCH_LABELS, "The chain's branches", joins_branch=False),
    BiView("doctors", "dim_doctors", DOCTOR_LABELS, "The chain's doctors, their branch and fee"),
    BiView(
        "channel_attribution_daily",
        "fct_channel_attribution_daily",
        CHANNEL_DAY_LABELS,
        "What each demand channel and campaign brought in, per branch and IST day",
    ),
    BiView(
        "patient_episodes",
        "fct_patient_episodes",
        PATIENT_EPISODE_LABELS,
        "Each OPD visit and IP admission from the hospital's ADT feeds, with its stay and payments",
        patient_level=True,
        leave_out=("admit_at_ist", "discharge_at_ist"),  # admit_at and discharge_at, shown in IST
        copy_mart=False,
    ),
    BiView(
        "adt_events",
        "fct_adt_events",
        ADT_EVENT_LABELS,
        "Every accepted ADT event, after dedup and merge resolution",
        patient_level=True,
        copy_mart=False,
    ),
    BiView(
        "branch_daily_adt",
        "fct_branch_daily_adt",
        BRANCH_DAY_ADT_LABELS,
        "Each branch's daily admissions, discharges, bed-days and OPD visits seen against booked",
    ),
    BiView(
        "unmapped_codes",
        "unmapped_codes",
        UNMAPPED_CODE_LABELS,
        "The HIS codes no mapping table maps yet (the code itself, which may be an MRN, only in bi_phi)",
        patient_level=True,
        joins_branch=False,
        copy_mart=False,
    ),
    BiView(
        "messages",
        "fct_messages",
        MESSAGE_LABELS,
        "Every message sent to a patient (WhatsApp, SMS, email), how far it got and what it cost",
        patient_level=True,
    ),
    BiView(
        "message_funnel_daily",
        "fct_message_funnel_daily",
        MESSAGE_FUNNEL_LABELS,
        "The messaging funnel per branch, channel, template and IST day queued, with cost",
    ),
    BiView(
        "reminder_effect_monthly",
        "fct_reminder_effect_monthly",
        REMINDER_EFFECT_LABELS,
        "No-show rates of bookings whose reminder was delivered, not delivered or never sent, per branch and month",
    ),
    BiView(
        "claims",
        "fct_claims",
        CLAIM_LABELS,
        "Each insurance claim (or pre-authorisation): its state, amounts, shares, service levels and time in each state",
        patient_level=True,
    ),
    BiView(
        "claim_denials",
        "fct_claim_denials",
        CLAIM_DENIAL_LABELS,
        "Claim denials, pre-auth rejections and deduction lines by IST month, reason code, insurer, TPA and branch",
    ),
    BiView(
        "claim_adjudication",
        "fct_claim_adjudication",
        CLAIM_ADJUDICATION_LABELS,
        "Hours from submission to decision and to settlement (p50, p90) and SLA breaches, per insurer and per "
        "TPA and IST month of submission",
        joins_branch=False,
    ),
    BiView(
        "claim_settlement_recon",
        "fct_claim_settlement_recon",
        CLAIM_SETTLEMENT_RECON_LABELS,
        "Each settled claim matched to its bank credit by UTR, TDS netted, with its reconciliation status",
        patient_level=True,
    ),
    BiView(
        "dq_daily",
        "fct_dq_daily",
        DQ_DAILY_LABELS,
        "Each check of the pipeline per IST day: evaluations, failures and the latest status (operators only)",
        joins_branch=False,
        copy_mart=False,
        tenant_data=False,
    ),
)
STATUS_LEGEND_VIEW = "status_legend"


def quote(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def text(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def paise_header(rupee_header: str) -> str:
    return rupee_header.replace(RUPEE_MARK, "(paise)")


def is_phi(view: BiView, column: str) -> bool:
    return view.patient_level and bool(PHI_CATEGORIES.intersection(classify(column)))


@dataclass(frozen=True)
class ViewColumn:
    expression: str  # ClickHouse, over `m` (the mart) and `b` (dim_branches)
    name: str  # what people read
    source: str  # the mart column it shows (`branch_name`: dim_branches's)
    shows: str  # how: "as is", "in rupees", "in paise", "in IST", "label", "group"


def _status_columns(expression: str) -> Iterator[ViewColumn]:
    statuses = "[" + ", ".join(text(m.status) for m in LEGEND) + "]"
    labels = "[" + ", ".join(text(m.label) for m in LEGEND) + "]"
    groups = "[" + ", ".join(text(m.group.value) for m in LEGEND) + "]"
    # a status the legend does not know shows as itself, in the exception group (someone should look)
    yield ViewColumn(
        f"transform({expression}, {statuses}, {labels}, {expression})", "Status", "status", "label"
    )
    yield ViewColumn(
        f"transform({expression}, {statuses}, {groups}, 'exception')", "Status group", "status", "group"
    )
    yield ViewColumn(expression, "Status code", "status", "as is")


def view_columns(view: BiView, columns: list[tuple[str, str]], *, phi: bool) -> list[ViewColumn]:
    """The view's columns, given the mart's (name, ClickHouse type) columns."""
    types = dict(columns)
    names = [name for name, _ in columns if (phi or not is_phi(view, name)) and name not in view.leave_out]
    if view.joins_branch:
        names.insert(names.index("branch_id"), "branch_name")
        types["branch_name"] = "String"
    kinds = [column_kind(name, types[name]) for name in names]
    out: list[ViewColumn] = []
    for index, label in sheet_layout(names, kinds, view.labels):
        name, kind = names[index], kinds[index]
        source = "b.branch_name" if view.joins_branch and name == "branch_name" else f"m.{quote(name)}"
        if name == "status" and view.status_legend:
            out += _status_columns(source)
        elif kind is ColumnKind.MONEY_PAISE:
            out.append(ViewColumn(f"toDecimal64({source}, 2) / 100", label.header, name, "in rupees"))
            out.append(ViewColumn(source, paise_header(label.header), name, "in paise"))
        elif kind is ColumnKind.TIMESTAMP:
            out.append(ViewColumn(f"toTimeZone({source}, {text(IST_NAME)})", label.header, name, "in IST"))
        else:
            out.append(ViewColumn(source, label.header, name, "as is"))
    return out


def view_sql(warehouse: Warehouse, view: BiView, columns: list[tuple[str, str]], *, phi: bool) -> str:
    database = warehouse.db(BI_PHI if phi else BI)
    marts = warehouse.db(MARTS)
    select = ",\n    ".join(
        f"{c.expression} AS {quote(c.name)}" for c in view_columns(view, columns, phi=phi)
    )
    join = (
        f"\nLEFT JOIN {quote(marts)}.`dim_branches` AS b ON b.tenant_id = m.tenant_id AND b.branch_id = m.branch_id"
        if view.joins_branch
        else ""
    )
    return (
        f"CREATE OR REPLACE VIEW {quote(database)}.{quote(view.name)} AS\nSELECT\n    {select}\n"
        f"FROM {quote(marts)}.{quote(view.mart)} AS m{join}"
    )


def legend_view_sql(warehouse: Warehouse, *, phi: bool) -> str:
    rows = ",\n    ".join(
        f"({text(m.status)}, {text(m.label)}, {text(m.group.value)}, {text(m.meaning)}, {text(m.action)})"
        for m in LEGEND
    )
    database = warehouse.db(BI_PHI if phi else BI)
    return (
        f"CREATE OR REPLACE VIEW {quote(database)}.{quote(STATUS_LEGEND_VIEW)} AS\n"
        "SELECT c1 AS `Status code`, c2 AS `Status`, c3 AS `Status group`, c4 AS `What it means`, "
        f"c5 AS `What to do`\nFROM values(\n    {rows}\n)"
    )


def mart_columns(warehouse: Warehouse, mart: str) -> list[tuple[str, str]]:
    return [
        (name, ch_type)
        for name, ch_type in warehouse.rows(
            "select name, type from system.columns where database = {db:String} and table = {t:String} "
            "order by position",
            {"db": warehouse.db(MARTS), "t": mart},
        )
    ]


def bi_view_statements(warehouse: Warehouse) -> list[str]:
    """Every statement that (re)creates the `bi` and `bi_phi` views from the marts as they are now."""
    statements: list[str] = []
    for phi in (False, True):
        statements.append(f"CREATE DATABASE IF NOT EXISTS {quote(warehouse.db(BI_PHI if phi else BI))}")
        for view in BI_VIEWS:
            columns = mart_columns(warehouse, view.mart)
            if not columns:
                raise LookupError(f"marts.{view.mart} does not exist yet: build the dbt models first")
            statements.append(view_sql(warehouse, view, columns, phi=phi))
        statements.append(legend_view_sql(warehouse, phi=phi))
    return statements


def create_bi_views(warehouse: Warehouse) -> list[str]:
    """Create or replace the views; returns the `bi` views' names (`bi_phi` has the same)."""
    for statement in bi_view_statements(warehouse):
        warehouse.command(statement)
    return [*(view.name for view in BI_VIEWS), STATUS_LEGEND_VIEW]
