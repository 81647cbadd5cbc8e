"""Configuration of the booking service: one pydantic model, loaded from a JSON file or inline JSON.

`MYMEDIC_BOOKING_CONFIG` names a JSON file (or holds the JSON itself when it starts with `{`);
`MYMEDIC_BOOKING_DB` picks the database (default: SQLite at `.mymedic/booking.db`).
Tenants' branches, doctors and schedules live in the database (`mymedic booking seed`), not here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    model_validator,
)

from core.cli_errors import UserFacingError, redact_url

M = TypeVar("M", bound=BaseModel)
CONFIG_ENV = "MYMEDIC_BOOKING_CONFIG"
DB_ENV = "MYMEDIC_BOOKING_DB"
PUBLIC_URL_ENV = "MYMEDIC_BOOKING_PUBLIC_URL"  # where patients reach this service (QR posters' links)
DEFAULT_DB_PATH = Path(".mymedic/booking.db")

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")]
EventType = Annotated[str, Field(pattern=r"^[a-z_]+(\.[a-z_]+)+$|^\*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiKey(_Strict):
    """A portal/widget API key of a tenant; only its SHA-256 is configured (`hash_api_key`)."""

    key_id: Identifier
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class RefundPolicy(_Strict):
    """How much of a captured payment goes back when a booking is cancelled.

    Cancelled at least `full_refund_hours` before the slot (or for one of `full_refund_reasons`): all of it;
    later: `late_refund_pct` percent (rounded down to the paisa).
    """

    full_refund_hours: Annotated[int, Field(ge=0, le=720)] = 4
    late_refund_pct: Annotated[int, Field(ge=0, le=100)] = 50
    full_refund_reasons: tuple[str, ...] = ("doctor_unavailable",)


class _IpAllowlist(_Strict):
    """An optional IP allowlist of an inbound caller: empty, anyone (who authenticates) may call."""

    ip_allowlist: list[IPvAnyNetwork] = Field(default_factory=list)

    def allows(self, host: str | None) -> bool:
        if not self.ip_allowlist:
            return True
        address = parse_ip(host)
        return address is not None and any(address in net for net in self.ip_allowlist)


class WebhookSource(_IpAllowlist):
    """An inbound webhook source: its secrets (several while rotating) and an optional IP allowlist."""

    secrets: Annotated[list[SecretStr], Field(min_length=1)]


class TeleConfig(_Strict):
    """The meeting provider (Jitsi-style JWT rooms) and its signed session webhook."""

    domain: str = Field(default="meet.mymedic.example", pattern=r"^[A-Za-z0-9.\-]+(:\d{1,5})?$")
    app_id: str = "mymedic"
    app_secret: SecretStr = Field(description="HS256 secret shared with the meeting provider (32+ bytes)")
    link_opens_minutes_before: Annotated[int, Field(ge=0, le=240)] = 15
    link_expires_minutes_after: Annotated[int, Field(ge=0, le=1440)] = 60
    webhook: WebhookSource | None = None

    @model_validator(mode="after")
    def _long_secret(self) -> TeleConfig:
        if len(self.app_secret.get_secret_value().encode()) < 32:
            raise ValueError("tele.app_secret must be at least 32 bytes (HS256 key)")
        return self


class PartnerWebhook(_Strict):
    """An outbound webhook: our CloudEvents POSTed to a partner, signed `t=…,v1=…`."""

    name: Identifier
    url: HttpUrl
    secret: SecretStr
    event_types: list[EventType] = Field(default_factory=lambda: ["*"])

    @model_validator(mode="after")
    def _no_ops_events(self) -> PartnerWebhook:
        if any(t.startswith("ops.") for t in self.event_types):
            raise ValueError(
                f"partner webhook {self.name}: ops.* events are the service's own metrics and are never "
                "sent to partners; remove them from event_types"
            )
        return self

    def wants(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


class PaymentGateway(_Strict):
    """Where a tenant's gateway orders and refunds are made.

    `offline`: ids are minted here in Razorpay's style (tests, demos, the load bench); `razorpay`: the
    Orders and Refunds APIs at `api_base_url`, with the tenant's API key pair (Basic auth; the secret is
    never logged or shown). Failures worth another try (no answer, 5xx, 429) are retried `attempts` times
    with exponential backoff and jitter, waiting at most `max_wait_seconds` between tries.
    """

    mode: Literal["offline", "razorpay"] = "offline"
    api_base_url: HttpUrl = HttpUrl("https://api.razorpay.com")
    key_id: str | None = Field(default=None, pattern=r"^rzp_(test|live)_\w{1,40}$")
    key_secret: SecretStr | None = None
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0
    attempts: Annotated[int, Field(ge=1, le=10)] = 3
    max_wait_seconds: Annotated[float, Field(ge=0, le=30)] = 2.0
    refund_speed: Literal["normal", "optimum"] = "normal"

    @model_validator(mode="after")
    def _keys_for_razorpay(self) -> PaymentGateway:
        if self.mode == "razorpay" and (self.key_id is None or self.key_secret is None):
            raise ValueError("gateway mode 'razorpay' needs key_id and key_secret (Dashboard > API Keys)")
        return self


Origin = Annotated[
    str, Field(pattern=r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$", examples=["https://www.arogya.example"])
]


class WidgetConfig(_Strict):
    """The embeddable booking widget (`/widget.js`): the sites (origins) allowed to frame it.

    Enforced by the browser with CSP `frame-ancestors`; a site not listed sees the frame refused.
    """

    allowed_sites: Annotated[list[Origin], Field(min_length=1, max_length=20)]


class AdtIntake(_IpAllowlist):
    """The hospital's HIS pushing ADT events (`POST /v1/adt/events`): its own API keys (SHA-256 only, never a
    portal key), an optional IP allowlist, and the name its events carry as their sender."""

    api_keys: Annotated[list[ApiKey], Field(min_length=1)]
    sender: Identifier = "rest"


def _env_secret(value: Any) -> Any:
    """A secret given as `{"env": "NAME"}` (Dagster's EnvVar style) is read from the environment."""
    if isinstance(value, dict) and set(value) == {"env"}:
        name = str(value["env"])
        found = os.environ.get(name)
        if not found:
            raise ValueError(f"environment variable {name} is not set")
        return found
    return value


EnvSecret = Annotated[SecretStr, BeforeValidator(_env_secret)]
HhMm = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class QuietHours(_Strict):
    """No reminders between `start` and `end` (IST, may wrap midnight); confirmations still go out."""

    start: HhMm = "21:00"
    end: HhMm = "08:00"


class WhatsAppCloud(_Strict):
    """WhatsApp Business Cloud API: `POST {api_base_url}/{api_version}/{phone_number_id}/messages`."""

    api_base_url: HttpUrl = HttpUrl("https://graph.facebook.com")
    api_version: str = Field(default="v21.0", pattern=r"^v\d+\.\d+$")
    phone_number_id: Annotated[str, Field(pattern=r"^\d{5,20}$")]
    access_token: EnvSecret


class Msg91Sms(_Strict):
    """MSG91's SMS Flow API (`POST {api_base_url}/api/v5/flow/`, header `authkey`), DLT-registered sender."""

    api_base_url: HttpUrl = HttpUrl("https://control.msg91.com")
    authkey: EnvSecret
    sender: Annotated[str, Field(pattern=r"^[A-Z]{6}$", description="the DLT-registered header (6 letters)")]


class SmtpEmail(_Strict):
    """An SMTP relay; `from_address` sends; the Message-ID header (`<message_id@message_id_domain>`) is the
    provider id."""

    host: str
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    starttls: bool = True
    username: str | None = None
    password: EnvSecret | None = None
    from_address: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]
    message_id_domain: Annotated[str, Field(pattern=r"^[A-Za-z0-9.\-]+$")] = "mymedic.example"


class MessagingConfig(_Strict):
    """A tenant's patient messages (issue 12): the channels it sends on (each with its provider), its
    templates file (default: the shipped English/Hindi/Tamil set), quiet hours for reminders, and the
    follow-up recall (days after a completed visit; none when null)."""

    channels: Annotated[list[Literal["whatsapp", "sms", "email"]], Field(min_length=1)]
    default_language: Annotated[str, Field(pattern=r"^[a-z]{2}$")] = "en"
    templates_file: str | None = None
    quiet_hours: QuietHours | None = QuietHours()
    follow_up_days: Annotated[int, Field(ge=1, le=365)] | None = None
    whatsapp: WhatsAppCloud | None = None
    msg91: Msg91Sms | None = None
    smtp: SmtpEmail | None = None

    @model_validator(mode="after")
    def _providers_for_channels(self) -> MessagingConfig:
        needs = {"whatsapp": "whatsapp", "sms": "msg91", "email": "smtp"}
        for channel in self.channels:
            if getattr(self, needs[channel]) is None:
                raise ValueError(f"channel {channel} needs its provider block `{needs[channel]}`")
        return self


class MetaWebhook(_IpAllowlist):
    """WhatsApp Business Cloud API webhooks (`/v1/webhooks/whatsapp`): the Meta app's secret, which signs each
    POST (`X-Hub-Signature-256`; several while rotating), and the verify token of the subscription
    handshake (`GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`)."""

    app_secrets: Annotated[list[SecretStr], Field(min_length=1)]
    verify_token: SecretStr


class Msg91Webhook(_IpAllowlist):
    """MSG91 delivery reports (`/v1/webhooks/msg91?token=…`). MSG91 signs nothing, so the webhook URL the
    tenant saves in MSG91's panel carries a secret token of 24+ characters (several while rotating)."""

    tokens: Annotated[list[Annotated[SecretStr, Field(min_length=24)]], Field(min_length=1)]


class SendGridWebhook(_IpAllowlist):
    """SendGrid's signed Event Webhook (`/v1/webhooks/sendgrid`): the verification key(s) SendGrid shows
    under Mail Settings (base64 DER, ECDSA P-256), checked against `X-Twilio-Email-Event-Webhook-Signature`
    over the `…-Timestamp` header and the raw body."""

    public_keys: Annotated[list[Annotated[str, Field(min_length=40, max_length=400)]], Field(min_length=1)]


class MessagingWebhooks(_Strict):
    """Delivery statuses of the messages a tenant sends, posted back by its providers. Each becomes a
    `message.status.*` CloudEvent of `branch_id` (a provider account is the tenant's, not a branch's; the
    marts join a status to its message, and so to the message's own branch)."""

    branch_id: Identifier
    meta: MetaWebhook | None = None
    msg91: Msg91Webhook | None = None
    sendgrid: SendGridWebhook | None = None


class TenantConfig(_Strict):
    tenant_id: Identifier
    name: str = ""
    api_keys: list[ApiKey] = Field(default_factory=list)
    pricing_visibility: Literal["public", "staff"] = "public"
    deposit_pct: Annotated[int, Field(ge=0, le=100)] = 30
    booking_window_days: Annotated[int, Field(ge=1, le=365)] = 60
    max_reschedules: Annotated[int, Field(ge=0, le=10)] = 2
    payment_hold_minutes: Annotated[int, Field(ge=1, le=1440)] = Field(
        default=15,
        description="How long an unpaid (pending_payment) booking holds its slot before it expires",
    )
    refund_policy: RefundPolicy = RefundPolicy()
    razorpay: WebhookSource | None = None
    gateway: PaymentGateway = PaymentGateway()
    tele: TeleConfig | None = None
    partner_webhooks: list[PartnerWebhook] = Field(default_factory=list)
    widget: WidgetConfig | None = Field(default=None, description="None: the tenant has no booking widget")
    adt: AdtIntake | None = Field(default=None, description="None: the tenant's HIS does not push ADT events")
    messaging: MessagingConfig | None = Field(default=None, description="None: the tenant sends no messages")
    message_webhooks: MessagingWebhooks | None = Field(
        default=None, description="None: no provider posts message statuses for this tenant"
    )


class StaffAuth(_Strict):
    """Staff bearer JWTs (OIDC): verified against the identity provider's keys, given one of three ways.

    `jwks`: inline; `jwks_url`: fetched from there; `discovery: true`: the `jwks_uri` of the OIDC discovery
    document at `{issuer}/.well-known/openid-configuration` (whose `issuer` must be this `issuer`). Fetched
    keys are cached and refreshed when a token names an unknown `kid`, at most once per
    `key_refresh_seconds`.
    """

    jwks_url: HttpUrl | None = None
    jwks: dict[str, Any] | None = None
    discovery: bool = False
    issuer: str
    audience: str
    algorithms: list[Literal["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"]] = Field(
        default_factory=lambda: ["RS256", "ES256"]
    )
    tenant_claim: str = "tenant_id"
    roles_claim: str = "roles"
    staff_roles: list[str] = Field(default_factory=lambda: ["staff", "doctor", "admin"])
    leeway_seconds: Annotated[int, Field(ge=0, le=300)] = 30
    key_refresh_seconds: Annotated[int, Field(ge=1, le=86400)] = 60
    http_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 5.0

    @model_validator(mode="after")
    def _one_key_source(self) -> StaffAuth:
        if [self.jwks_url is not None, self.jwks is not None, self.discovery].count(True) != 1:
            raise ValueError("give exactly one of jwks_url, jwks and discovery: true")
        if self.discovery and not _https_or_loopback(self.issuer):
            raise ValueError("discovery needs an https issuer URL (http only on a loopback address)")
        return self


def _https_or_loopback(url: str) -> bool:
    parsed = urlsplit(url)
    if parsed.scheme == "https" and parsed.hostname:
        return True
    if parsed.scheme != "http":
        return False
    address = parse_ip(parsed.hostname)
    return parsed.hostname == "localhost" or (address is not None and address.is_loopback)


RAZORPAY_RETRY_HORIZON_HOURS = 24  # Razorpay retries a failed webhook for 24 h after the event is created


class Retention(_Strict):
    """How long the replay guards are kept before the worker's purge job deletes them.

    A webhook receipt must outlive every retry of its event: Razorpay retries a failed webhook with
    exponential backoff for 24 hours after the event was created, so a shorter window would let a late retry
    in as a new event. The default, 7 days, also covers a replay from the Razorpay Dashboard (events up to
    7 days old). Idempotency keys only need to outlive a client's retries of one request.
    """

    webhook_receipts_hours: Annotated[int, Field(ge=1, le=24 * 366)] = 7 * 24
    idempotency_keys_hours: Annotated[int, Field(ge=1, le=24 * 366)] = 48

    @model_validator(mode="after")
    def _outlives_razorpay_retries(self) -> Retention:
        if self.webhook_receipts_hours < RAZORPAY_RETRY_HORIZON_HOURS:
            raise ValueError(
                f"retention.webhook_receipts_hours is {self.webhook_receipts_hours}; it must be at least "
                f"{RAZORPAY_RETRY_HORIZON_HOURS} (Razorpay retries a webhook for 24 h, a shorter window "
                "lets a retry in twice)"
            )
        return self


class PartnerDeliveryPolicy(_Strict):
    """Outbound partner webhooks: each run tries an event up to `attempts_per_run` times (exponential
    backoff with jitter, capped at `backoff_max_seconds`, at least what a `Retry-After` asks); after
    `max_attempts` in all it goes to the dead-letter table."""

    max_attempts: Annotated[int, Field(ge=1, le=100)] = 10
    attempts_per_run: Annotated[int, Field(ge=1, le=10)] = 3
    backoff_seconds: Annotated[float, Field(gt=0, le=60)] = 0.5
    backoff_max_seconds: Annotated[float, Field(gt=0, le=300)] = 30
    reschedule_max_seconds: Annotated[int, Field(ge=1, le=86_400)] = 3600
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10


class WorkerSchedule(_Strict):
    """How often `mymedic booking worker` runs each job."""

    expire_every_seconds: Annotated[int, Field(ge=1, le=86_400)] = 60
    purge_every_seconds: Annotated[int, Field(ge=1, le=86_400)] = 3600
    deliver_every_seconds: Annotated[int, Field(ge=1, le=86_400)] = 10
    messages_every_seconds: Annotated[int, Field(ge=1, le=86_400)] = 10


class BookingConfig(_Strict):
    tenants: list[TenantConfig] = Field(default_factory=list)
    staff_auth: StaffAuth | None = None
    webhook_tolerance_seconds: Annotated[int, Field(ge=1, le=3600)] = 300
    retention: Retention = Retention()
    partner_delivery: PartnerDeliveryPolicy = PartnerDeliveryPolicy()
    # patient messages retry and dead-letter by the same rules as partner webhooks (their own budget)
    message_delivery: PartnerDeliveryPolicy = PartnerDeliveryPolicy(max_attempts=6)
    worker: WorkerSchedule = WorkerSchedule()

    @model_validator(mode="after")
    def _unique_tenants(self) -> BookingConfig:
        ids = [t.tenant_id for t in self.tenants]
        if len(ids) != len(set(ids)):
            raise ValueError("tenant_id values must be unique")
        return self

    @model_validator(mode="after")
    def _own_webhook_secrets(self) -> BookingConfig:
        """An inbound webhook's tenant is the one whose secret signed it: a shared secret names no tenant."""
        for source in ("razorpay", "tele", *MESSAGING_SOURCES):
            owner: dict[str, str] = {}
            for tenant in self.tenants:
                for secret in _webhook_secrets(tenant, source):
                    first = owner.setdefault(secret, tenant.tenant_id)
                    if first != tenant.tenant_id:
                        raise ValueError(
                            f"tenants {first} and {tenant.tenant_id} have the same {source} webhook secret; "
                            "give each tenant its own (the secret is what tells their webhooks apart)"
                        )
        return self

    @model_validator(mode="after")
    def _own_adt_keys(self) -> BookingConfig:
        """An ADT key names its tenant and is never also a portal key (a HIS gets no portal powers)."""
        portal = {k.sha256 for t in self.tenants for k in t.api_keys}
        owner: dict[str, str] = {}
        for tenant in self.tenants:
            for key in tenant.adt.api_keys if tenant.adt else []:
                if key.sha256 in portal:
                    raise ValueError(f"tenant {tenant.tenant_id}'s ADT key {key.key_id} is also a portal key; "
                                     "give the HIS a key of its own")  # fmt: skip
                first = owner.setdefault(key.sha256, tenant.tenant_id)
                if first != tenant.tenant_id:
                    raise ValueError(
                        f"tenants {first} and {tenant.tenant_id} have the same ADT key; give each its own"
                    )
        return self

    def tenant(self, tenant_id: str) -> TenantConfig | None:
        return next((t for t in self.tenants if t.tenant_id == tenant_id), None)


def _webhook_secrets(tenant: TenantConfig, source: str) -> set[str]:
    if source in MESSAGING_SOURCES:
        return messaging_secrets(tenant, source)
    hook = tenant.razorpay if source == "razorpay" else (tenant.tele.webhook if tenant.tele else None)
    return {s.get_secret_value() for s in hook.secrets} if hook else set()


MESSAGING_SOURCES = ("meta", "meta_verify_token", "msg91", "sendgrid")


def messaging_secrets(tenant: TenantConfig, source: str) -> set[str]:
    """What tells one tenant's messaging webhooks from another's: Meta app secrets, the Meta verify token,
    MSG91 URL tokens, SendGrid verification keys."""
    hooks = tenant.message_webhooks
    if hooks is None:
        return set()
    if source == "meta" and hooks.meta:
        return {s.get_secret_value() for s in hooks.meta.app_secrets}
    if source == "meta_verify_token" and hooks.meta:
        return {hooks.meta.verify_token.get_secret_value()}
    if source == "msg91" and hooks.msg91:
        return {s.get_secret_value() for s in hooks.msg91.tokens}
    if source == "sendgrid" and hooks.sendgrid:
        return set(hooks.sendgrid.public_keys)
    return set()


class ConfigError(ValueError):
    """The booking configuration cannot be used; the message is one line, and never holds a secret."""


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def parse_ip(host: str | None) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(host or "")
    except ValueError:
        return None


def load_config(source: str | Path | None = None) -> BookingConfig:
    """The config from `source` (a path or inline JSON), else `$MYMEDIC_BOOKING_CONFIG`, else empty."""
    raw = str(source) if source is not None else os.environ.get(CONFIG_ENV, "")
    if not raw:
        return BookingConfig()
    inline = raw.lstrip().startswith("{")
    where = "the inline booking config" if inline else f"booking config {raw}"
    return load_json_model(BookingConfig, None if inline else Path(raw), where, text=raw if inline else None)


def load_json_model(model: type[M], path: Path | None, where: str, *, text: str | None = None) -> M:
    """`model` from a JSON file (or `text`); whatever is wrong is one ConfigError line that begins `where`."""
    try:
        raw = text if text is not None else Path(path or "").read_text(encoding="utf-8")
        return model.model_validate(json.loads(raw))
    except OSError as exc:
        raise ConfigError(f"{where} cannot be read ({exc.strerror or type(exc).__name__})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where} is not JSON: {exc.msg} at line {exc.lineno}") from None
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        at = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{where}: {at + ': ' if at else ''}{message}") from None


class DatabaseUrlError(UserFacingError, ValueError):
    """A database URL that names no database the booking service can use; the message hides its password."""


def database_url(url: str | None = None) -> str:
    """`url`, else `$MYMEDIC_BOOKING_DB`, else the embedded SQLite file; DatabaseUrlError when it is unusable."""
    chosen = url or os.environ.get(DB_ENV)
    if chosen:
        _check_database_url(chosen)
        return chosen
    DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB_PATH}"


def _check_database_url(url: str) -> None:
    """Raise DatabaseUrlError unless SQLAlchemy can parse `url` and has its dialect and driver."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError):
        raise DatabaseUrlError(
            f"--db / ${DB_ENV} {redact_url(url)!r} is not a database URL the booking service can use: "
            "use postgresql+psycopg://user:pass@host:5432/db or sqlite:///path/booking.db"
        ) from None
