"""PHI masked for viewers: a quarantined record as received and the values its reason quotes.

A record's letters and digits become `•` and its punctuation stays, so a viewer sees its shape (which field
is empty, where a delimiter is missing) but no value. In a reason, what is quoted and every run of digits
and every word holding a digit (an id, a number, a date) is masked the same way; the loader's own words stay.
"""

from __future__ import annotations

import re

MASK = "•"
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_WITH_DIGIT = re.compile(r"[\w@.+:/-]*\d[\w@.+:/-]*")


def mask_record(text: str) -> str:
    return "".join(MASK if ch.isalnum() else ch for ch in text)


def mask_reason(text: str) -> str:
    masked = _QUOTED.sub(lambda m: m.group(0)[0] + mask_record(m.group(0)[1:-1]) + m.group(0)[-1], text)
    return _WITH_DIGIT.sub(lambda m: mask_record(m.group(0)), masked)
