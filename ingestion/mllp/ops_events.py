"""The MLLP listener's operational events: once per interval, what it answered and how many connections it
served, as one `ops.mllp.listener.interval` CloudEvent in its own NDJSON file under the data directory's
`events/` folder, which the booking_events feed loads like the booking service's files. The counts are the
listener's running totals (plain integer increments per message): nothing is written per message, so the
listener's throughput is untouched. An interval without a message or an open connection writes nothing.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

LISTENER_INTERVAL = "ops.mllp.listener.interval"
DEFAULT_INTERVAL_SECONDS = 60.0
EVENTS_FOLDER = "events"  # the booking_events feed's folder
BRANCH = "all"  # the listener serves the whole chain, not one branch


class Totals(BaseModel):
    """The listener's running totals since it started."""

    accepted: int = 0  # stored (AA)
    duplicates: int = 0  # already stored (AA again)
    rejected: int = 0  # AR
    errors: int = 0  # AE
    connections: int = 0  # connections opened (one over --max-connections included: it is closed at once)


class ListenerInterval(Totals):
    """One interval's counts (the `data` of the event)."""

    listener: str  # host:port it listens on
    interval_start: datetime
    interval_end: datetime
    connections_open: int  # at the interval's end


class OpsEvents:
    """Writes an interval's event when asked: the totals minus those of the previous one."""

    def __init__(self, data_dir: Path, tenant_id: str, listener: str, started: datetime) -> None:
        self.folder = data_dir / EVENTS_FOLDER
        self.tenant_id = tenant_id
        self.listener = listener
        self._start = started
        self._last = Totals()
        self._file_stem = f"mllp-{started:%Y%m%dT%H%M%SZ}-{os.getpid()}"
        self._written = 0

    def emit(self, totals: Totals, connections_open: int, now: datetime) -> Path | None:
        """The interval up to `now`: its file, or None when nothing happened in it. Raises OSError when the
        file cannot be written (the interval's counts then go into the next one)."""
        counts = {name: getattr(totals, name) - getattr(self._last, name) for name in Totals.model_fields}
        if not any(counts.values()) and not connections_open:
            self._start = now
            return None
        data = ListenerInterval(
            **counts,
            listener=self.listener,
            interval_start=self._start,
            interval_end=now,
            connections_open=connections_open,
        )
        event = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "type": LISTENER_INTERVAL,
            "source": f"mymedic/adt-mllp/{self.listener}",
            "subject": self.listener,
            "time": now.isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json",
            "tenantid": self.tenant_id,
            "branchid": BRANCH,
            "data": data.model_dump(mode="json"),
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"{self._file_stem}-{self._written + 1:06d}.ndjson"
        hidden = final.with_name(f".{final.name}.tmp")  # the feeds never read hidden files
        hidden.write_text(json.dumps(event) + "\n")
        os.replace(hidden, final)
        # only once written: a failed write leaves its counts to the next interval
        self._written, self._start, self._last = self._written + 1, now, totals.model_copy()
        return final
