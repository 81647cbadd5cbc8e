"""An HTTP client for the Razorpay API: Basic auth with the key pair, retries with backoff, one-line errors.

Used by the platform's pulls (GET) and by the booking service's orders and refunds (POST, made safe to
retry by Razorpay's own idempotency: an order's `receipt` with `unique_receipt`, a refund's
`X-Refund-Idempotency` header).

- 429 (rate limited) and 5xx answers, timeouts and dropped connections are retried with exponential
  backoff and jitter (Razorpay asks for exactly that), waiting what a `Retry-After` header says when the
  answer has one; at most `attempts` tries, then a one-line `RazorpayError`.
- Any other 4xx is not retried: `RazorpayAPIError` carries the status and Razorpay's error code and
  description (a 401 says the key pair is wrong; the error never contains the key secret).
- `sleep` and `clock` are injected, so tests never wait for a backoff.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from core.razorpay_api import ErrorBody
from core.retry_after import retry_after_seconds
from core.settings import RazorpaySettings

log = logging.getLogger(__name__)

ATTEMPTS = 5
MAX_WAIT_SECONDS = 60.0
TIMEOUT_SECONDS = 30.0
USER_AGENT = "mymedic-platform/0.1 (+settlement recon pull)"


class RazorpayError(RuntimeError):
    """A call to Razorpay failed; the message is one line a person can act on."""


class RazorpayAPIError(RazorpayError):
    """Razorpay answered a 4xx it does not ask us to retry."""

    def __init__(self, request: str, status: int, code: str, description: str, body: bytes) -> None:
        self.request, self.status, self.code, self.description, self.body = (
            request,
            status,
            code,
            description,
            body,
        )
        hint = " (check the key id and secret)" if status == 401 else ""
        super().__init__(
            f"Razorpay {request} answered {status} {code or 'error'}: {description or '-'}{hint}"
        )


class _Transient(Exception):
    """An answer worth another try: 429, 5xx, or no answer at all."""

    def __init__(self, what: str, retry_after: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.retry_after = retry_after


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _error_of(body: bytes) -> tuple[str, str]:
    try:
        error = ErrorBody.model_validate_json(body).error
    except ValidationError:
        return "", _one_line(body.decode("utf-8", "replace"))
    return error.code, _one_line(error.description)


class RazorpayClient:
    """Requests to one Razorpay account; use as a context manager (it holds a connection pool)."""

    def __init__(
        self,
        settings: RazorpaySettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        attempts: int = ATTEMPTS,
        max_wait: float = MAX_WAIT_SECONDS,
        timeout: float = TIMEOUT_SECONDS,
        user_agent: str = USER_AGENT,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._attempts = attempts
        self._max_wait = max_wait
        self._backoff = wait_exponential_jitter(initial=1, max=max_wait, jitter=1)
        self._http = httpx.Client(
            base_url=settings.api_url,
            auth=httpx.BasicAuth(settings.key_id, settings.key_secret.get_secret_value()),
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": user_agent},
        )

    def __enter__(self) -> RazorpayClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> bytes:
        """The body of a 2xx answer to `GET path?params`, exactly as received."""
        request = f"GET {path}" + (f"?{urlencode(dict(params))}" if params else "")
        return self._send(request, "GET", path, params=dict(params or {}))

    def post(self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> bytes:
        """The body of a 2xx answer to `POST path` with a JSON body; retried only when safe to repeat
        (the caller sends Razorpay's idempotency field or header)."""
        return self._send(f"POST {path}", "POST", path, json=dict(body), headers=dict(headers or {}))

    def _send(self, request: str, method: str, path: str, **kwargs: Any) -> bytes:
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(request, state),
            reraise=True,
        )
        try:
            return retrying(self._send_once, request, method, path, kwargs)
        except _Transient as exc:
            raise RazorpayError(
                f"Razorpay {request} still failing after {self._attempts} attempts: {exc.what}"
            ) from None

    def _send_once(self, request: str, method: str, path: str, kwargs: dict[str, Any]) -> bytes:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise _Transient(
                f"no answer ({type(exc).__name__}: {_one_line(str(exc)) or 'no detail'})"
            ) from None
        body = response.content
        if response.is_success:
            return body
        code, description = _error_of(body)
        if response.status_code == 429 or response.status_code >= 500:
            what = f"{response.status_code} {code or response.reason_phrase}: {description or '-'}"
            raise _Transient(what, retry_after_seconds(response.headers.get("Retry-After"), self._clock()))
        raise RazorpayAPIError(request, response.status_code, code, description, body)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Transient) and error.retry_after is not None:
            return min(error.retry_after, self._max_wait)
        return self._backoff(state)

    def _log_retry(self, request: str, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "Razorpay %s: %s; retrying in %.1f s (attempt %d of %d)",
            request,
            getattr(error, "what", error),
            wait,
            state.attempt_number,
            self._attempts,
        )
