"""Pull a day's settlement recon from Razorpay into the settlements feed's `api/` folder, page by page.

`GET /v1/settlements/recon/combined?year=&month=&day=&count=&skip=` answers one page (at most 1000 items)
of every line settled to the account that day. Each page is written, before anything loads it, exactly as
Razorpay sent it, to `<data_dir>/settlements/razorpay/api/<yyyy-mm-dd>-p<NNN>.json` (atomically), and the
`razorpay_settlements` feed loads it like any recon file.

Re-fetching a day (Razorpay keeps adding lines to recent days) is idempotent:
- a page whose bytes equal the latest stored version of that day and page is not written again, so the
  loader sees no new file;
- a page whose content changed is written as the next version, `<yyyy-mm-dd>-p<NNN>.v<KKK>.json` (K = 2,
  3, ...; the names sort in the order they were fetched, so they load in that order), and the earlier versions stay: the folder shows exactly what the gateway said each time. Loading the new version
  adds its new lines only (lines loaded before are skipped as duplicates; a line whose values changed is
  quarantined, naming the file that first had it: facts never change silently).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from core.atomic_files import AtomicFiles
from core.razorpay_api import MAX_PAGE_SIZE, RECON_PATH, ReconCollection
from core.razorpay_client import RazorpayClient, RazorpayError
from core.time import IST, as_utc
from ingestion.feeds.razorpay_settlements.spec import API_SUBFOLDER, SPEC

MAX_PAGES = 10_000  # a guard against an API that never ends a day (10M lines at the largest page size)


def api_folder(data_dir: Path) -> Path:
    return data_dir / SPEC.folder / API_SUBFOLDER


def previous_ist_day(now: datetime) -> date:
    """The IST calendar day before the one `now` falls on (a naive `now` is UTC)."""
    return as_utc(now).astimezone(IST).date() - timedelta(days=1)


def days_to_pull(day: date, refetch_days: int) -> list[date]:
    """`day` and the `refetch_days` days before it, oldest first."""
    if refetch_days < 0:
        raise ValueError("refetch_days must not be negative")
    return [day - timedelta(days=n) for n in range(refetch_days, -1, -1)]


@dataclass(frozen=True)
class StoredPage:
    path: Path
    page: int
    items: int
    written: bool  # False: the latest stored version already had these bytes


@dataclass
class DayPull:
    day: date
    pages: list[StoredPage] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return sum(p.items for p in self.pages)

    @property
    def written(self) -> list[Path]:
        return [p.path for p in self.pages if p.written]


def _versions(folder: Path, stem: str) -> list[tuple[int, Path]]:
    """Stored versions of one day's page, (version, path), oldest first (the unsuffixed file is version 1)."""
    pattern = re.compile(rf"{re.escape(stem)}(?:\.v(\d+))?\.json")
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            if match := pattern.fullmatch(path.name):
                found.append((int(match[1] or 1), path))
    return sorted(found)


def store_page(folder: Path, day: date, page: int, body: bytes) -> tuple[Path, bool]:
    """Write `body` as the next version of the day's page unless the latest version holds these bytes."""
    stem = f"{day.isoformat()}-p{page:03d}"
    versions = _versions(folder, stem)
    if versions and versions[-1][1].read_bytes() == body:
        return versions[-1][1], False
    number = versions[-1][0] + 1 if versions else 1
    path = folder / (f"{stem}.json" if number == 1 else f"{stem}.v{number:03d}.json")
    with AtomicFiles() as files:
        files.temp_for(path, note="page").write_bytes(body)
    return path, True


def pull_day(client: RazorpayClient, data_dir: Path, day: date, *, page_size: int = MAX_PAGE_SIZE) -> DayPull:
    """Every page of `day`'s settlement recon, each stored before the next is asked for."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
    folder = api_folder(data_dir)
    result = DayPull(day)
    for page in range(1, MAX_PAGES + 1):
        params = {
            "year": day.year,
            "month": f"{day.month:02d}",
            "day": f"{day.day:02d}",
            "count": page_size,
            "skip": (page - 1) * page_size,
        }
        body = client.get(RECON_PATH, params)
        try:
            collection = ReconCollection.model_validate_json(body)
        except ValueError:
            raise RazorpayError(
                f"Razorpay GET {RECON_PATH} for {day} page {page} answered something that is not a recon "
                f'collection (expected {{"entity": "collection", "items": [...]}}); nothing stored for it'
            ) from None
        path, written = store_page(folder, day, page, body)
        result.pages.append(StoredPage(path, page, len(collection.items), written))
        if len(collection.items) < page_size:
            return result
    raise RazorpayError(f"Razorpay recon for {day} did not end after {MAX_PAGES} pages of {page_size}")


def pull_days(
    client: RazorpayClient, data_dir: Path, days: Iterable[date], *, page_size: int = MAX_PAGE_SIZE
) -> list[DayPull]:
    return [pull_day(client, data_dir, day, page_size=page_size) for day in days]
