"""The providers' side of the sample's messages: their ids and the delivery logs they hand back.

- Meta (WhatsApp Business Cloud API): status webhooks exactly as Meta posts them, one payload a line, in
  `messages/meta/<IST day>.ndjson` (the day the webhook arrived, in arrival order).
- MSG91 (SMS): the delivery-report export, `messages/msg91/<IST day>.csv`, one row per DLR, columns named as
  MSG91's documented DLR webhook (v2 `report[]` / v3) names its fields: exactly the `sms_delivery_reports`
  feed's header (`MSG91_COLUMNS`), times in IST as MSG91 shows them.
- SendGrid (email over SMTP): the event webhook's events as CSV, `messages/sendgrid/<IST day>.csv`, the
  `email_events` feed's header of Event Webhook fields (`SENDGRID_COLUMNS`), empty where an event has none.
"""

from __future__ import annotations

import base64
import csv
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.feeds.email_events.spec import SPEC as EMAIL_EVENTS_SPEC
from ingestion.feeds.reference.spec import SPEC as REFERENCE_SPEC
from ingestion.feeds.sms_delivery_reports.spec import SPEC as SMS_REPORTS_SPEC

from .clock import iso_day, ist_day_of_s, ist_text

MESSAGES_DIR = "messages"
META_DIR = f"{MESSAGES_DIR}/meta"
MSG91_DIR = f"{MESSAGES_DIR}/msg91"
SENDGRID_DIR = f"{MESSAGES_DIR}/sendgrid"
PROVIDER_DIRS = {"meta": META_DIR, "msg91": MSG91_DIR, "sendgrid": SENDGRID_DIR}

META_ERROR_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
MSG91_SENDER_ID = "AROGYA"  # the DLT-registered 6-letter header
# exactly the feeds' columns: MSG91's DLR webhook field names, SendGrid's Event Webhook field names
MSG91_COLUMNS = SMS_REPORTS_SPEC.header()
# MSG91's DLR status codes and their descriptions
MSG91_STATUS = {"DELIVERED": "1", "FAILED": "2", "NDNC": "9", "REJECTED": "16", "BLOCKED": "17"}
SENDGRID_COLUMNS = EMAIL_EVENTS_SPEC.header()

RATES_FILE = "message_rates.csv"
RATES_HEADER = REFERENCE_SPEC.header("reference_message_rates")
# What the providers charge (paise, whole): Meta's India per-message rates rounded (marketing ₹0.78,
# utility and authentication ₹0.12, service free), MSG91 per SMS segment, SendGrid per email.
MESSAGE_RATES: tuple[tuple[str, str, str, str, int], ...] = (
    ("whatsapp", "meta", "marketing", "message", 78),
    ("whatsapp", "meta", "utility", "message", 12),
    ("whatsapp", "meta", "authentication", "message", 12),
    ("whatsapp", "meta", "service", "message", 0),
    ("sms", "msg91", "", "segment", 20),
    ("email", "sendgrid", "", "message", 3),
)

_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_encode = json.JSONEncoder(separators=(",", ":")).encode


@dataclass(slots=True)
class StatusRecord:
    """One status a provider reported about one message: a webhook, a DLR row or an event row."""

    provider: str  # meta | msg91 | sendgrid
    provider_message_id: str  # wamid / MSG91 request id / SMTP Message-ID (SendGrid's smtp-id)
    status: str  # normalised: sent | delivered | read | failed
    provider_status: str  # as the provider says it: read, DELIVERED, bounce...
    at_s: int  # the provider's timestamp (unix seconds)
    arrival_s: int  # when it reached the platform: its file (IST day) and its place in the file
    seq: int
    fields: dict = field(default_factory=dict)  # provider-specific: recipient, errors, pricing...


class ProviderIds:
    """Provider-style ids from the messaging RNG."""

    def __init__(self, rng: random.Random, tenant_id: str) -> None:
        self._rng = rng
        self._domain = f"notify.{tenant_id.removeprefix('tnt_')}.example"

    def _pick(self, alphabet: str, k: int) -> str:
        return "".join(self._rng.choices(alphabet, k=k))

    def wamid(self) -> str:
        """`wamid.` + base64 of Meta's framing. A real wamid embeds the recipient's number; these embed a
        random one, so no patient's number is ever in an id."""
        number = str(self._rng.randrange(10**11, 10**12)).encode()
        tail = self._pick("0123456789ABCDEF", 18).encode()
        raw = b"\x1c\x18\x0c" + number + b"\x15\x02\x00\x11\x18\x12" + tail + b"\x00"
        return "wamid." + base64.b64encode(raw).decode()

    def msg91_request_id(self) -> str:
        """24 hex digits (MSG91's request ids are 12 ASCII letters and digits, hex-encoded)."""
        return self._pick(_ALNUM, 12).encode().hex()

    def smtp_message_id(self, sent_ms: int) -> str:
        """The Message-ID header value, angle brackets included (SendGrid reports it as `smtp-id`)."""
        return f"<{sent_ms}.{self._pick('0123456789abcdef', 16)}@{self._domain}>"

    def sg_message_id(self) -> str:
        rng = self._rng
        return (
            f"{self._pick(_B64URL, 22)}.filterdrecv-{rng.randrange(10**4, 10**5)}-"
            f"{rng.randrange(16**8):08X}-{rng.randrange(10, 100)}.0"
        )

    def sg_event_id(self) -> str:
        return self._pick(_B64URL, 22)

    def conversation_id(self) -> str:
        return self._pick("0123456789abcdef", 32)

    def dlt_template_id(self) -> str:
        return "1107" + "".join(str(self._rng.randrange(10)) for _ in range(15))


@dataclass(frozen=True, slots=True)
class WhatsAppSender:
    """The chain's WhatsApp Business account and one branch's business number."""

    waba_id: str
    display_phone_number: str
    phone_number_id: str


def meta_payload(r: StatusRecord, sender: WhatsAppSender) -> dict:
    """A status webhook as Meta posts it (Cloud API, `messages` field), one status per payload."""
    f = r.fields
    status: dict = {
        "id": r.provider_message_id,
        "status": r.provider_status,
        "timestamp": str(r.at_s),
        "recipient_id": f["recipient_id"],
    }
    conversation = f.get("conversation")
    if conversation is not None:
        conv: dict = {"id": conversation[0]}
        if r.provider_status == "sent":
            conv["expiration_timestamp"] = str(conversation[1])
        conv["origin"] = {"type": conversation[2]}
        status["conversation"] = conv
        status["pricing"] = {"billable": True, "pricing_model": "CBP", "category": conversation[2]}
    error = f.get("error")
    if error is not None:
        code, title, details = error
        status["errors"] = [
            {
                "code": code,
                "title": title,
                "message": title,
                "error_data": {"details": details},
                "href": META_ERROR_HREF,
            }
        ]
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": sender.waba_id,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": sender.display_phone_number,
                                "phone_number_id": sender.phone_number_id,
                            },
                            "statuses": [status],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def msg91_row(r: StatusRecord) -> list[str]:
    f = r.fields
    values = {
        "requestId": r.provider_message_id,
        "number": f["tel_num"],
        "status": MSG91_STATUS[r.provider_status],
        "desc": r.provider_status,
        "date": ist_text(r.at_s),
        "senderId": MSG91_SENDER_ID,
        "failedReason": f.get("failure_reason", ""),
    }
    return [values[c] for c in MSG91_COLUMNS]


def sendgrid_row(r: StatusRecord) -> list[str]:
    f = r.fields
    values = {
        "email": f["email"],
        "timestamp": str(r.at_s),
        "event": r.provider_status,
        "smtp-id": r.provider_message_id if r.provider_status not in ("open", "click") else "",
        **{k: str(v) for k, v in f.items() if k in SENDGRID_COLUMNS and k != "email"},
    }
    return [values.get(c, "") for c in SENDGRID_COLUMNS]


def _by_arrival_day(records: list[StatusRecord]) -> dict[int, list[StatusRecord]]:
    days: dict[int, list[StatusRecord]] = {}
    for r in sorted(records, key=lambda r: (r.arrival_s, r.seq)):
        days.setdefault(ist_day_of_s(r.arrival_s), []).append(r)
    return days


def write_provider_logs(
    out: Path, records: dict[str, list[StatusRecord]], senders: dict[str, WhatsAppSender]
) -> list[Path]:
    """Write every provider's records into its folder, a file per IST day of arrival; returns the files."""
    paths: list[Path] = []
    for provider, directory in PROVIDER_DIRS.items():
        for day, rows in sorted(_by_arrival_day(records.get(provider, [])).items()):
            path = out / directory / f"{iso_day(day)}.{'ndjson' if provider == 'meta' else 'csv'}"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as fh:
                if provider == "meta":
                    for r in rows:
                        fh.write(_encode(meta_payload(r, senders[r.fields["branch_id"]])) + "\n")
                else:
                    writer = csv.writer(fh, lineterminator="\n")
                    writer.writerow(MSG91_COLUMNS if provider == "msg91" else SENDGRID_COLUMNS)
                    writer.writerows(msg91_row(r) if provider == "msg91" else sendgrid_row(r) for r in rows)
            paths.append(path)
    return paths


def write_message_rates(directory: Path, tenant_id: str, valid_from: str) -> Path:
    """reference/message_rates.csv: the providers' rate card, in force from the sample's first day."""
    path = directory / RATES_FILE
    directory.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(RATES_HEADER)
        writer.writerows((tenant_id, *rate, valid_from) for rate in MESSAGE_RATES)
    return path
