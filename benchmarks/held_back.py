"""The bench's second-day run: hold the newest day of a data directory back, then put it back.

A data directory (the layout `mymedic generate` writes) holds events and settlements as one file per day,
named `YYYY-MM-DD.*` (`events/2026-08-01.ndjson`, `settlements/razorpay/2026-08-03.csv`), and the bank
statement as one file for the whole period. Holding a day back moves that day's events and settlement
files out, and splits the bank statement: its lines of that day move out as a file of their own,
`bank/<statement>_<YYYY-MM-DD>.csv` (header and lines, as a bank's daily statement would arrive), and the
rest stays under the statement's name. Putting the day back adds those files; nothing already loaded
changes, so a second run sees only the new day's files as new.

Work on a copy (`link_copy`): the copy's files are hard links to the original's, and the split writes new
files and renames them over the links, so the original directory is never changed.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

DAILY_FOLDERS = ("events", "settlements/razorpay")
BANK_FOLDER = "bank"
DAY_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.")


def link_copy(source: Path, target: Path) -> None:
    """Copy a directory tree with hard links to the files (a plain copy where links are impossible)."""

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=link_or_copy)


def newest_day(data_dir: Path) -> date | None:
    """The latest date naming a file in events/ or settlements/razorpay/."""
    days = [
        date.fromisoformat(m.group(1))
        for folder in DAILY_FOLDERS
        if (data_dir / folder).is_dir()
        for path in (data_dir / folder).iterdir()
        if (m := DAY_NAME.match(path.name))
    ]
    return max(days, default=None)


@dataclass
class HeldBack:
    data_dir: Path
    held_dir: Path
    day: date
    files: list[Path] = field(default_factory=list)  # relative to both folders
    lines: int = 0  # lines (not counting headers) of the held-back files

    def put_back(self) -> None:
        for relative in self.files:
            (self.data_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.held_dir / relative, self.data_dir / relative)


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def hold_back(data_dir: Path, held_dir: Path, day: date | None = None) -> HeldBack:
    """Move the files of `day` (default: the newest) from `data_dir` to `held_dir`; see the module doc."""
    day = day or newest_day(data_dir)
    if day is None:
        raise ValueError(f"{data_dir} has no files named by date in {' or '.join(DAILY_FOLDERS)}")
    shutil.rmtree(held_dir, ignore_errors=True)
    held = HeldBack(data_dir, held_dir, day)
    for folder in DAILY_FOLDERS:
        directory = data_dir / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.name.startswith(f"{day.isoformat()}."):
                relative = path.relative_to(data_dir)
                (held_dir / relative).parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, held_dir / relative)
                held.files.append(relative)
                held.lines += _count_lines(held_dir / relative)
    held.lines -= sum(1 for f in held.files if f.suffix == ".csv")  # their header lines
    bank = data_dir / BANK_FOLDER
    for path in sorted(bank.glob("*.csv")) if bank.is_dir() else []:
        held.lines += _split_bank_statement(data_dir, held, path)
    return held


def _split_bank_statement(data_dir: Path, held: HeldBack, path: Path) -> int:
    """Move the statement's lines of `held.day` to a file of their own; return how many moved.

    The first column is the transaction date as DD/MM/YYYY (unquoted; the bank never quotes it).
    """
    stamp = f"{held.day:%d/%m/%Y}"
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    if not lines:
        return 0
    header, body = lines[0], lines[1:]
    on_day = [line.split(",", 1)[0].strip() == stamp for line in body]
    day_lines = [line for line, held_line in zip(body, on_day, strict=True) if held_line]
    if not day_lines:
        return 0
    relative = path.relative_to(data_dir).with_name(f"{path.stem}_{held.day.isoformat()}.csv")
    (held.held_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    (held.held_dir / relative).write_bytes((header + "".join(day_lines)).encode("utf-8"))
    rest = path.with_name(f".{path.name}.rest")
    kept = (line for line, held_line in zip(body, on_day, strict=True) if not held_line)
    rest.write_bytes((header + "".join(kept)).encode("utf-8"))
    os.replace(rest, path)  # a new file over the (possibly hard-linked) statement: the original stays
    held.files.append(relative)
    return len(day_lines)
