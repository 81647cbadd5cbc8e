"""Rupee amounts in Indian digit grouping (₹10,00,519.00, -₹1,23,45,678.90) as spreadsheet number formats,
whatever the viewer's locale: the cell stays a number, only its display is grouped.

Excel's format codes know one grouping, every three digits, taken from the viewer's locale. The usual trick
for lakhs and crores is literal commas between digit placeholders (`##\\,##\\,##0.00`), which works only for
numbers with enough digits, hence the common conditional code
`[>=10000000]"₹"##\\,##\\,##\\,##0.00;[>=100000]"₹"##\\,##\\,##0.00;"₹"##,##0.00`. A code has at most two
conditions, so it cannot also cover negative amounts (refunds), and applications disagree on where they
put a minus sign in conditional sections: rendered by LibreOffice, that code shows -0.01 as `₹0.01` and
-1,00,000 as `₹100,000.00`. So each magnitude gets its own plain two-section code (`positive;negative`,
read the same way by Excel, LibreOffice and Google Sheets, the minus written out), and a cell is given the
code of its amount's magnitude (`magnitude_class`). The text is the same as `core.money.format_rupees`
(Babel's en_IN): a test renders both.
"""

from __future__ import annotations

RUPEE = '"₹"'
# Integer-part digit patterns: up to 5 digits (99,999), then one more two-digit group per class.
INTEGER_PATTERNS = ("#,##0", *("##\\," * groups + "##0" for groups in range(2, 7)))
RUPEE_FORMATS: tuple[str, ...] = tuple(f"{RUPEE}{p}.00;-{RUPEE}{p}.00" for p in INTEGER_PATTERNS)
# |paise| below CLASS_LIMITS[i] takes RUPEE_FORMATS[i]: ₹1 lakh, ₹1 crore, ₹100 crore, ₹10,000 crore, ...
CLASS_LIMITS: tuple[int, ...] = tuple(10 ** (7 + 2 * i) for i in range(len(RUPEE_FORMATS) - 1))
SMALL_LIMIT = CLASS_LIMITS[0]  # 1,00,000 rupees in paise: almost every single payment is below


def magnitude_class(paise: int) -> int:
    """The index into RUPEE_FORMATS of the code that groups `paise` (as rupees) the Indian way."""
    size = -paise if paise < 0 else paise
    for index, limit in enumerate(CLASS_LIMITS):
        if size < limit:
            return index
    return len(CLASS_LIMITS)
