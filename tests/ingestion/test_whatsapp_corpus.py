"""The third-party WhatsApp corpus (../shared/corpora/whatsapp/, see its README): every status of every file is
loaded with its ids and timestamps intact or quarantined with a reason, and loading again adds nothing. What
the warehouse holds is compared with what this test reads from each file with json and datetime itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.warehouse import Warehouse
from ingestion.feeds import LoadContext
from ingestion.feeds.whatsapp_statuses import FEED
from ingestion.loader import load_file
from ingestion.tables import create_raw_tables
from tests.support.paths import CORPORA

WHATSAPP = CORPORA / "whatsapp"
FILES = sorted(WHATSAPP.glob("*.json")) if WHATSAPP.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason=f"the WhatsApp corpus is not at {WHATSAPP}")
CONTEXT = LoadContext("corpus")


def utc(epoch: str | int | None) -> datetime | None:
    """Epoch seconds as naive UTC (how the warehouse returns a DateTime('UTC'))."""
    return None if epoch is None else datetime.fromtimestamp(int(epoch), UTC).replace(tzinfo=None)


def statuses(path: Path) -> list[dict[str, object]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for entry in doc["entry"]:
        for change in entry["changes"]:
            for s in change["value"].get("statuses", []):
                errors = s.get("errors") or [{}]
                conversation = s.get("conversation") or {}
                found.append(
                    {
                        "provider_message_id": s["id"],
                        "provider_status": s["status"],
                        "status_time": utc(s["timestamp"]),
                        "recipient_tail": s["recipient_id"][-4:],
                        "error_code": str(errors[0]["code"]) if "code" in errors[0] else None,
                        "error_title": errors[0].get("title"),
                        "conversation_id": conversation.get("id"),
                        "conversation_expires_at": utc(conversation.get("expiration_timestamp")),
                        "pricing_category": (s.get("pricing") or {}).get("category"),
                        "waba_id": entry["id"],
                    }
                )
    return found


COLUMNS = list(statuses(FILES[0])[0]) if FILES else []


def test_every_corpus_status_loads_intact_or_is_quarantined_with_a_reason(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    create_raw_tables(warehouse)
    results = [load_file(warehouse, FEED, path, CONTEXT, source=f"corpus/{path.name}") for path in FILES]
    assert all(r.conserved for r in results)
    cols = ", ".join(c for c in COLUMNS if c != "recipient_tail")
    for path, result in zip(FILES, results, strict=True):
        wanted = statuses(path)
        assert result.rows_read == len(wanted) >= 1, path.name
        rows = warehouse.rows(
            f"select {cols}, recipient_masked from raw.whatsapp_message_statuses where _source_file = {{f:String}}",
            {"f": f"corpus/{path.name}"},
        )
        loaded = []
        for row in rows:
            got = dict(zip([c for c in COLUMNS if c != "recipient_tail"], row[:-1], strict=True))
            masked = str(row[-1])
            assert "*" in masked and masked.endswith(next(str(w["recipient_tail"]) for w in wanted))
            loaded.append({**got, "recipient_tail": masked[-4:]})
        reasons = [
            r for (r,) in warehouse.rows(
                "select reason from raw.quarantine where _source_file = {f:String}", {"f": f"corpus/{path.name}"}
            )
        ]  # fmt: skip
        assert all(reasons), path.name
        assert len(loaded) + len(reasons) + result.rows_skipped == len(wanted), path.name
        for row in loaded:
            assert row in wanted, (path.name, row)
    # read/played/failed of one message and its sent/delivered arrive as separate files: all five are facts
    assert warehouse.scalar(
        "select count() from raw.whatsapp_message_statuses where provider_message_id = 'wamid.xyzxyz'"
    ) == len({(s["provider_status"], s["status_time"]) for p in FILES for s in statuses(p)
              if s["provider_message_id"] == "wamid.xyzxyz"})  # fmt: skip
    before = warehouse.scalar("select count() from raw.whatsapp_message_statuses")
    for path in FILES:  # the same files again, and the same bytes under another name
        assert load_file(warehouse, FEED, path, CONTEXT, source=f"corpus/{path.name}").rows_loaded == 0
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes() + b"\n")
        assert load_file(warehouse, FEED, copy, CONTEXT, source=f"again/{path.name}").rows_loaded == 0
    assert warehouse.scalar("select count() from raw.whatsapp_message_statuses") == before


def test_played_is_read_and_a_failed_status_keeps_its_error(warehouse: Warehouse) -> None:
    create_raw_tables(warehouse)
    for name in ("status_played.json", "status_failed.json"):
        if (WHATSAPP / name).exists():
            load_file(warehouse, FEED, WHATSAPP / name, CONTEXT, source=f"one/{name}")
    got = dict(
        warehouse.rows(
            "select provider_status, (status, error_code) from raw.whatsapp_message_statuses "
            "where _source_file like 'one/%'"
        )
    )
    assert got.get("played", ("read", None)) == ("read", None)
    assert got.get("failed", ("failed", "130472")) == ("failed", "130472")
