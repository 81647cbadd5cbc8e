"""A feed's files through the real loader (`ingestion.loader.load_file`) into a fresh chDB warehouse, timed:
what the file-path benches (hl7_load, message_statuses, claims_load) measure once their files
are written."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from core.settings import warehouse_settings
from core.warehouse import open_warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.base import Feed
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables


@dataclass(frozen=True)
class FeedLoad:
    read: int
    loaded: int
    quarantined: int
    files: int
    seconds: float
    # CPU of this process (chDB's threads included) and of the readers' worker processes: the wall figure
    # swings on a busy machine
    cpu_seconds: float


def family_cpu() -> float:
    """CPU seconds of this process and its live child processes (the readers' pool of parsers), user + system."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(child.cpu_times()[:2])
    return total


def load_files(feed: Feed, data: Path, warehouse: Path) -> FeedLoad:
    """Load every file of `feed` under `data` into a new warehouse at `warehouse`, timing the loads only."""
    settings = warehouse_settings(f"chdb://{warehouse.resolve()}")
    with open_warehouse(settings) as w:
        create_raw_tables(w)
        context = LoadContext("bench")
        started, cpu_started = time.perf_counter(), family_cpu()
        results = [load_file(w, feed, p, context, source=p.name) for p in feed.files(data)]
        seconds, cpu_seconds = time.perf_counter() - started, family_cpu() - cpu_started
    return FeedLoad(
        read=sum(r.rows_read for r in results),
        loaded=sum(r.rows_loaded for r in results),
        quarantined=sum(r.rows_quarantined for r in results),
        files=len(results),
        seconds=seconds,
        cpu_seconds=cpu_seconds,
    )
