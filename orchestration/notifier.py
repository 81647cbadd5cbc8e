"""Where operations alerts go: a webhook (a JSON POST) and/or an SMTP relay (an email), configured by the
environment (`MYMEDIC_ALERT_*`, core/settings.py).

Each send is retried (tenacity: 3 attempts, backing off) while the peer does not answer, answers 5xx or 429
(webhook) or 4xx (SMTP); any other refusal is final. The webhook URL (it may carry a token) and the SMTP
password reach the resource as `EnvVar`s only, so the UI and the run's config show their variables' names.
An alert's text is built by its sensor (orchestration/alert_sensors.py): what broke and where to look,
never a row of data or a secret.
"""

from __future__ import annotations

import os
import uuid

import httpx
from dagster import ConfigurableResource, EnvVar
from pydantic import BaseModel, Field
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from booking.domain.messaging import SendError
from booking.integrations.smtp_email import send_email
from booking.settings import SmtpEmail
from core.settings import (
    ALERT_EMAIL_FROM_ENV,
    ALERT_EMAIL_TO_ENV,
    ALERT_SMTP_HOST_ENV,
    ALERT_SMTP_PASSWORD_ENV,
    ALERT_SMTP_PORT_ENV,
    ALERT_SMTP_STARTTLS_ENV,
    ALERT_SMTP_USERNAME_ENV,
    ALERT_WEBHOOK_URL_ENV,
    DAGSTER_UI_URL_ENV,
)

ATTEMPTS = 3
DEFAULT_UI_URL = "http://127.0.0.1:3000"


class Alert(BaseModel, frozen=True):
    """One alert: `subject` names what broke (the rate limit's key), `what` says it in a line, `error` is the
    error's first line, `where` the Dagster UI page or `mymedic` command to look at."""

    subject: str
    what: str
    error: str = ""
    where: str

    @property
    def text(self) -> str:
        lines = [self.what, *([f"Error: {self.error}"] if self.error else []), f"Where to look: {self.where}"]
        return "\n".join(lines)

    def payload(self) -> dict[str, str]:
        return {"subject": self.subject, "what": self.what, "error": self.error, "where": self.where,
                "text": self.text}  # fmt: skip


class WebhookRefused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"the alert webhook answered HTTP {status}")
        self.retryable = status >= 500 or status == 429


def _retryable(error: BaseException) -> bool:
    if isinstance(error, httpx.TransportError):
        return True
    return isinstance(error, WebhookRefused | SendError) and error.retryable


class NotifierResource(ConfigurableResource):
    """The alert channels (either, both or none: with none, alerts are only logged by their sensor)."""

    webhook_url: str = Field(
        default="", description=f"Bind to EnvVar({ALERT_WEBHOOK_URL_ENV!r}) (may carry a token)"
    )
    smtp_host: str = Field(default="", description="SMTP relay host; empty: no email")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    smtp_username: str = ""
    smtp_password: str = Field(default="", description=f"Bind to EnvVar({ALERT_SMTP_PASSWORD_ENV!r})")
    email_from: str = ""
    email_to: str = Field(default="", description="Comma-separated recipients")
    ui_url: str = Field(default=DEFAULT_UI_URL, description="The Dagster UI's address the alerts link to")
    rate_limit_minutes: int = Field(default=60, ge=0, description="The same subject at most once per window")
    retry_wait_seconds: float = Field(default=1.0, ge=0, description="First wait between attempts")
    timeout_seconds: float = Field(default=10.0, gt=0)

    @property
    def channels(self) -> list[str]:
        return [*(["webhook"] if self.webhook_url else []), *(["email"] if self.smtp_host else [])]

    def ui_link(self, path: str) -> str:
        return f"{self.ui_url.rstrip('/')}/{path.lstrip('/')}"

    def send(self, alert: Alert) -> list[str]:
        """Send `alert` on every configured channel; the channels it went out on. Raises the last error
        (one line, no URL, no password) when a channel still refuses after its attempts."""
        sent = []
        for channel, deliver in (("webhook", self._post), ("email", self._email)):
            if channel in self.channels:
                self._retrying()(deliver, alert)
                sent.append(channel)
        return sent

    def _retrying(self) -> Retrying:
        return Retrying(
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_exponential(multiplier=self.retry_wait_seconds, max=30 * self.retry_wait_seconds),
            retry=retry_if_exception(_retryable),
            reraise=True,
        )

    def _post(self, alert: Alert) -> None:
        try:
            response = httpx.post(self.webhook_url, json=alert.payload(), timeout=self.timeout_seconds)
        except httpx.TransportError as error:  # the message names the host only, never the URL's token
            raise type(error)(f"no answer from the alert webhook ({type(error).__name__})") from None
        if response.status_code >= 300:
            raise WebhookRefused(response.status_code)

    def _email(self, alert: Alert) -> None:
        relay = SmtpEmail(
            host=self.smtp_host,
            port=self.smtp_port,
            starttls=self.smtp_starttls,
            username=self.smtp_username or None,
            password=self.smtp_password or None,
            from_address=self.email_from,
        )
        send_email(relay, to=self.email_to, subject=alert.subject, text=alert.text,
                   message_id=uuid.uuid4().hex, timeout=self.timeout_seconds)  # fmt: skip


def notifier_resource() -> NotifierResource:
    """The channels as the environment names them: `EnvVar` for each variable set now (resolved when the
    sensor runs), the port and STARTTLS as values (not secrets)."""
    fields = {"webhook_url": ALERT_WEBHOOK_URL_ENV, "smtp_host": ALERT_SMTP_HOST_ENV,
              "smtp_username": ALERT_SMTP_USERNAME_ENV, "smtp_password": ALERT_SMTP_PASSWORD_ENV,
              "email_from": ALERT_EMAIL_FROM_ENV, "email_to": ALERT_EMAIL_TO_ENV, "ui_url": DAGSTER_UI_URL_ENV}  # fmt: skip
    bound = {field: EnvVar(name) for field, name in fields.items() if os.environ.get(name)}
    port = os.environ.get(ALERT_SMTP_PORT_ENV)
    starttls = os.environ.get(ALERT_SMTP_STARTTLS_ENV, "1") not in ("0", "false", "no")
    return NotifierResource(**bound, **({"smtp_port": int(port)} if port else {}), smtp_starttls=starttls)
