"""How the workbook shows a column: a header a finance person reads without help, a width, and the
order of the columns on the reconciliation sheets (Detail, Exceptions, Open items).

Columns a table has that no label names keep a header made from their name (`some_amount_paise` ->
"Some amount (₹)"), after the named ones, so a new mart column still shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from exports.mart_columns import PAISE_SUFFIX, ColumnKind


@dataclass(frozen=True)
class Label:
    name: str  # the column's name in the export's read of the mart
    header: str
    width: float = 0  # characters; 0: from the header and the kind
    wrap: bool = False  # long text, wrapped in its cell


RECONCILIATION_LABELS: tuple[Label, ...] = (
    Label("branch_name", "Branch", 20),
    Label("branch_id", "Branch ID", 12),
    Label("entity_type", "Type", 12),
    Label("entity_id", "Razorpay ID", 24),
    Label("status", "Status", 20),
    Label("event_at", "Captured / initiated (IST)", 20),
    Label("event_date", "Event date (IST)", 12),
    Label("booked_amount_paise", "Booked amount (₹)"),
    Label("gateway_amount_paise", "Gateway amount (₹)"),
    Label("gateway_fee_incl_tax_paise", "Fee incl. GST (₹)"),
    Label("fee_paise", "MDR fee excl. GST (₹)"),
    Label("tax_paise", "GST on fee (₹)"),
    Label("expected_fee_paise", "Contract MDR fee (₹)"),
    Label("expected_tax_paise", "Contract GST (₹)"),
    Label("net_settled_paise", "Net settled (₹)"),
    Label("settlement_id", "Settlement ID", 22),
    Label("settlement_utr", "Settlement UTR", 22),
    Label("settled_at", "Settled at (IST)", 20),
    Label("bank_credit_date", "Bank credit date", 12),
    Label("settlement_due_date", "Settlement due (IST)", 12),
    Label("refund_deadline_date", "Refund deadline (IST)", 12),
    Label("age_days", "Age (days)", 8),
    Label("aging_bucket", "Aging", 8),
    Label("exception_reason", "Reason", 60, wrap=True),
    Label("method", "Method", 11),
    Label("payment_id", "Payment ID", 24),
    Label("order_id", "Order ID", 24),
    Label("booking_id", "Booking ID", 24),
    Label("tenant_id", "Tenant", 12),
    Label("as_of_date", "As of", 12),
)

# Exceptions and Open items: what a person needs to act on a row, few enough columns to print legibly;
# the same headers as the Detail sheet (RECONCILIATION_LABELS), narrower columns.
_DETAIL = {label.name: label for label in RECONCILIATION_LABELS}
ACTION_LABELS: tuple[Label, ...] = tuple(
    replace(_DETAIL[name], width=width)
    for name, width in (
        ("branch_name", 18), ("entity_type", 12), ("entity_id", 21), ("status", 18), ("exception_reason", 46),
        ("age_days", 7), ("event_at", 18), ("settlement_due_date", 11), ("refund_deadline_date", 11),
        ("booked_amount_paise", 16), ("gateway_amount_paise", 16), ("gateway_fee_incl_tax_paise", 13),
        ("net_settled_paise", 16), ("settlement_utr", 21), ("booking_id", 21),
    )
)  # fmt: skip

BRANCH_DAY_LABELS: tuple[Label, ...] = (
    Label("branch_name", "Branch", 20),
    Label("branch_id", "Branch ID", 12),
    Label("settlement_date", "Settlement date (IST)", 12),
    Label("settlement_count", "Settlements", 12),
    Label("settlement_id", "Settlement ID", 22),
    Label("settlement_utr", "Settlement UTR", 22),
    Label("payment_line_count", "Payment lines", 9),
    Label("refund_line_count", "Refund lines", 9),
    Label("other_line_count", "Other lines", 9),
    Label("gross_paise", "Payments gross (₹)"),
    Label("fee_paise", "MDR fee excl. GST (₹)"),
    Label("tax_paise", "GST on fee (₹)"),
    Label("refund_paise", "Refunds (₹)"),
    Label("adjustment_paise", "Adjustments (₹)"),
    Label("net_paise", "Net payout (₹)"),
    Label("bank_credited_paise", "Bank credited (₹)"),
    Label("difference_paise", "Bank − payout (₹)"),
    Label("bank_credit_date", "Bank credit date", 12),
    Label("is_bank_matched", "Bank matched", 9),
    Label("tenant_id", "Tenant", 12),
)

QUARANTINE_LABELS: tuple[Label, ...] = (
    Label("feed", "Feed", 22),
    Label("file", "File", 40),
    Label("line", "Line", 8),
    Label("reason", "Why it was not loaded", 80, wrap=True),
)


def generic_header(name: str, kind: ColumnKind) -> str:
    words = name.removesuffix(PAISE_SUFFIX).replace("_", " ").strip()
    text = words[:1].upper() + words[1:]
    if kind is ColumnKind.MONEY_PAISE:
        return f"{text} (₹)"
    if kind is ColumnKind.TIMESTAMP:
        return f"{text} (IST)"
    return text


def default_width(header: str, kind: ColumnKind) -> float:
    minimum = {
        ColumnKind.MONEY_PAISE: 16,
        ColumnKind.TIMESTAMP: 20,
        ColumnKind.DATE: 12,
        ColumnKind.INTEGER: 10,
    }.get(kind, 16)
    # headers wrap onto two lines, so half the header (plus a little) is wide enough
    return max(minimum, min(len(header), len(header) // 2 + 4))


def sheet_layout(
    names: list[str], kinds: list[ColumnKind], labels: tuple[Label, ...], *, only_labelled: bool = False
) -> list[tuple[int, Label]]:
    """(index into `names`, label) for each column the sheet shows: the labelled ones in the labels'
    order, then (unless `only_labelled`) the rest in their own order."""
    index = {name: i for i, name in enumerate(names)}
    labelled = [(index[label.name], label) for label in labels if label.name in index]
    named = {label.name for label in labels}
    rest = [
        (i, Label(name, generic_header(name, kinds[i])))
        for i, name in enumerate(names)
        if name not in named and not only_labelled
    ]
    return [(i, with_width(label, kinds[i])) for i, label in [*labelled, *rest]]


def with_width(label: Label, kind: ColumnKind) -> Label:
    if label.width:
        return label
    return Label(label.name, label.header, default_width(label.header, kind), label.wrap)
