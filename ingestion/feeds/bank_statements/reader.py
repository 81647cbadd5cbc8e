"""Reads a bank statement, CSV or XLSX, in Python (a small feed), in the layout of its bank's profile.

Which profile: the folder. `bank/*.csv` is the platform's own layout (`profiles/mymedic.yaml`);
`bank/<name>/*` is profile `<name>`: the chain's own `bank/<name>/profile.yaml` when there is one, else
the built-in `profiles/<name>.yaml` (hdfc, icici, sbi, axis). The profile is then confirmed from the file:
its table header must be within the profile's header block limit and carry every required column.
A file that fits no layout is rejected (each of its lines quarantined) with a reason naming the closest
profile and the columns its header lacks; a bad profile.yaml rejects the files of its folder with a
one-line reason.

Which account: the statement's header block (after one of the profile's account labels), else the
profile's declared `account_number`, else a run of 9 to 18 digits in the file name
(`statement_50200012345678.csv`), else '' (a plain bank/*.csv named anything still loads, as it always
did: its lines stay distinct by their running balance); a profile with an account number column takes it
per line. All-digit account numbers lose leading zeros, so the same account reads the same from any
download.

Which lines are records: see profile.py (the statement's frame is yielded as `Frame`s).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingestion import parsers as p
from ingestion.feeds.bank_statements.profile import (
    BUILT_IN,
    DEFAULT,
    PROFILE_FILE,
    BankProfile,
    load_profile,
)
from ingestion.feeds.bank_statements.sheet_rows import Cell, SheetRow, read_rows
from ingestion.feeds.bank_statements.spec import SPEC
from ingestion.feeds.base import LoadContext
from ingestion.records import FileRejected, Frame, Record, RowError
from ingestion.spec import TableSpec

CLOSEST_SEARCH_LINES = 40  # how far into a file that fits no profile the closest header is looked for
_ACCOUNT_IN_NAME = re.compile(r"(?<!\d)(\d{9,18})(?!\d)")
_ACCOUNT = r"[A-Za-z.]*[\s:.#\-]*([0-9Xx*]{6,24})"
_RULE = re.compile(r"^[\s*=_\-+]{3,}$")
_CURRENCY = re.compile(r"^(?:₹|INR|RS\.?)\s*", re.IGNORECASE)
_BALANCE_SIDE = re.compile(r"^(.*?)\s*(CR|DR)\.?$", re.IGNORECASE)


# --- the profile --------------------------------------------------------------------------------------


def profile_for(path: Path) -> BankProfile:
    """The layout a file is in, by its folder (see the module docstring)."""
    folder = path.parent
    if folder.parent.name != SPEC.folder:
        return BUILT_IN[DEFAULT]
    name = folder.name.lower()
    own = folder / PROFILE_FILE
    if own.is_file():
        return load_profile(own, name)
    if name in BUILT_IN:
        return BUILT_IN[name]
    known = ", ".join(n for n in BUILT_IN if n != DEFAULT)
    raise FileRejected(
        f"no bank profile named {name!r}: name the folder after one of {known}, "
        f"or describe the layout in {SPEC.folder}/{folder.name}/{PROFILE_FILE}"
    )


def find_header(rows: list[SheetRow], profile: BankProfile, limit: int | None = None) -> int | None:
    """Index in `rows` of the profile's table header, within its header block limit."""
    last = profile.max_header_block_lines if limit is None else limit
    for index, row in enumerate(rows[: last + 1]):
        if row.cells is not None and not profile.lacks(row.texts()):
            return index
    return None


def no_fit(rows: list[SheetRow], profile: BankProfile) -> str:
    """Why no table header of `profile` was found, naming the closest profile and what its header lacks."""
    candidates = {**BUILT_IN, profile.name: profile}
    best: tuple[float, int, str, int, list[str]] | None = None
    for candidate in candidates.values():
        for row in rows[:CLOSEST_SEARCH_LINES]:
            if row.cells is None:
                continue
            lacks = candidate.lacks(row.texts())
            score = 1 - len(lacks) / len(candidate.required)
            key = (score, -len(lacks), candidate.name, -row.line, lacks)
            if best is None or key[:2] > best[:2] or (key[:2] == best[:2] and candidate.name == profile.name):
                best = key
    expected = f"expected the {profile.name} layout ({profile.bank})"
    if best is None or best[0] == 0:
        return f"no table header of any bank profile found; {expected}"
    _, _, name, minus_line, lacks = best
    if not lacks:
        return f"{expected} but the table header (line {-minus_line}) is profile {name}'s: put it in {SPEC.folder}/{name}/"
    return (
        f"no table header fits; {expected}; the closest is profile {name}, whose header (line {-minus_line}) "
        f"lacks column(s) {', '.join(repr(c) for c in lacks)}"
    )


# --- the account --------------------------------------------------------------------------------------


def _normal_account(text: str) -> str:
    text = re.sub(r"\s", "", text)
    return (text.lstrip("0") or "0") if text.isdigit() else text.upper()


def header_block_account(rows: list[SheetRow], profile: BankProfile) -> str:
    for label in profile.account_labels:
        words = re.findall(r"[A-Za-z0-9]+", label)
        pattern = re.compile(r"[^A-Za-z0-9]*".join(map(re.escape, words)) + _ACCOUNT, re.IGNORECASE)
        for row in rows:
            text = " ".join(row.texts()) if row.cells is not None else row.raw
            for match in pattern.finditer(text):
                if sum(ch.isdigit() for ch in match.group(1)) >= 3:
                    return _normal_account(match.group(1))
    return ""


def statement_account(path: Path, block: list[SheetRow], profile: BankProfile) -> str:
    """The statement's account number ('' when nothing says it)."""
    if account := header_block_account(block, profile):
        return account
    if profile.account_number.strip():
        return _normal_account(profile.account_number)
    if match := _ACCOUNT_IN_NAME.search(path.stem):
        return _normal_account(match.group(1))
    return ""


# --- one line -----------------------------------------------------------------------------------------


def amount(column: str, value: Cell, *, balance: bool = False) -> int:
    """Rupees (either grouping, an optional ₹/INR/Rs prefix; a balance may end in Cr or Dr) -> paise."""
    text = value.strip() if isinstance(value, str) else ""
    sign = 1
    if balance and (side := _BALANCE_SIDE.match(text)):
        text, sign = side.group(1), -1 if side.group(2).upper() == "DR" else 1
    text = _CURRENCY.sub("", text)
    return sign * p.rupees_to_paise(column, "" if text == "-" else text)


def _text(value: Cell) -> str:
    return value if isinstance(value, str) else value.isoformat()


def parse_line(cells: dict[str, Cell], profile: BankProfile, tenant_id: str, account: str) -> dict[str, Any]:
    if "amount" in cells:
        money = amount("amount", cells["amount"])
        if money < 0:
            raise RowError("column 'amount' is negative; expected the amount, with dr_cr saying its side")
        side = profile.direction(_text(cells["dr_cr"]))
        debit, credit = (money, 0) if side == "debit" else (0, money)
    else:
        debit, credit = amount("debit", cells["debit"]), amount("credit", cells["credit"])
        if debit < 0 or credit < 0:
            raise RowError("debit and credit must not be negative")
        if debit and credit:
            raise RowError("a statement line has both a debit and a credit; expected one of them")
    if not debit and not credit:
        raise RowError("the line has neither a debit nor a credit; expected one of them")
    if not _text(cells["balance"]).strip():
        raise RowError("column 'balance' is empty; expected the running balance in rupees")
    account = (
        _normal_account(_text(cells["account_number"]))
        if _text(cells.get("account_number", "")).strip()
        else account
    )
    txn_date = profile.parse_date("txn_date", cells["txn_date"])
    value_date = cells.get("value_date", "")
    return {
        "tenant_id": tenant_id,
        "account_number": account,
        "txn_date": _in_range("txn_date", txn_date),
        "value_date": _in_range("value_date", profile.parse_date("value_date", value_date))
        if _text(value_date).strip()
        else txn_date,
        "narration": p.text("narration", _text(cells["narration"]), required=True),
        "ref_no": p.text("ref_no", _text(cells.get("ref_no", ""))),
        "debit_paise": debit,
        "credit_paise": credit,
        "balance_paise": amount("balance", cells["balance"], balance=True),
    }


def _in_range(column: str, day: Any) -> Any:
    if not p.FIRST_DATE <= day <= p.LAST_DATE:
        raise RowError(f"column {column!r} has '{day:%d/%m/%Y}', outside 01/01/1970..31/12/2105")
    return day


# --- the file -----------------------------------------------------------------------------------------


def _first_text(cells: list[Cell]) -> str:
    return next((c for c in cells if isinstance(c, str) and c.strip()), "")


def _is_rule(row: SheetRow) -> bool:
    return bool(_RULE.match(" ".join(row.texts()) if row.cells is not None else row.raw))


class BankStatementsReader:
    kind = "python"

    def unit(self, path: Path) -> str:
        """A CSV statement's records are its lines; anything else (XLSX) is one document when rejected."""
        return "lines" if path.suffix.lower() == ".csv" else "document"

    def records(self, path: Path, table: TableSpec, context: LoadContext) -> Iterator[Record | Frame]:
        profile = profile_for(path)
        rows = list(read_rows(path))
        at = find_header(rows, profile)
        if at is None:
            raise FileRejected(no_fit(rows, profile))
        header = rows[at]
        columns = profile.locate(header.texts())
        account = statement_account(path, rows[:at], profile)
        for row in rows[:at]:
            yield Frame(row.line, "header block")
        yield Frame(header.line, "table header")
        width = len(header.cells or [])
        in_footer = False
        for row in rows[at + 1 :]:
            if not in_footer and row.cells is not None and profile.is_footer(_first_text(row.cells)):
                in_footer = True
            if in_footer:
                yield Frame(row.line, "footer")
                continue
            if _is_rule(row):
                yield Frame(row.line, "rule")
                continue
            where = {"offset": row.offset, "length": row.length}
            cells, problem = self._fit(row, width)
            if cells is None:
                yield Record(row.line, row.raw, reason=problem, **where)
                continue
            picked = {field: cells[index] for field, index in columns.items()}
            if self._carried_balance(picked, profile):
                yield Frame(row.line, "balance brought forward")
                continue
            try:
                values = parse_line(picked, profile, context.tenant_id, account)
            except RowError as exc:
                yield Record(row.line, row.raw, reason=str(exc), **where)
            else:
                yield Record(row.line, row.raw, values=values, **where)

    @staticmethod
    def _fit(row: SheetRow, width: int) -> tuple[list[Cell] | None, str]:
        if row.cells is None:
            return None, row.problem or "unreadable row"
        cells = list(row.cells)
        while len(cells) > width and cells[-1] == "":
            cells.pop()
        if row.length == 0 and len(cells) < width:  # a sheet row (XLSX) stops at its last filled cell
            cells += [""] * (width - len(cells))
        if len(cells) != width:
            return (
                None,
                f"row has {len(cells)} fields but the header has {width} (truncated line or stray delimiter)",
            )
        if not any(not isinstance(c, str) or c.strip() for c in cells):
            return None, "row has no values, only delimiters"
        return cells, ""

    @staticmethod
    def _carried_balance(picked: dict[str, Cell], profile: BankProfile) -> bool:
        if not profile.carried_balance or not profile.is_carried_balance(_text(picked["narration"])):
            return False
        sides = [picked.get(k, "") for k in ("debit", "credit", "amount")]
        return all(not _text(s).strip() or _text(s).strip() in ("-", "0", "0.00") for s in sides)
