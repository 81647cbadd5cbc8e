"""The generator's messaging (docs/messaging-sample.md): the message.* events and the three providers' logs
read back independently of the generator (json and csv here, this file's own rules), rebuilt into each
message's final status, the daily funnel and the reminder-effect table, and compared with
ground_truth.json's `messaging` section, for two seeds."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import EDGE_SIZES
from support.paths import MYMEDIC

from sampledata import write_sample

SEEDS = (7, 11)
SIZE = {"branches": 2, "days": 12, "bookings_per_branch_day": 8}
IST = timezone(timedelta(hours=5, minutes=30))
RANK = {"sent": 1, "delivered": 2, "read": 3}
CONTRACT = {
    "message.queued": {"message_id", "booking_id", "patient_id", "branch_id", "channel", "provider", "template",
                       "language", "purpose", "recipient_masked", "scheduled_for"},
    "message.deferred": {"message_id", "reason", "deferred_until"},
    "message.suppressed": {"message_id", "reason"},
    "message.sent": {"message_id", "provider", "provider_message_id", "attempt", "sent_at", "segments"},
    "message.attempt_failed": {"message_id", "attempt", "error_code", "retryable", "retry_after_seconds"},
    "message.dead_lettered": {"message_id", "attempts", "error_code", "reason"},
    "message.opted_out": {"patient_id", "channel", "keyword", "received_at"},
}  # fmt: skip
SENDGRID = {"processed": "sent", "delivered": "delivered", "open": "read", "click": "read", "bounce": "failed",
            "dropped": "failed"}  # fmt: skip
INJECTED = ("message_invalid_number", "message_template_rejected", "message_rate_limited",
            "message_retries_exhausted", "message_status_out_of_order", "message_duplicate_status",
            "message_opted_out", "message_quiet_hours_deferred")  # fmt: skip


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    out = {}
    for seed in SEEDS:
        out[seed] = tmp_path_factory.mktemp(f"msg_{seed}")
        write_sample(out[seed], seed=seed, messages=True, **SIZE)
    return out


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def ist_csv_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST).astimezone(UTC)


def epoch(text: str) -> datetime:
    return datetime.fromtimestamp(int(text), UTC)


# --- the independent reader -------------------------------------------------------------------------
class Files:
    """Everything the files say about the messages, without the generator's code."""

    def __init__(self, root: Path) -> None:
        self.events = [
            json.loads(line)
            for path in sorted((root / "events").glob("*.ndjson"))
            for line in path.read_text(encoding="utf-8").splitlines()
        ]
        self.message_events = [e for e in self.events if e["type"].startswith("message.")]
        self.by_message: dict[str, list[dict]] = defaultdict(list)
        for e in self.message_events:
            if e["type"] != "message.opted_out":
                self.by_message[e["data"]["message_id"]].append(e)
        self.queued = {
            e["data"]["message_id"]: e for e in self.message_events if e["type"] == "message.queued"
        }
        self.sent = {e["data"]["message_id"]: e for e in self.message_events if e["type"] == "message.sent"}
        self.message_of = {
            (e["data"]["provider"], e["data"]["provider_message_id"]): m for m, e in self.sent.items()
        }
        # provider statuses: (message id, normalised status, provider status, time, provider, raw key, position)
        self.statuses: dict[str, list[dict]] = defaultdict(list)
        self.meta_lines: list[tuple[str, str]] = []  # (file, line) in file order
        position = 0
        for path in sorted((root / "messages" / "meta").glob("*.ndjson")):
            for line in path.read_text(encoding="utf-8").splitlines():
                self.meta_lines.append((path.name, line))
                payload = json.loads(line)
                assert payload["object"] == "whatsapp_business_account"
                for entry in payload["entry"]:
                    for change in entry["changes"]:
                        assert change["field"] == "messages"
                        value = change["value"]
                        assert value["messaging_product"] == "whatsapp" and set(value["metadata"]) == {
                            "display_phone_number", "phone_number_id"}  # fmt: skip
                        for s in value["statuses"]:
                            position += 1
                            self._meta_status(s, line, position)
        self.msg91_rows: list[dict[str, str]] = []
        for path in sorted((root / "messages" / "msg91").glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    position += 1
                    self.msg91_rows.append(row)
                    message = self.message_of[("msg91", row["requestId"])]
                    status = "delivered" if row["status"] == "1" else "failed"
                    self.statuses[message].append(
                        {"status": status, "provider_status": row["desc"], "at": ist_csv_time(row["date"]),
                         "key": tuple(row.values()), "position": position, "row": row}
                    )  # fmt: skip
        self.sendgrid_rows: list[dict[str, str]] = []
        sg_to_smtp: dict[str, str] = {}
        rows = []
        for path in sorted((root / "messages" / "sendgrid").glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as fh:
                rows.extend(csv.DictReader(fh))
        for row in rows:  # open and click events have no smtp-id: SendGrid's own message id links them
            if row["smtp-id"]:
                sg_to_smtp[row["sg_message_id"]] = row["smtp-id"]
        for row in rows:
            position += 1
            self.sendgrid_rows.append(row)
            if row["event"] not in SENDGRID:
                continue
            message = self.message_of[("smtp", sg_to_smtp[row["sg_message_id"]])]
            self.statuses[message].append(
                {"status": SENDGRID[row["event"]], "provider_status": row["event"], "at": epoch(row["timestamp"]),
                 "key": row["sg_event_id"], "position": position, "row": row}
            )  # fmt: skip

    def _meta_status(self, s: dict, line: str, position: int) -> None:
        assert set(s) <= {"id", "status", "timestamp", "recipient_id", "conversation", "pricing", "errors"}
        assert s["id"].startswith("wamid.") and re.fullmatch(r"\d{10}", s["timestamp"])
        assert re.fullmatch(r"91\d{10}", s["recipient_id"])
        if s["status"] == "failed":
            [error] = s["errors"]
            assert {"code", "title", "message", "error_data", "href"} <= set(error)
            assert "conversation" not in s and "pricing" not in s
        else:
            conv, pricing = s["conversation"], s["pricing"]
            assert re.fullmatch(r"[0-9a-f]{32}", conv["id"]) and conv["origin"]["type"] == "utility"
            assert ("expiration_timestamp" in conv) == (s["status"] == "sent")
            assert pricing == {"billable": True, "pricing_model": "CBP", "category": "utility"}
        message = self.message_of[("meta", s["id"])]
        self.statuses[message].append(
            {"status": s["status"], "provider_status": s["status"], "at": epoch(s["timestamp"]), "key": line,
             "position": position, "meta": s}
        )  # fmt: skip

    def final_status(self, message_id: str) -> str:
        types = {e["type"] for e in self.by_message[message_id]}
        if "message.suppressed" in types:
            return "suppressed"
        got = {s["status"] for s in self.statuses.get(message_id, [])}
        reached = [s for s in ("read", "delivered") if s in got]
        if reached:
            return reached[0]
        if "failed" in got or "message.dead_lettered" in types:
            return "failed"
        return "sent" if "message.sent" in types or "sent" in got else "queued"


def ist_day(text: str) -> str:
    return utc(text).astimezone(IST).date().isoformat()


@pytest.fixture(scope="module")
def read(samples: dict[int, Path]) -> dict[int, tuple[Files, dict]]:
    return {
        seed: (Files(root), json.loads((root / "ground_truth.json").read_text())["messaging"])
        for seed, root in samples.items()
    }


# --- tests ---------------------------------------------------------------------------------------
def test_same_seed_same_bytes_and_messages_off_leaves_every_other_byte(tmp_path: Path) -> None:
    write_sample(tmp_path / "a", seed=7, messages=True, **SIZE)
    write_sample(tmp_path / "b", seed=7, messages=True, **SIZE)
    write_sample(tmp_path / "off", seed=7, messages=False, **SIZE)
    on, off = _files(tmp_path / "a"), _files(tmp_path / "off")
    assert on == _files(tmp_path / "b")
    assert any(name.startswith("messages/meta/") for name in on)
    for name, data in off.items():
        if name.startswith("events/"):  # the same events, with the message.* ones in between
            kept = [line for line in on[name].splitlines(keepends=True) if b'"type":"message.' not in line]
            assert b"".join(kept) == data, name
        elif name == "ground_truth.json":
            truth_on = json.loads(on[name])
            assert truth_on.pop("messaging")["messages"] > 0
            assert truth_on == json.loads(data)
        else:
            assert on[name] == data, name
    assert not [n for n in off if n.startswith("messages/")]
    assert "reference/message_rates.csv" in on and "reference/message_rates.csv" not in off


def test_two_seeds_differ(samples: dict[int, Path]) -> None:
    a, b = (_files(samples[s]) for s in SEEDS)
    logs = [n for n in a if n.startswith("messages/")]
    assert logs and all(a[n] != b.get(n) for n in logs)


def test_every_message_event_has_the_contract_fields(read: dict[int, tuple[Files, dict]]) -> None:
    for files, _ in read.values():
        assert {e["type"] for e in files.message_events} == set(CONTRACT)
        for e in files.message_events:
            assert set(e["data"]) == CONTRACT[e["type"]], e
            subject = e["data"]["patient_id"] if e["type"] == "message.opted_out" else e["data"]["message_id"]
            assert e["subject"] == subject
        for e in files.queued.values():
            d = e["data"]
            assert d["provider"] == {"whatsapp": "meta", "sms": "msg91", "email": "smtp"}[d["channel"]]
            assert d["language"] in ("en", "hi", "ta")
            pattern = r"[a-z]\*\*\*@example\.(com|in|org)" if d["channel"] == "email" else r"\+91\*{6}\d{4}"
            assert re.fullmatch(pattern, d["recipient_masked"]), d["recipient_masked"]
        for e in files.sent.values():
            d = e["data"]
            channel = files.queued[d["message_id"]]["data"]["channel"]
            assert (d["segments"] is not None) == (channel == "sms") and d["attempt"] >= 1
            assert re.fullmatch(
                {
                    "whatsapp": r"wamid\.[A-Za-z0-9+/=]+",
                    "sms": r"[0-9a-f]{24}",
                    "email": r"<[^<>@]+@[^<>@]+>",
                }[channel],
                d["provider_message_id"],
            )


def test_no_unmasked_number_or_address_in_the_events(read: dict[int, tuple[Files, dict]]) -> None:
    for files, _ in read.values():
        recipients = {s["meta"]["recipient_id"] for ss in files.statuses.values() for s in ss if "meta" in s}
        recipients |= {r["number"] for r in files.msg91_rows} | {r["email"] for r in files.sendgrid_rows}
        assert len(recipients) > 20
        text = "\n".join(json.dumps(e) for e in files.message_events)
        assert not [r for r in recipients if r in text or r[2:] in text]


def test_every_message_ends_in_the_truth_status(read: dict[int, tuple[Files, dict]]) -> None:
    for files, truth in read.values():
        expected = truth["expected_messages"]
        assert set(files.queued) == set(expected)
        got = {m: files.final_status(m) for m in files.queued}
        wrong = {m: (expected[m]["status"], s) for m, s in got.items() if expected[m]["status"] != s}
        assert not wrong, list(wrong.items())[:10]
        for m, t in expected.items():
            statuses = files.statuses.get(m, [])
            first = {
                s: min((x["at"] for x in statuses if x["status"] == s), default=None)
                for s in ("delivered", "read")
            }
            assert t["delivered_at"] == (
                first["delivered"] and first["delivered"].strftime("%Y-%m-%dT%H:%M:%SZ")
            )
            assert t["read_at"] == (first["read"] and first["read"].strftime("%Y-%m-%dT%H:%M:%SZ"))
            sent = files.sent.get(m)
            assert t["sent_at"] == (sent and sent["data"]["sent_at"])
            assert t["provider_message_id"] == (sent and sent["data"]["provider_message_id"])
            q = files.queued[m]["data"]
            assert (t["channel"], t["template"], t["branch_id"], t["booking_id"]) == (
                q["channel"], q["template"], q["branch_id"], q["booking_id"])  # fmt: skip
        assert {"read", "delivered", "sent", "failed", "suppressed"} <= set(got.values())
        assert sum(truth["by_status"].values()) == truth["messages"] == len(expected)


def test_the_funnel_matches(read: dict[int, tuple[Files, dict]]) -> None:
    for files, truth in read.values():
        opener: dict[str, tuple] = {}
        for m, ss in files.statuses.items():
            for s in ss:
                conv = s.get("meta", {}).get("conversation")
                if conv is not None:
                    key = (s["at"], s["position"], m)
                    opener[conv["id"]] = min(opener.get(conv["id"], key), key)
        opened = {key[2] for key in opener.values()}
        rows: dict[tuple, dict] = {}
        for m, e in files.queued.items():
            q = e["data"]
            key = (q["branch_id"], q["channel"], q["template"], ist_day(e["time"]))
            row = rows.setdefault(key, defaultdict(int))
            final = files.final_status(m)
            sent = files.sent.get(m)
            row["messages"] += 1
            row["sent"] += sent is not None
            row["delivered"] += final in ("delivered", "read")
            row["read"] += final == "read"
            row["failed"] += final == "failed"
            row["suppressed"] += final == "suppressed"
            row["sms_segments"] += (sent and sent["data"]["segments"]) or 0
            billable = any(
                s.get("meta", {}).get("pricing", {}).get("billable") for s in files.statuses.get(m, [])
            )
            row["wa_billable"] += billable
            row["wa_conversations"] += m in opened
        expected = {
            (r["branch_id"], r["channel"], r["template"], r["day"]): {
                **{
                    k: r[k]
                    for k in ("messages", "sent", "delivered", "read", "failed", "suppressed", "sms_segments")
                },
                "wa_billable": sum(r["whatsapp_billable_messages"].values()),
                "wa_conversations": sum(r["whatsapp_conversations"].values()),
            }
            for r in truth["funnel_daily"]
        }
        fields = ("messages", "sent", "delivered", "read", "failed", "suppressed", "sms_segments", "wa_billable",
                  "wa_conversations")  # fmt: skip
        assert {k: {f: v[f] for f in fields} for k, v in rows.items()} == expected
        assert sum(r["wa_conversations"] for r in expected.values()) > 0
        assert sum(r["sms_segments"] for r in expected.values()) > 0


def test_the_reminder_effect_matches(read: dict[int, tuple[Files, dict]]) -> None:
    for files, truth in read.values():
        slot: dict[str, str] = {}
        branch: dict[str, str] = {}
        outcome: dict[str, str] = {}
        for e in files.events:
            d = e["data"]
            if e["type"] == "appointment.booked":
                slot[d["booking_id"]], branch[d["booking_id"]] = d["slot_start"], d["branch_id"]
            elif e["type"] == "appointment.rescheduled":
                slot[d["booking_id"]] = d["new_slot_start"]
            elif e["type"] in ("appointment.completed", "appointment.no_show"):
                outcome[d["booking_id"]] = e["type"]
        reminders: dict[str, list[str]] = defaultdict(list)
        for m, e in files.queued.items():
            if e["data"]["purpose"] in ("reminder_24h", "reminder_2h"):
                reminders[e["data"]["booking_id"]].append(m)
        counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
        for booking, how in outcome.items():
            ms = reminders.get(booking, [])
            if any(files.final_status(m) in ("delivered", "read") for m in ms):
                group = "delivered"
            elif any(m in files.sent for m in ms):
                group = "not_delivered"
            else:
                group = "none"
            line = counts[branch[booking], ist_day(slot[booking])[:7], group]
            line[0] += 1
            line[1] += how == "appointment.no_show"
        expected = {(r["branch_id"], r["month"], r["reminder"]): [r["bookings"], r["no_shows"]]
                    for r in truth["reminder_effect"]}  # fmt: skip
        assert dict(counts) == expected
        assert {g for _, _, g in expected} == {"delivered", "not_delivered", "none"}


def _ist_clock(text: str) -> tuple[int, int]:
    t = utc(text).astimezone(IST)
    return t.hour, t.minute


def test_every_injected_anomaly_is_in_the_files(read: dict[int, tuple[Files, dict]]) -> None:
    for files, truth in read.values():
        kinds = {a["kind"] for a in truth["anomalies"]}
        assert kinds == set(INJECTED)
        meta_positions = defaultdict(list)
        for position, (_, line) in enumerate(files.meta_lines):
            s = json.loads(line)["entry"][0]["changes"][0]["value"]["statuses"][0]
            meta_positions[s["id"]].append((position, s["status"], line))
        for a in truth["anomalies"]:
            assert a["entity_type"] == "message" and a["entity_ids"], a
            for m in a["entity_ids"]:
                assert files.final_status(m) == a["expected_status"], (a["kind"], m)
                events = files.by_message[m]
                types = [e["type"] for e in events]
                statuses = files.statuses.get(m, [])
                kind = a["kind"]
                if kind == "message_invalid_number":
                    failed = [s for s in statuses if s["status"] == "failed"]
                    assert failed and all(
                        ("meta" in s and s["meta"]["errors"][0]["code"] == 131026)
                        or ("row" in s and s["row"].get("status") == "16" and s["row"]["failedReason"] == "Invalid Number")
                        for s in failed
                    )  # fmt: skip
                elif kind == "message_template_rejected":
                    [failure] = [e["data"] for e in events if e["type"] == "message.attempt_failed"]
                    assert failure["error_code"] == "132001" and failure["retryable"] is False
                    [dead] = [e["data"] for e in events if e["type"] == "message.dead_lettered"]
                    assert dead["reason"] == "template_rejected" and "message.sent" not in types
                elif kind == "message_retries_exhausted":
                    [dead] = [e["data"] for e in events if e["type"] == "message.dead_lettered"]
                    assert dead["attempts"] == types.count("message.attempt_failed") == 5
                elif kind == "message_rate_limited":
                    [failure] = [e["data"] for e in events if e["type"] == "message.attempt_failed"]
                    sent = files.sent[m]
                    assert (
                        failure["error_code"] == "429"
                        and failure["retryable"]
                        and failure["retry_after_seconds"]
                    )
                    assert sent["data"]["attempt"] == 2
                    wait = utc(sent["time"]) - utc(
                        next(e for e in events if e["type"] == "message.attempt_failed")["time"]
                    )
                    assert wait >= timedelta(seconds=failure["retry_after_seconds"])
                elif kind == "message_status_out_of_order":
                    order = [
                        status
                        for _, status, _ in meta_positions[files.sent[m]["data"]["provider_message_id"]]
                    ]
                    assert order.index("read") < order.index("delivered")
                    times = {s["status"]: s["at"] for s in statuses}
                    assert times["read"] > times["delivered"]
                elif kind == "message_duplicate_status":
                    keys = [s["key"] for s in statuses]
                    assert len(keys) > len(set(keys))
                elif kind == "message_opted_out":
                    assert "message.suppressed" in types and "message.sent" not in types
                    q = files.queued[m]
                    assert any(
                        e["type"] == "message.opted_out" and e["data"]["patient_id"] == q["data"]["patient_id"]
                        and e["data"]["channel"] == q["data"]["channel"] and utc(e["data"]["received_at"]) <= utc(q["time"])
                        for e in files.message_events
                    )  # fmt: skip
                else:
                    [deferred] = [e["data"] for e in events if e["type"] == "message.deferred"]
                    hour, _ = _ist_clock(files.queued[m]["time"])
                    assert deferred["reason"] == "quiet_hours" and (hour >= 21 or hour < 8)
                    assert _ist_clock(deferred["deferred_until"]) == (8, 0)
                    if m in files.sent:
                        assert utc(files.sent[m]["data"]["sent_at"]) >= utc(deferred["deferred_until"])
        # duplicates of each provider's log; no other status is repeated
        providers = set()
        for a in truth["anomalies"]:
            if a["kind"] == "message_duplicate_status":
                providers.add(files.queued[a["entity_ids"][0]]["data"]["channel"])
        assert providers == {"whatsapp", "sms", "email"}


def test_no_reminder_goes_out_in_quiet_hours(read: dict[int, tuple[Files, dict]]) -> None:
    for files, truth in read.values():
        deferred = 0
        for m, e in files.sent.items():
            if files.queued[m]["data"]["purpose"] in ("reminder_24h", "reminder_2h"):
                hour, _ = _ist_clock(e["data"]["sent_at"])
                assert 8 <= hour < 21, (m, e["data"]["sent_at"])
        for events in files.by_message.values():
            deferred += any(e["type"] == "message.deferred" for e in events)
        assert (
            deferred == sum(1 for a in truth["anomalies"] if a["kind"] == "message_quiet_hours_deferred") > 0
        )


@pytest.mark.slow
def test_mymedic_generate_switches_messages_on_and_off(tmp_path: Path) -> None:
    args = ["generate", "--seed", "3", "--branches", "1", "--days", "4", "--bookings-per-day", "5"]
    for flag, expected in (("--messages", True), ("--no-messages", False), ("", True)):
        out = tmp_path / (flag or "default")
        run = subprocess.run(
            [MYMEDIC, *args, "--out", str(out), *([flag] if flag else [])],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stderr
        truth = json.loads((out / "ground_truth.json").read_text())
        assert ("messaging" in truth) is expected and (out / "messages" / "meta").is_dir() is expected, flag


@pytest.mark.parametrize("args", EDGE_SIZES)
def test_edge_sizes_stay_consistent(tmp_path: Path, args: dict) -> None:
    write_sample(tmp_path, seed=5, messages=True, **args)
    files = Files(tmp_path)
    truth = json.loads((tmp_path / "ground_truth.json").read_text())["messaging"]
    assert {m: files.final_status(m) for m in files.queued} == {
        m: t["status"] for m, t in truth["expected_messages"].items()
    }
    assert bool(files.queued) == (args["bookings_per_branch_day"] > 0)
