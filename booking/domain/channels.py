"""Demand channels: the `channel` and `campaign` codes a booking carries, and the deep links that set them.

Pure rules, no web framework or database: the API schemas, the event contract, the widget and the QR posters
all take their patterns and defaults from here. A booking made without codes is a portal booking of no
campaign (`portal`, `""`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

CHANNEL_PATTERN = r"^[a-z][a-z0-9_]{1,19}$"
"""2-20 characters: lower-case letters, digits, `_`, starting with a letter (`portal`, `qr`, `whatsapp`)."""
CAMPAIGN_PATTERN = r"^$|^[a-z0-9][a-z0-9_\-]{0,39}$"
"""Empty (no campaign) or 1-40 characters: lower-case letters, digits, `_`, `-` (`diwali-2026`)."""
CHANNEL_MAX = 20
CAMPAIGN_MAX = 40

DEFAULT_CHANNEL = "portal"
DEFAULT_CAMPAIGN = ""
WIDGET_CHANNEL = "widget"
QR_CHANNEL = "qr"


def widget_link(
    base_url: str,
    tenant_id: str,
    branch_id: str,
    *,
    doctor_id: str | None = None,
    channel: str = WIDGET_CHANNEL,
    campaign: str = DEFAULT_CAMPAIGN,
) -> str:
    """The deep link to a branch's booking page: `<base>/widget/<tenant>/<branch>?doctor=&channel=&campaign=`."""
    query = {"doctor": doctor_id, "channel": channel, "campaign": campaign or None}
    params = urlencode({k: v for k, v in query.items() if v})
    return f"{base_url.rstrip('/')}/widget/{tenant_id}/{branch_id}?{params}"


def widget_csp(allowed_sites: list[str]) -> str:
    """The widget page's Content-Security-Policy: only its own scripts, styles and API, framed only by
    the tenant's allowed sites (`frame-ancestors`)."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors " + " ".join(allowed_sites)
    )


@dataclass(frozen=True, slots=True)
class PosterPlace:
    """What one poster names: the clinic and branch, and the doctor when it is a doctor's poster."""

    tenant_id: str
    clinic: str
    branch_id: str
    branch_name: str
    city: str
    doctor_id: str | None = None
    doctor_name: str | None = None
    specialty: str | None = None

    @property
    def stem(self) -> str:
        return "-".join(p for p in (self.branch_id, self.doctor_id) if p)
