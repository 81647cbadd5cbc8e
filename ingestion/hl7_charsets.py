"""HL7 v2 character sets: the MSH-18 names (HL7 table 0211) and the Python codec each one is. One table for
the adt_hl7 feed's reader and the MLLP listener: a set the listener accepts is one the reader decodes."""

from __future__ import annotations

UNDECLARED_CODEC = "utf-8"  # no MSH-18: ASCII by the standard; UTF-8 is its superset and v2.8's preferred set

CHARSETS = {
    "": UNDECLARED_CODEC,
    "ASCII": "ascii",
    "ISO IR6": "ascii",
    "UNICODE": "utf-8",
    "UNICODE UTF-8": "utf-8",
    "ISO IR192": "utf-8",
    "8859/1": "latin-1",
    "ISO IR100": "latin-1",
    "8859/2": "iso8859-2",
    "8859/3": "iso8859-3",
    "8859/4": "iso8859-4",
    "8859/5": "iso8859-5",
    "8859/6": "iso8859-6",
    "8859/7": "iso8859-7",
    "8859/8": "iso8859-8",
    "8859/9": "iso8859-9",
    "8859/15": "iso8859-15",
    "ISO IR14": "shift_jis",
    "ISO IR87": "iso2022_jp",
    "ISO IR159": "iso2022_jp_2",
    "GB 18030-2000": "gb18030",
    "KS X 1001": "euc_kr",
    "BIG-5": "big5",
    "CNS 11643-1992": "big5",
}
DECLARED = tuple(name for name in CHARSETS if name)  # the names a sender may put in MSH-18


def codec_for(name: str) -> str | None:
    """The codec of an MSH-18 name (case and surrounding blanks ignored); None for a set not in the table."""
    return CHARSETS.get(name.strip().upper())
