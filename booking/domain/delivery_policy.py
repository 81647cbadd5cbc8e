"""What a partner's answer to a webhook POST means, and when to try again (pure rules, no I/O).

- 2xx: accepted; the event is never sent to that endpoint again.
- 408, 425, 429, 5xx, or no answer (connection refused, timeout): transient; tried again with exponential
  backoff and jitter, never sooner than a `Retry-After` asks.
- any other 4xx: refused; the event goes to the dead-letter table at once (a replay sends it again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from booking.settings import PartnerDeliveryPolicy

Verdict = Literal["accepted", "retry", "refused"]
TRANSIENT_4XX = frozenset({408, 425, 429})


def verdict(status_code: int) -> Verdict:
    if 200 <= status_code < 300:
        return "accepted"
    if status_code in TRANSIENT_4XX or status_code >= 500:
        return "retry"
    return "refused"


def backoff(multiplier: float, maximum: float) -> wait_random_exponential:
    """Exponential backoff with full jitter: a random wait in [0, min(maximum, multiplier * 2^attempt)]."""
    return wait_random_exponential(multiplier=multiplier, max=maximum)


def backoff_after(attempts: int, multiplier: float, maximum: float) -> float:
    """The jittered wait after `attempts` failed tries (the same strategy as the in-run retries)."""
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempts
    return float(backoff(multiplier, maximum)(state))


def asked_wait(exc: BaseException | None) -> float:
    """What an exception's `retry_after` (a provider's Retry-After) asks for, 0 when nothing."""
    return float(getattr(exc, "retry_after", None) or 0.0)


def wait_at_least_retry_after(policy: PartnerDeliveryPolicy) -> Callable[[RetryCallState], float]:
    """The jittered backoff, but never sooner than the failed attempt's Retry-After."""
    jitter = backoff(policy.backoff_seconds, policy.backoff_max_seconds)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return max(float(jitter(state)), asked_wait(exc))

    return wait


def in_run_retrying(
    policy: PartnerDeliveryPolicy,
    *,
    attempts_so_far: int,
    transient: Callable[[BaseException], bool],
    sleep: Callable[[float], None],
) -> Retrying:
    """One run's tries of one delivery (partner webhooks and patient messages alike): up to
    `attempts_per_run`, never past `max_attempts` in all; a transient failure whose Retry-After is longer
    than the in-run backoff cap ends the run (its next attempt is scheduled, not slept)."""

    def in_run(exc: BaseException) -> bool:
        return transient(exc) and asked_wait(exc) <= policy.backoff_max_seconds

    return Retrying(
        retry=retry_if_exception(in_run),
        stop=stop_after_attempt(max(min(policy.attempts_per_run, policy.max_attempts - attempts_so_far), 1)),
        wait=wait_at_least_retry_after(policy),
        sleep=sleep,
        reraise=True,
    )


def lease_seconds(policy: PartnerDeliveryPolicy) -> float:
    """How long a run (or a replay) keeps a delivery to itself: a whole run's tries and waits, and a minute."""
    return policy.attempts_per_run * (policy.timeout_seconds + policy.backoff_max_seconds) + 60


def next_attempt_delay(policy: PartnerDeliveryPolicy, attempts: int, retry_after: float | None) -> float:
    """Seconds until the next run may try again after `attempts` failed tries."""
    return max(
        backoff_after(attempts, policy.backoff_seconds, policy.reschedule_max_seconds), retry_after or 0.0
    )
