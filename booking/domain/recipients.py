"""Masked recipients (messaging contract): a phone number keeps its country calling code and its last four
digits (`+91******3210`), an email address its first character and its domain (`a***@example.com`). Phone
numbers and email addresses never appear unmasked in events, logs or raw tables.

The country calling codes are phonenumbers' (ITU E.164); they are a prefix code, so at most one of them
starts a number. `ingestion.message_sql` applies the same rules in the warehouse.
"""

from __future__ import annotations

import re

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

CALLING_CODES: tuple[str, ...] = tuple(sorted(str(code) for code in COUNTRY_CODE_TO_REGION_CODE))
PHONE_RE = re.compile(r"^\+?\d{7,15}$")
EMAIL_IN_TEXT_RE = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")


def calling_code(digits: str) -> str:
    """The country calling code a number in international form (digits only) starts with, '' if none."""
    return next((digits[:n] for n in (1, 2, 3) if digits[:n] in CALLING_CODES), "")


def mask_phone(number: str) -> str:
    """`+91******3210` for 919876543210 or +919876543210, `******3210` for a 10-digit national number; an
    id that is not a phone number (a WhatsApp group or user id) keeps only its last four characters."""
    text = number.strip().replace(" ", "")
    if not PHONE_RE.match(text):
        return "*" * max(len(text) - 4, 3) + text[-4:]
    digits = text.lstrip("+")
    if not text.startswith("+") and len(digits) == 10:  # a national number (9876543210): no calling code
        return "*" * 6 + digits[-4:]
    code = calling_code(digits)
    rest = digits[len(code) :]
    return f"+{code}{'*' * max(len(rest) - 4, 0)}{rest[-4:]}"


def mask_email(address: str) -> str:
    """`a***@example.com`."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return "*" * max(len(address) - 4, 3) + address[-4:]
    return f"{local[:1]}***@{domain.lower()}"


def mask_emails_in(text: str) -> str:
    """Free text (a bounce reason) with every email address in it masked."""
    return EMAIL_IN_TEXT_RE.sub(lambda m: f"{m[1]}***@{m[2].lower()}", text)
