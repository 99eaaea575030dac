"""When to try a message again, and when to give up: exponential back-off with a cap.

The default keeps a message trying for a day (30 attempts: 1, 2, 4 ... 32 minutes, then hourly,
24 hours 3 minutes in all) before it is marked failed. GOV.UK Notify retries for about 4 hours
and Indico about 5, but both hand mail to services that are rarely down for long; ours goes
through one organisation's relay, and an outage that starts in the evening or on a Friday is
not seen until the next working day. Nothing here is so urgent that an hourly try hurts, and an
admin is alerted long before (``OUTBOX_ALERT_AFTER_MINUTES``), so after an outage of up to a day
everything goes by itself, in order, with nothing to retry by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

DEFAULT_MAX_ATTEMPTS = 30
DEFAULT_FIRST_DELAY = timedelta(minutes=1)
DEFAULT_LONGEST_DELAY = timedelta(hours=1)


@dataclass(frozen=True)
class RetryPolicy:
    """1, 2, 4, 8... minutes after each failed attempt, never more than ``longest_delay``;
    after ``max_attempts`` failures (a day, by default) the message is marked failed for an
    admin to look at."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    first_delay: timedelta = DEFAULT_FIRST_DELAY
    longest_delay: timedelta = DEFAULT_LONGEST_DELAY

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.first_delay <= timedelta(0) or self.longest_delay < self.first_delay:
            raise ValueError("delays must be positive and the longest at least the first")

    def gives_up_after(self, attempts: int) -> bool:
        """True once ``attempts`` failed attempts are as many as the policy allows."""
        return attempts >= self.max_attempts

    def delay_after(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (counting from 1)."""
        if attempts < 1:
            raise ValueError("attempts counts from 1")
        # In float seconds, so a huge attempt count cannot overflow timedelta.
        seconds = self.first_delay.total_seconds() * 2.0 ** min(attempts - 1, 64)
        return min(timedelta(seconds=seconds), self.longest_delay) if seconds < 1e9 else self.longest_delay

    def total_patience(self) -> timedelta:
        """How long a message keeps being retried before it is marked failed."""
        return sum((self.delay_after(n) for n in range(1, self.max_attempts)), timedelta(0))

    @classmethod
    def from_config(cls, config: Any) -> RetryPolicy:
        return cls(
            max_attempts=int(config.get("NOTIFICATIONS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)),
            first_delay=config.get("NOTIFICATIONS_FIRST_RETRY_DELAY", DEFAULT_FIRST_DELAY),
            longest_delay=config.get("NOTIFICATIONS_LONGEST_RETRY_DELAY", DEFAULT_LONGEST_DELAY),
        )
