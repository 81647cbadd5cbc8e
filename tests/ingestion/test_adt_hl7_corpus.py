"""The third-party HL7 v2 corpus (../shared/corpora/hl7v2/, see its README): every file loads or is quarantined
with a reason, and what the warehouse holds equals what this test reads from the raw segments itself (plain
string splitting and strptime here, not the feed's parser)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.adt_hl7 import FEED as HL7_FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables
from tests.support.paths import CORPORA

HL7V2 = CORPORA / "hl7v2"
FILES = sorted(HL7V2.glob("*.hl7")) if HL7V2.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason=f"the HL7 v2 corpus is not at {HL7V2}")
IST = timezone(timedelta(hours=5, minutes=30))


def segments(path: Path) -> dict[str, list[list[str]]]:
    text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    out: dict[str, list[list[str]]] = {}
    for line in re.split(r"\r\n|\r|\n", text):
        if line.strip():
            fields = line.split("|")
            if fields[0] == "MSH":
                fields.insert(1, "|")  # MSH-1 is the separator itself: MSH-n is fields[n]
            out.setdefault(fields[0], []).append(fields)
    return out


def field(seg: list[str], n: int) -> str:
    return seg[n] if n < len(seg) else ""


def first(value: str, sep: str = "^") -> str:
    return value.split("~")[0].split(sep)[0]


def as_utc(value: str) -> datetime | None:
    """An HL7 timestamp as naive UTC (how the warehouse returns it)."""
    if not value:
        return None
    m = re.fullmatch(r"(\d+)(\.\d+)?([+-]\d{4})?", value)
    assert m, value
    digits, fraction, offset = m.groups()
    local = datetime.strptime(digits, {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}[len(digits)])
    if fraction:
        local += timedelta(milliseconds=int(fraction[1:4].ljust(3, "0")))
    zone = IST
    if offset:
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def expected(path: Path) -> dict[str, object]:
    seg = segments(path)
    msh, pid, pv1 = seg["MSH"][0], seg["PID"][0], seg["PV1"][0]
    evn = seg.get("EVN", [[]])[0]
    ids = []
    for rep in field(pid, 3).split("~"):
        parts = rep.split("^") + [""] * 5
        ids.append({"id": parts[0], "authority": parts[3].split("&")[0], "type": parts[4]})
    return {
        "sender": f"{first(field(msh, 3))}^{first(field(msh, 4))}",
        "message_id": field(msh, 10),
        "message_time": as_utc(field(msh, 7)),
        "event_type": field(msh, 9).split("^")[1],
        "event_time": as_utc(field(evn, 6) or field(evn, 2)),
        "patient_ids": ids,
        "mrn": next(i["id"] for i in ids if i["type"] == "MR"),
        "visit_number": first(field(pv1, 19)),
        "patient_class": field(pv1, 2),
        "attending_doctor": first(field(pv1, 7)),
        "admit_time": as_utc(first(field(pv1, 44))),
        "discharge_time": as_utc(first(field(pv1, 45))),
        "hl7_version": first(field(msh, 12)),
    }


COLUMNS = list(expected(FILES[0])) if FILES else []


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_corpus_file_loads_with_the_values_of_its_raw_segments(warehouse: Warehouse, path: Path) -> None:
    create_raw_tables(warehouse)
    tenant = f"corpus_{path.stem}"  # one tenant per file: the samples reuse one control id (MSG00001)
    result = load_file(warehouse, HL7_FEED, path, LoadContext(tenant), source=path.name)
    messages = sum(len(s) for s in segments(path).values() if s[0][0] == "MSH")
    assert result.conserved and result.rows_read == messages == 1
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    cols = ", ".join(COLUMNS)
    [row] = warehouse.rows(
        f"select {cols} from raw.adt_hl7_events where tenant_id = {{t:String}}", {"t": tenant}
    )
    got = dict(zip(COLUMNS, row, strict=True))
    got["patient_ids"] = json.loads(got["patient_ids"])
    assert got == expected(path)
    again = load_file(warehouse, HL7_FEED, path, LoadContext(tenant), source=f"copy/{path.name}")
    assert again.rows_loaded == 0


def test_corpus_under_one_tenant_loads_each_message_once_or_says_why(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """The seven GHH samples are one sender's MSG00001 with different bodies: the first loads, the others are
    quarantined naming the row they clash with. Nothing is dropped silently."""
    create_raw_tables(warehouse)
    loaded = quarantined = 0
    for path in FILES:
        # re-delivered with one more segment end: another file (the loader skips a file it loaded before by
        # its bytes), the same message
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes() + b"\r")
        result = load_file(warehouse, HL7_FEED, copy, LoadContext("corpus_all"), source=f"all/{path.name}")
        assert result.conserved and result.rows_read == 1
        loaded += result.rows_loaded
        quarantined += result.rows_quarantined
    reasons = [
        r for (r,) in warehouse.rows("select reason from raw.quarantine where _source_file like 'all/%'")
    ]
    assert len(reasons) == quarantined and all(
        "with different values; not loaded again" in r for r in reasons
    )
    keys = warehouse.rows("select sender, message_id from raw.adt_hl7_events where tenant_id = 'corpus_all'")
    assert loaded == len(keys) == len(set(keys))
    assert loaded + quarantined == len(FILES)
