"""HL7 v2 DFT^P03 files: every FT1 segment of a message becomes one charge line row (ingestion/charge_line.py),
or the whole message is one quarantined record with the reason (a bill is loaded whole or not at all).

The file shapes, the message cutting, the MSH-18 character sets, the timestamps and the patient identifiers
are the ADT feed's (ingestion/feeds/adt_hl7/reader.py), imported from it: a DFT file may be a single message,
a batch (FHS/BHS) or MLLP-framed, and PID-3 gives the same identifiers as in an ADT event.

The fields (HL7 v2.5 chapter 6, FT1; docs/billing.md):

- the bill: FT1-3 transaction batch id is the HIS's bill number (the batch of transactions the HIS posts as
  one bill); EVN-4 event reason code (user-defined table 0062) says which bill it is: INTERIM (or I) a
  running bill during the stay, FINAL (or F) the bill at discharge; interim when not given. The DFT^P03
  structure requires EVN, so the reason travels with every bill.
- FT1-1 set id: the line number (its position among the message's FT1s when empty); FT1-2 transaction id.
- FT1-4 transaction date (a DR in v2.5: its start; a TS before): when the service was given.
- FT1-6 transaction type (table 0017): CG charge, CD credit, PY payment, AJ adjustment.
- FT1-7 transaction code (CE): the service code^text^coding system; FT1-8 description when 7.2 is empty.
- FT1-10 quantity (NM, 1 when empty); FT1-11 extended amount and FT1-12 unit amount (CP: the price's MO is
  amount&currency; INR or none). Rupees as written become integer paise ("1234.50" -> 123450), never
  floats; without FT1-11 the amount is FT1-12 times FT1-10, which must come to whole paise.
- FT1-13 department code, FT1-20 performed by, FT1-21 ordered by (the first component: the HIS's ids).

Positions: `Record.line` is the number of the FT1 segment in the file (segments counted as the ADT reader
counts them), so each charge line has a position of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import tzinfo
from typing import Any

import hl7
from hl7.containers import Repetition, Segment

from ingestion.adt_senders import SenderZones
from ingestion.adt_values import PatientId
from ingestion.charge_line import TRANSACTION_TYPES, charge_row, extended_paise, quantity
from ingestion.feeds.adt_hl7.reader import (
    VERSIONS,
    AdtHl7Reader,
    _compact,
    _hd,
    _item,
    _LibraryFields,
    _Span,
    _text,
    hl7_time,
    identifiers,
)
from ingestion.parsers import rupees_to_paise, show
from ingestion.records import RowError

MESSAGE_TYPE, TRIGGER = "DFT", "P03"
# Segments read through the ADT reader's compaction (its field positions) and those read whole here.
COMPACTED = frozenset({"MSH", "PID", "PV1"})
WHOLE = frozenset({"EVN", "FT1"})
BILL_KINDS = {"": "interim", "I": "interim", "INTERIM": "interim", "F": "final", "FINAL": "final"}


class BillingHl7Reader(AdtHl7Reader):
    """The ADT reader's files, messages, character sets and quarantine; each message's rows are its FT1s."""

    @property
    def rows(self) -> Callable[..., Iterator[tuple[int, dict[str, Any]]]]:
        return _rows


class _BillFields(_LibraryFields):
    """python-hl7's parse of a DFT^P03: MSH, PID and PV1 compacted as the ADT reader compacts them, EVN and
    FT1 kept whole (field n at position n)."""

    def reps(self, seg: Segment, n: int) -> list[Any]:
        if self.name(seg) not in WHOLE:
            return super().reps(seg, n)
        if n >= len(seg):
            return []
        field = _item(seg, n)
        if field and isinstance(_item(field, 0), Repetition):
            return list(field)
        return [field]


def _rows(
    spans: list[_Span],
    texts: list[str],
    data: bytes,
    tenant_id: str,
    raw: str,
    codec: str,
    zones: SenderZones,
    plain: bool = True,  # the ADT reader's fast tokenizer flag; a bill is always read through python-hl7
) -> Iterator[tuple[int, dict[str, Any]]]:
    msh_text = texts[0]
    if len(msh_text) < 8 or msh_text[3].isalnum() or msh_text[3].isspace():
        raise RowError("MSH segment does not declare its separators (MSH-1, MSH-2)")
    separator = msh_text[3]
    wanted: list[tuple[_Span, str]] = []
    for i, (span, text) in enumerate(zip(spans, texts, strict=True)):
        name = "MSH" if i == 0 else text.split(separator, 1)[0]
        if name in COMPACTED and (i == 0) == (name == "MSH"):
            wanted.append((span, _compact(text, separator)))
        elif name in WHOLE:
            wanted.append((span, text))
    try:
        message = hl7.parse("\r".join(t for _, t in wanted))
        message.codec = codec  # \Xhh\ escapes are bytes in the message's character set
    except (hl7.ParseException, IndexError, AssertionError, ValueError) as exc:
        raise RowError(f"python-hl7 can't parse the message: {exc}") from None
    fields = _BillFields(message)
    segments = list(zip((s for s, _ in wanted), fields.segments, strict=True))
    msh = fields.segments[0]
    msh9 = fields.reps(msh, 9)
    kind = "^".join(p for p in (fields.value(msh9[0], 1), fields.value(msh9[0], 2)) if p) if msh9 else ""
    if kind.upper() != f"{MESSAGE_TYPE}^{TRIGGER}":
        raise RowError(f"not a DFT^P03 charge message (MSH-9 is {kind or 'empty'}); this feed reads DFT^P03")
    control_id = _text(fields, msh, 10)
    if not control_id:
        raise RowError("MSH-10 control id is empty")
    sender = "^".join((_hd(fields, msh, 3), _hd(fields, msh, 4)))
    if sender == "^":
        raise RowError("MSH-3 sending application and MSH-4 sending facility are both empty")
    zone = zones.zone(sender)
    version = _text(fields, msh, 12)
    if not any(version == v or version.startswith(v + ".") for v in VERSIONS):
        raise RowError(f"MSH-12 version {version or '(empty)'!r} is not HL7 v2.3 to v2.8")

    def named(name: str) -> list[tuple[_Span, Segment]]:
        return [(span, seg) for span, seg in segments if fields.name(seg) == name]

    pids, pv1s, evns, ft1s = named("PID"), named("PV1"), named("EVN"), named("FT1")
    if not pids:
        raise RowError("DFT^P03 has no PID segment (patient identification)")
    ids = identifiers(fields, pids[0][1], 3)
    if not ids:
        raise RowError("PID-3 has no identifier")
    visit_number = _text(fields, pv1s[0][1], 19) if pv1s else ""
    if not visit_number:
        raise RowError("PV1-19 visit number is empty or PV1 is missing: a bill must name its visit")
    reason = _text(fields, evns[0][1], 4) if evns else ""
    if reason.upper() not in BILL_KINDS:
        raise RowError(f"EVN-4 event reason {show(reason)} is not a bill kind: INTERIM (I) or FINAL (F)")
    if not ft1s:
        raise RowError("DFT^P03 has no FT1 segment (no charge line)")
    common = {
        "tenant_id": tenant_id,
        "sender": sender,
        "message_id": control_id,
        "message_time": hl7_time("MSH-7", _text(fields, msh, 7), required=True, zone=zone),
        "patient_ids": [PatientId(i["id"], i["authority"], i["type"]) for i in ids],
        "abha_number": next(
            (i["id"] for i in ids if "ABHA" in (i["type"].upper(), i["authority"].upper())), ""
        ),
        "visit_number": visit_number,
        "bill_kind": BILL_KINDS[reason.upper()],
        "hl7_version": version,
        "raw": raw,
    }
    seen: set[int] = set()
    for position, (span, ft1) in enumerate(ft1s, 1):
        line = _charge(fields, ft1, position, zone)
        if line["line_number"] in seen:
            raise RowError(f"FT1-1 set id {line['line_number']} is repeated in the message")
        seen.add(line["line_number"])
        yield span.line, charge_row(**common, **line)


def _charge(fields: _BillFields, ft1: Segment, position: int, zone: tzinfo) -> dict[str, Any]:
    """One FT1 segment's columns; RowError names the field and what was expected."""
    where = f"FT1 #{position}"
    set_id = _text(fields, ft1, 1)
    if set_id and not set_id.isdigit():
        raise RowError(f"{where}: FT1-1 set id {show(set_id)} is not a number")
    bill_number = _text(fields, ft1, 3)
    if not bill_number:
        raise RowError(f"{where}: FT1-3 transaction batch id (the bill number) is empty")
    transaction_type = _text(fields, ft1, 6).upper()
    if transaction_type not in TRANSACTION_TYPES:
        raise RowError(
            f"{where}: FT1-6 transaction type {show(transaction_type)} is not CG (charge), CD (credit), "
            "PY (payment) or AJ (adjustment)"
        )
    code = _text(fields, ft1, 7)
    if not code:
        raise RowError(f"{where}: FT1-7 transaction code (the service code) is empty")
    count = quantity(f"{where}: FT1-10 quantity", _text(fields, ft1, 10))
    amount, currency = _text(fields, ft1, 11, 1, 1), _text(fields, ft1, 11, 1, 2)
    unit, unit_currency = _text(fields, ft1, 12, 1, 1), _text(fields, ft1, 12, 1, 2)
    for field, cur in (("FT1-11", currency), ("FT1-12", unit_currency)):
        if cur.upper() not in ("", "INR"):
            raise RowError(f"{where}: {field} currency {show(cur)} is not INR")
    unit_paise = _paise(f"{where}: FT1-12 unit amount", unit) if unit else None
    if amount:
        amount_paise = _paise(f"{where}: FT1-11 extended amount", amount)
    elif unit_paise is not None:
        amount_paise = extended_paise(unit_paise, count, f"{where}: FT1-12 unit amount times FT1-10 quantity")
    else:
        raise RowError(f"{where}: FT1-11 extended amount and FT1-12 unit amount are both empty")
    return {
        "line_number": int(set_id) if set_id else position,
        "bill_number": bill_number,
        "transaction_id": _text(fields, ft1, 2),
        "transaction_time": hl7_time("FT1-4", _text(fields, ft1, 4), required=True, zone=zone),
        "transaction_type": transaction_type,
        "service_code": code,
        "service_text": _text(fields, ft1, 7, 2) or _text(fields, ft1, 8),
        "service_coding_system": _text(fields, ft1, 7, 3),
        "quantity": count,
        "amount_paise": amount_paise,
        "unit_amount_paise": unit_paise,
        "department": _text(fields, ft1, 13),
        "performing_doctor": _text(fields, ft1, 20),
        "ordering_doctor": _text(fields, ft1, 21),
    }


def _paise(what: str, text: str) -> int:
    """Rupees as written (an HL7 NM: 1234.50, -250, +10.5) as integer paise, exactly."""
    try:
        return rupees_to_paise(what, text.removeprefix("+"))
    except RowError:
        raise RowError(f"{what} {show(text)} is not an amount in rupees (at most 2 decimals)") from None
