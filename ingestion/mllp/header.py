"""What the listener reads of a message: its MSH segment, parsed with python-hl7, and nothing else (the
adt_hl7 feed's reader parses the rest when it loads the spool). A message it cannot accept raises `Refused`
with the HL7 error code (table 0357), the field it is about and a one-line reason naming the problem,
never a value from the message beyond the header's ids."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace

import hl7

from ingestion.hl7_charsets import CHARSETS as ALL_CHARSETS
from ingestion.hl7_charsets import codec_for

BOM = codecs.BOM_UTF8
SUPPORTED_VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2")
ACCEPTED_TYPES = ("ADT",)

# HL7 table 0211 (MSH-18): the reader's table. Empty MSH-18: no check here; the reader decodes UTF-8 with a
# latin-1 fallback, so any bytes are accepted.
CHARSETS = {name: codec for name, codec in ALL_CHARSETS.items() if name}

# HL7 table 0357 (message error condition codes) used here.
SEGMENT_SEQUENCE_ERROR = ("100", "Segment sequence error")
REQUIRED_FIELD_MISSING = ("101", "Required field missing")
DATA_TYPE_ERROR = ("102", "Data type error")
TABLE_VALUE_NOT_FOUND = ("103", "Table value not found")
UNSUPPORTED_MESSAGE_TYPE = ("200", "Unsupported message type")
UNSUPPORTED_VERSION = ("203", "Unsupported version id")
INTERNAL_ERROR = ("207", "Application internal error")


@dataclass(frozen=True)
class Header:
    message: hl7.Message  # the MSH segment alone, as python-hl7 parsed it (its separators and version)
    sender: str  # MSH-3^MSH-4 (the namespace id of each: application^facility)
    control_id: str  # MSH-10
    message_type: str  # MSH-9.1
    trigger_event: str  # MSH-9.2
    version: str  # MSH-12.1
    charset: str  # MSH-18 (first repetition), '' when not declared
    shape: str = ""  # the MSH with MSH-7 and MSH-10 blanked: what one sender's messages have in common

    @property
    def codec(self) -> str | None:
        return codec_for(self.charset) if self.charset else None


class Refused(Exception):
    """A message the listener will not store. `ack_code` AR (rejected: not a message it takes at all, or
    broken framing) or AE (an error the sender can fix and resend)."""

    def __init__(
        self,
        ack_code: str,
        condition: tuple[str, str],
        reason: str,
        *,
        field: int | None = None,
        header: Header | None = None,
    ) -> None:
        super().__init__(reason)
        self.ack_code = ack_code
        self.condition = condition
        self.reason = reason
        self.field = field  # the MSH field the problem is in, if any
        self.header = header


def msh_segment(content: bytes) -> str:
    """The first segment (up to the first CR or LF), which must be MSH; a UTF-8 BOM and leading blanks are
    skipped. Decoded as latin-1: the header's ids are ASCII in every character set MSH-18 can declare."""
    text = content.removeprefix(BOM).lstrip(b" \t\r\n")
    end = min((i for i in (text.find(b"\r"), text.find(b"\n")) if i >= 0), default=len(text))
    segment = text[:end].decode("latin-1")
    if not segment.startswith("MSH"):
        raise Refused("AR", SEGMENT_SEQUENCE_ERROR, "the message does not start with an MSH segment")
    if len(segment) < 8 or segment.find(segment[3], 4) < 0:
        raise Refused("AR", REQUIRED_FIELD_MISSING,
                      "MSH-1/MSH-2 (field separator and encoding characters) missing, or nothing after them", field=2)  # fmt: skip
    separators = segment[3] + segment[4 : segment.find(segment[3], 4)]
    if (
        len(separators) not in (5, 6)
        or len(set(separators)) != len(separators)
        or not all(
            c.isascii() and c.isprintable() and not c.isalnum() and not c.isspace() for c in separators
        )
    ):
        raise Refused("AR", DATA_TYPE_ERROR,
                      "MSH-1/MSH-2 are not a field separator and 4 encoding characters (distinct, printable, "
                      "not letters, digits or spaces)", field=2)  # fmt: skip
    return segment


def read_header(content: bytes) -> Header:
    """The message's header, or `Refused` naming why the message cannot be accepted."""
    segment = msh_segment(content)
    try:
        message = hl7.parse(segment)
    except Exception as error:  # python-hl7 raises several kinds on a malformed MSH
        raise Refused(
            "AR", DATA_TYPE_ERROR, f"the MSH segment cannot be parsed ({type(error).__name__})"
        ) from error

    def field(number: int, component: int = 1) -> str:
        try:
            return str(message.extract_field("MSH", 1, number, 1, component)).strip()
        except (IndexError, KeyError):
            return ""

    msh = message.segment("MSH")

    def whole(number: int) -> str:  # MSH-n is msh[n]
        return str(msh[number]).strip() if number < len(msh) else ""

    header = Header(
        message=message,
        sender=f"{field(3)}^{field(4)}",
        control_id=whole(10),  # the field as sent, separators included: it is the dedup key and MSA-2
        message_type=field(9, 1),
        trigger_event=field(9, 2),
        version=field(12),
        charset=field(18),
        shape=shape_of(segment)[0],
    )
    if header.message_type not in ACCEPTED_TYPES:
        raise Refused(
            "AR",
            UNSUPPORTED_MESSAGE_TYPE,
            f"MSH-9 message type {header.message_type or '(empty)'!r} is not accepted here; only ADT",
            field=9,
            header=header,
        )
    if not header.trigger_event:
        raise Refused("AE", REQUIRED_FIELD_MISSING, "MSH-9.2 trigger event missing", field=9, header=header)
    if header.version not in SUPPORTED_VERSIONS:
        raise Refused(
            "AR",
            UNSUPPORTED_VERSION,
            f"MSH-12 version {header.version or '(empty)'!r} is not one of HL7 v2.3 to v2.8",
            field=12,
            header=header,
        )
    if not header.control_id:
        raise Refused(
            "AE", REQUIRED_FIELD_MISSING, "MSH-10 message control id missing", field=10, header=header
        )
    if header.sender == "^":
        raise Refused(
            "AE",
            REQUIRED_FIELD_MISSING,
            "MSH-3 sending application and MSH-4 sending facility both missing",
            field=3,
            header=header,
        )
    if header.charset and header.codec is None:
        raise Refused(
            "AE",
            TABLE_VALUE_NOT_FOUND,
            f"MSH-18 character set {header.charset!r} is not one this listener reads (HL7 table 0211: "
            f"{', '.join(CHARSETS)})",
            field=18,
            header=header,
        )
    check_charset(header, content)
    return header


def check_charset(header: Header, content: bytes) -> None:
    """The whole message decodes in its declared MSH-18 character set, or `Refused` (AE) says where not."""
    if header.codec:
        try:
            content.removeprefix(BOM).decode(header.codec)
        except UnicodeDecodeError as error:
            raise Refused(
                "AE",
                DATA_TYPE_ERROR,
                f"the message is not valid {header.charset} (MSH-18) at byte {error.start}",
                field=18,
                header=header,
            ) from error


def shape_of(segment: str) -> tuple[str, str]:
    """(the MSH segment with MSH-7 and MSH-10 blanked, MSH-10 as sent); ('', '') for an MSH shorter than
    MSH-11. Plain splitting on the field separator MSH-1, which is what MSH fields are."""
    fields = segment.split(segment[3])
    if len(fields) < 11:
        return "", ""
    return segment[3].join([*fields[:6], "", *fields[7:9], "", *fields[10:]]), fields[9].strip()


class HeaderCache:
    """`read_header` for a stream of messages: python-hl7 parses and checks each distinct MSH shape once
    (a sender's messages differ in MSH-7 time and MSH-10 control id only); a message of a known shape takes
    its header from there with its own control id, and its own character-set check. A refused shape is
    never cached: it is read (and refused) again each time."""

    def __init__(self, size: int = 4096) -> None:
        self._known: dict[str, Header] = {}
        self._size = size

    def read(self, content: bytes) -> Header:
        shape, control_id = shape_of(msh_segment(content))
        known = self._known.get(shape) if shape and control_id else None
        if known is None:
            header = read_header(content)
            if header.shape and len(self._known) < self._size:
                self._known[header.shape] = header
            return header
        header = replace(known, control_id=control_id)
        check_charset(header, content)
        return header
