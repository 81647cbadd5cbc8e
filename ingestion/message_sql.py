"""SQL shared by the message-status feeds (messages/meta, messages/msg91, messages/sendgrid): recipients
masked in the warehouse as the messaging contract says (booking.domain.recipients does the same in
Python), provider statuses normalised through the contract's maps, and the columns every status table has.
"""

from __future__ import annotations

from booking.domain.recipients import CALLING_CODES
from ingestion import sql_checks as q
from ingestion.spec import Column

_T = "DateTime('UTC')"

PHONE_RE = r"^\+?\d{7,15}$"
EMAIL_IN_TEXT_RE = r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)"


def mask_phone(expr: str) -> str:
    """`+91******3210` from 919876543210 or +919876543210; `******3210` from a 10-digit national number
    (9876543210); an id that is not a phone number keeps only its last four characters."""
    codes = "[" + ", ".join(q.lit(c) for c in CALLING_CODES) + "]"
    digits = f"replaceRegexpAll({expr}, '[^0-9]', '')"
    code = (
        f"multiIf(has({codes}, substring({digits}, 1, 1)), substring({digits}, 1, 1), "
        f"has({codes}, substring({digits}, 1, 2)), substring({digits}, 1, 2), "
        f"has({codes}, substring({digits}, 1, 3)), substring({digits}, 1, 3), '')"
    )
    rest = f"substring({digits}, length({code}) + 1)"
    phone = f"concat('+', {code}, repeat('*', toUInt64(greatest(length({rest}) - 4, 0))), right({rest}, 4))"
    other = f"concat(repeat('*', toUInt64(greatest(lengthUTF8({expr}) - 4, 3))), rightUTF8({expr}, 4))"
    national = f"concat(repeat('*', 6), right({digits}, 4))"
    compact = f"replaceAll({expr}, ' ', '')"
    # The three forms are built for every row and one is picked by its index: a multiIf over them would
    # evaluate each lazily, on the rows it is chosen for, which costs three times as much (none can fail).
    which = (
        f"multiIf(not match({compact}, {q.lit(PHONE_RE)}), 1, "
        f"not startsWith({compact}, '+') and length({digits}) = 10, 2, 3)"
    )
    return f"[{other}, {national}, {phone}][{which}]"


def mask_email(expr: str) -> str:
    """`a***@example.com`."""
    at = f"position(reverse({expr}), '@')"
    domain = f"lower(right({expr}, {at} - 1))"
    other = f"concat(repeat('*', toUInt64(greatest(lengthUTF8({expr}) - 4, 3))), rightUTF8({expr}, 4))"
    return f"if({at} > 1, concat(left({expr}, 1), '***@', {domain}), {other})"


def mask_emails_in(expr: str) -> str:
    """Free text (a bounce reason) with every email address in it masked."""
    return f"replaceRegexpAll({expr}, {q.lit(EMAIL_IN_TEXT_RE)}, '\\\\1***@\\\\2')"


def normalised(expr: str, mapping: dict[str, str]) -> str:
    """The contract's status for a provider's word ('' when the word is not a delivery status)."""
    keys = "[" + ", ".join(q.lit(k) for k in mapping) + "]"
    values = "[" + ", ".join(q.lit(v) for v in mapping.values()) + "]"
    return f"transform({expr}, {keys}, {values}, '')"


def status_columns(provider_id: str, provider_status: str) -> tuple[Column, ...]:
    """The columns every message-status table starts with (the `message.status.*` event's fields)."""
    return (
        Column("tenant_id", "String", "The clinic chain whose provider account reported the status."),
        Column(
            "provider_message_id",
            "String",
            f"{provider_id}; with the provider, the join key to the message we sent (`message.sent`).",
        ),
        Column("status", "String", "Normalised status: sent | delivered | read | failed."),
        Column("provider_status", "String", f"The status as the provider said it ({provider_status})."),
        Column("status_time", _T, "When the provider says the status happened (UTC)."),
        Column(
            "recipient_masked",
            "String",
            "The recipient, masked: country code and last 4 digits (`+91******3210`), or `a***@example.com`.",
            "pii",
        ),
        Column("error_code", "Nullable(String)", "The provider's error code of a failure; null otherwise."),
        Column(
            "error_title",
            "Nullable(String)",
            "The provider's reason for a failure (email addresses in it masked); null otherwise.",
        ),
    )
