"""Each feed's health as the load ledger tells it: files and records loaded and quarantined, the open
quarantine, and the last load.

This is what exists before `fct_integration_health_daily` (issue 14): the operator page reads `feed_health`
and shows `FeedHealth` rows; once that mart lands, a reader of the mart returning the same rows replaces the
query here, and the page does not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.warehouse import Warehouse
from ingestion.quarantine import quarantine_by_feed


@dataclass(frozen=True)
class FeedHealth:
    feed: str
    files: int  # loads committed (loaded, rejected or empty)
    files_rejected: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_skipped: int
    open_quarantine: int  # quarantined records not fixed yet
    last_load_at: datetime  # when the feed's last load committed (UTC)
    last_status: str  # that load's status: loaded | rejected | empty

    @property
    def conserved(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined + self.rows_skipped


def feed_health(warehouse: Warehouse) -> list[FeedHealth]:
    """One row per feed that has a committed load, by feed."""
    if not warehouse.table_exists("raw", "load_ledger"):
        return []
    open_by_feed = {q.feed: q.open for q in quarantine_by_feed(warehouse)}
    rows = warehouse.rows(
        "select feed, count(), countIf(status = 'rejected'), sum(rows_read), sum(rows_loaded), "
        "sum(rows_quarantined), sum(rows_skipped), max(finished_at), argMax(status, finished_at) "
        f"from `{warehouse.db('raw')}`.load_ledger group by feed order by feed"
    )
    return [
        FeedHealth(
            feed,
            int(files),
            int(rejected),
            int(read),
            int(loaded),
            int(quarantined),
            int(skipped),
            open_by_feed.get(feed, 0),
            last_at,
            last_status,
        )
        for feed, files, rejected, read, loaded, quarantined, skipped, last_at, last_status in rows
    ]
