"""The operator page's access to the live warehouse: opened per request, closed after it.

chDB admits one process per data directory, and the pipeline (`mymedic run`, Dagster) needs it for the whole
of a run. So the page never holds it between requests: each request opens it, reads or loads, and closes it,
one request at a time in the page's process (a lock). While a run holds the directory, a request answers 503
saying so, and the page stays up. (A ClickHouse server warehouse has no such lock; requests are still one at
a time, so a fix's load is the only load the page runs.) The metrics API avoids the warehouse altogether by
reading the published serving copy; the page can't, since it shows the quarantine as it is now and fixes it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from clickhouse_connect.driver.exceptions import ClickHouseError

from booking.domain.errors import Unavailable
from core.settings import WarehouseSettings
from core.warehouse import Warehouse
from core.warehouse.client import WarehouseUnavailable, connect

log = logging.getLogger("operations.warehouse")
BUSY = "the warehouse is in use by a pipeline run (chDB admits one process at a time); reload when the run has finished"
UNREACHABLE = "the warehouse can't be opened just now; check that it is running, then reload"


class WarehouseGate:
    def __init__(self, settings: WarehouseSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()

    @contextmanager
    def open(self) -> Iterator[Warehouse]:
        with self._lock:
            try:
                warehouse = Warehouse(self.settings, connect(self.settings))
            except WarehouseUnavailable as exc:  # the client says whether another process holds the directory
                if exc.held_by is not None:
                    raise Unavailable(BUSY) from None
                log.warning("warehouse: %s", type(exc).__name__)
                raise Unavailable(UNREACHABLE) from None
            except ClickHouseError as exc:
                log.warning("warehouse: %s", type(exc).__name__)
                raise Unavailable(UNREACHABLE) from None
            try:
                yield warehouse
            finally:
                warehouse.close()
