"""The process pool in which the Python readers parse a large file's chunks (adt_hl7 and billing_hl7 through
it, claims_tpa): one per loading process, kept between files, so a worker's start-up (its imports) is paid
once. Each reader cuts its file, parses the chunks here and yields their rows as Arrow blocks in file order
(ingestion/record_blocks.py)."""

from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

MAX_WORKERS = 8
# What the fork server imports once, so the workers it forks start with them: the parsers, and pandas, which
# pyarrow imports on its first conversion (~0.7 s of CPU a worker otherwise). Not __main__ (the default): a
# worker runs only the readers' functions.
PRELOAD = ("ingestion.feeds.adt_hl7.reader", "ingestion.feeds.claims_tpa.reader", "pandas")

_pool: ProcessPoolExecutor | None = None
_pool_workers = 0


def default_workers() -> int:
    """One worker per CPU, at most MAX_WORKERS."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """The pool of `workers` processes (a new one when the number changes). forkserver, not fork: the
    loading process runs chDB's threads, which a fork would copy mid-flight."""
    global _pool, _pool_workers
    if _pool is None or _pool_workers != workers:
        if _pool is not None:
            _pool.shutdown()
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(PRELOAD))
        # gc.freeze: what a worker starts with (the modules) is never garbage, so its collections skip it
        _pool = ProcessPoolExecutor(workers, mp_context=context, initializer=gc.freeze)
        _pool_workers = workers
    return _pool
