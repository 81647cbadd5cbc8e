"""What a partner's answer to a webhook POST means, and when to try again (pure rules, no I/O).

- 2xx: accepted; the event is never sent to that endpoint again.
- 408, 425, 429, 5xx, or no answer (connection refused, timeout): transient; tried again with exponential
  backoff and jitter, never sooner than a `Retry-After` asks.
- any other 4xx: refused; the event goes to the dead-letter table at once (a replay sends it again).
"""

from __future__ import annotations

from typing import Literal

from tenacity import RetryCallState, wait_random_exponential

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
