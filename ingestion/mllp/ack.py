"""The listener's answers: an HL7 ACK built with python-hl7's `Message.create_ack` from the message's own
MSH (so it has the sender's separators and version), MSA-1 AA/AE/AR and MSA-2 the message's control id;
for AE/AR an ERR segment naming the problem, in the layout of the message's version (v2.3/2.4: ERR-1
error code and location; v2.5 and later: ERR-2 location, ERR-3 HL7 error code, ERR-4 severity, ERR-8 the
reason for a person)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import hl7

from ingestion.mllp.header import Header, Refused

DEFAULT_VERSION = "2.5.1"
OLD_ERR_VERSIONS = ("2.3", "2.3.1", "2.4")
Clock = Callable[[], datetime]
# Where an ACK template's per-message values go (NUL never occurs in an MSH the listener accepts as a shape).
MARK_TIME, MARK_ID, MARK_CONTROL = "\x00T\x00", "\x00I\x00", "\x00C\x00"
TEMPLATES = 4096


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _placeholder_msh(version: str = DEFAULT_VERSION) -> hl7.Message:
    """The MSH to answer from when the message's own could not be read."""
    return hl7.parse(f"MSH|^~\\&|||||||ADT^|||{version}")


def _normalized_msh(source: hl7.Message) -> hl7.Message:
    """The source's MSH rebuilt with every field create_ack reads (its separators, sender, receiver,
    control id and version kept; MSH-9 as ADT^<trigger>), for an MSH too short or too odd for it."""
    _, field, repetition, component, sub = source.separators

    msh = source.segment("MSH")

    def value(number: int) -> str:  # MSH-n is msh[n] (msh[1] the field separator, msh[2] the encoding)
        return str(msh[number]) if number < len(msh) else ""

    trigger = value(9).split(component)[1] if component in value(9) else ""
    fields = ["MSH", f"{component}{repetition}{source.esc}{sub}", *(value(n) for n in (3, 4, 5, 6, 7, 8)),
              f"ADT{component}{trigger}", value(10), value(11) or "P", value(12) or DEFAULT_VERSION]  # fmt: skip
    return hl7.parse(field.join(fields))


class AckBuilder:
    def __init__(self, clock: Clock = _utc_now, application: str = "MYMEDIC", facility: str = "") -> None:
        self._clock = clock
        self._application = application
        self._facility = facility
        self._sequence = itertools.count(1)
        self._prefix = clock().strftime("%y%m%d%H%M%S")
        self._templates: dict[str, str] = {}

    def _ack(self, source: hl7.Message, code: str, control_id: str = "", time: str = "") -> hl7.Message:
        control_id = control_id or self._next_id()
        try:
            ack = source.create_ack(code, message_id=control_id)
        except (TypeError, IndexError, KeyError):  # an MSH create_ack cannot read (short, MSH-9 without ^)
            ack = _normalized_msh(source).create_ack(code, message_id=control_id)
        msh = ack.segment("MSH")
        if not str(msh(3)).strip():
            msh.assign_field(self._application, 3)
        if not str(msh(4)).strip() and self._facility:
            msh.assign_field(self._facility, 4)
        msh.assign_field(time or self._now(), 7)
        return ack

    def _next_id(self) -> str:
        return f"{self._prefix}{next(self._sequence):08d}"  # unique per listener run; <= 20 chars

    def _now(self) -> str:
        return self._clock().astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")

    def accept(self, header: Header) -> str:
        """The AA. Built with python-hl7 once per MSH shape (header.shape) with marks where the time, the
        ACK's control id and MSA-2 go, then filled in per message: the same text create_ack would give."""
        template = self._templates.get(header.shape)
        if template is None:
            if not header.shape or "\x00" in header.shape:  # too short to have a shape, or holds a mark
                return str(self._ack(header.message, "AA"))
            ack = self._ack(header.message, "AA", control_id=MARK_ID, time=MARK_TIME)
            ack.segment("MSA").assign_field(MARK_CONTROL, 2)
            template = str(ack)
            if len(self._templates) < TEMPLATES:
                self._templates[header.shape] = template
        filled = template.replace(MARK_TIME, self._now()).replace(MARK_ID, self._next_id())
        return filled.replace(MARK_CONTROL, header.control_id)

    def refuse(self, refused: Refused) -> str:
        return str(self._refusal(refused))

    def _refusal(self, refused: Refused) -> hl7.Message:
        header = refused.header
        source = header.message if header else _placeholder_msh()
        ack = self._ack(source, refused.ack_code)
        version = header.version if header else DEFAULT_VERSION
        code, name = refused.condition
        text = ack.escape(refused.reason)
        err = ack.create_segment([ack.create_field(["ERR"])])
        location = ("MSH", "1", str(refused.field)) if refused.field else ()
        if version in OLD_ERR_VERSIONS:
            # ERR-1 (CM): segment id ^ sequence ^ field position ^ error code (CE, in subcomponents)
            for i, part in enumerate(location, start=1):
                err.assign_field(part, 1, 1, i)
            for i, part in enumerate((code, name, "HL70357"), start=1):
                err.assign_field(part, 1, 1, 4, i)
            ack.segment("MSA").assign_field(text, 3)  # MSA-3 text message (v2.3/2.4)
        else:
            for i, part in enumerate(location, start=1):
                err.assign_field(part, 2, 1, i)  # ERR-2 error location (ERL)
            for i, part in enumerate((code, name, "HL70357"), start=1):
                err.assign_field(part, 3, 1, i)  # ERR-3 HL7 error code (CWE, table 0357)
            err.assign_field("E", 4)  # ERR-4 severity (table 0516): error
            err.assign_field(text, 8)  # ERR-8 user message
        ack.append(err)
        return ack
