"""The one shape of a bill's charge line, whatever brought it (HL7 v2 DFT^P03 FT1 segment, a HIS's bill CSV
through its mapping): each billing feed's raw table has exactly these data columns, so dbt unions them and
`fct_episode_bills` cannot tell the formats apart. Declared once here; every billing feed spec uses it.

Money is integer paise as the sender wrote it ("1234.50" rupees -> 123450; never a float), signed as written:
dbt decides what a credit, payment or adjustment does to a bill's total (docs/billing.md). Times are UTC (a
time without an offset read as IST). Codes are the HIS's own; the service code is mapped to the platform's
service catalog in dbt (reference_services) and an unmapped one surfaces in `unmapped_codes`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ingestion.adt_event import UTC_TIME
from ingestion.adt_values import PatientId, first_of_type, patient_ids_json
from ingestion.parsers import show
from ingestion.records import RowError
from ingestion.spec import Column

BILL_KINDS = ("interim", "final")
# HL7 table 0017 (transaction type, user-defined; its suggested values): charge, credit, payment, adjustment.
TRANSACTION_TYPES = ("CG", "CD", "PY", "AJ")

CHARGE_LINE_KEY = ("tenant_id", "sender", "message_id", "line_number")
CHARGE_LINE_COLUMNS: tuple[Column, ...] = (
    Column("tenant_id", "String", "The clinic chain whose HIS sent the bill."),
    Column(
        "sender",
        "String",
        "Who sent it: HL7 MSH-3^MSH-4 (application^facility); for CSV the mapping's sender (else its name).",
    ),
    Column(
        "message_id",
        "String",
        "The sender's message id: HL7 MSH-10 control id; CSV the mapping's message id column. With tenant, "
        "sender and line number, the natural key: a re-sent message is stored once.",
    ),
    Column(
        "line_number",
        "Int64",
        "The charge line's number in its message: HL7 FT1-1 set id (its position when FT1-1 is empty); CSV "
        "the mapping's line number column.",
    ),
    Column("message_time", UTC_TIME, "When the sender created the message (HL7 MSH-7), UTC."),
    Column(
        "patient_ids",
        "String",
        "Every patient identifier as JSON [{id, authority, type}] (HL7 PID-3, all repetitions: MR, ABHA, "
        "national ids).",
        "phi",
    ),
    Column(
        "mrn", "String", "The medical record number (the first identifier of type MR), '' if none.", "phi"
    ),
    Column("abha_number", "String", "The ABHA number when sent (identifier type or authority ABHA).", "phi"),
    Column(
        "visit_number",
        "String",
        "The HIS's visit (encounter) number, HL7 PV1-19: links the line to its episode.",
        "phi",
    ),
    Column(
        "bill_number",
        "String",
        "The HIS's bill number the line is posted on: HL7 FT1-3 transaction batch id; CSV the mapping's bill "
        "column.",
    ),
    Column(
        "bill_kind",
        "String",
        "interim (a running bill during the stay) or final (the bill at discharge): HL7 EVN-4 event reason "
        "INTERIM or FINAL (interim when not given); CSV the mapping's bill kind column or constant.",
    ),
    Column("transaction_id", "String", "The HIS's id of the transaction, HL7 FT1-2 ('' if not sent)."),
    Column("transaction_time", UTC_TIME, "When the service was given (HL7 FT1-4 transaction date), UTC."),
    Column(
        "transaction_type",
        "String",
        "HL7 FT1-6 (table 0017): CG charge, CD credit, PY payment, AJ adjustment.",
    ),
    Column("service_code", "String", "The HIS's service (charge) code, HL7 FT1-7.1 transaction code."),
    Column(
        "service_text",
        "String",
        "The service's name as the HIS wrote it (HL7 FT1-7.2, else FT1-8): may name a clinical service.",
        "phi",
    ),
    Column("service_coding_system", "String", "The code's coding system (HL7 FT1-7.3), '' if not sent."),
    Column("quantity", "Decimal(18, 3)", "Quantity (HL7 FT1-10); 1 when not sent."),
    Column(
        "amount_paise",
        "Int64",
        "The line's amount in paise as written, signed as written (HL7 FT1-11 extended amount; else FT1-12 "
        "unit amount times the quantity).",
        "financial",
    ),
    Column(
        "unit_amount_paise",
        "Nullable(Int64)",
        "The unit amount in paise (HL7 FT1-12), NULL when not sent.",
        "financial",
    ),
    Column("department", "String", "The HIS's department code (HL7 FT1-13.1)."),
    Column("performing_doctor", "String", "The HIS's practitioner id who performed it (HL7 FT1-20.1)."),
    Column("ordering_doctor", "String", "The HIS's practitioner id who ordered it (HL7 FT1-21.1)."),
    Column("hl7_version", "String", "HL7 MSH-12 version ('' for CSV)."),
    Column("raw", "String", "The message as received (HL7 text with \\r, the CSV row as JSON).", "phi"),
)
_NULLABLE = {c.name for c in CHARGE_LINE_COLUMNS if c.type.startswith("Nullable")}


def charge_row(**values: Any) -> dict[str, Any]:
    """A charge line row: the given columns, every other one empty ('' or NULL); patient ids as the ADT
    feeds write them. Unknown names are an error in the reader, never a silently dropped value."""
    unknown = set(values) - {c.name for c in CHARGE_LINE_COLUMNS}
    if unknown:
        raise ValueError(f"not charge line columns: {', '.join(sorted(unknown))}")
    ids: list[PatientId] = values.pop("patient_ids", [])
    row: dict[str, Any] = {c.name: (None if c.name in _NULLABLE else "") for c in CHARGE_LINE_COLUMNS}
    row.update(values)
    row["patient_ids"] = patient_ids_json(ids)
    row["mrn"] = values.get("mrn") or first_of_type(ids, "MR")
    row["abha_number"] = values.get("abha_number") or first_of_type(ids, "ABHA")
    return row


MAX_QUANTITY = Decimal(10) ** 15  # what Decimal(18, 3) holds


def quantity(where: str, text: str) -> Decimal:
    """A line's quantity: a number with at most 3 decimals, 1 when empty; RowError naming `where`."""
    if not text:
        return Decimal(1)
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or abs(value) >= MAX_QUANTITY or value != value.quantize(Decimal("0.001")):
        raise RowError(f"{where} {show(text)} is not a number with at most 3 decimals")
    return value


def extended_paise(unit_paise: int, count: Decimal, where: str) -> int:
    """A line's amount from its unit amount and quantity, which must come to whole paise."""
    product = Decimal(unit_paise) * count
    if product != product.to_integral_value():
        raise RowError(f"{where} is not a whole number of paise")
    return int(product)
