"""Per-tenant quotas: a token-bucket rate limit on calls and a cap on concurrent streams."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from server.errors import ResourceExhaustedError


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """``rate`` calls a second per tenant, bursts of up to ``burst``; a rate of 0 is no limit."""

    def __init__(self, rate: float, burst: int = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = float(burst or max(1, round(rate)))
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, tenant: str) -> None:
        if self.rate <= 0:
            return
        now = self._clock()
        bucket = self._buckets.get(tenant)
        if bucket is None:
            bucket = self._buckets[tenant] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens < 1:
            wait = (1 - bucket.tokens) / self.rate
            raise ResourceExhaustedError(
                f"tenant {tenant!r} is over its rate limit of {self.rate:g} calls/s (burst {self.burst:g}, "
                f"HANDOFF_RATE_LIMIT_PER_S); retry in {wait:.2f} s"
            )
        bucket.tokens -= 1


class StreamCap:
    """At most ``limit`` streaming calls open at once per tenant."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def open(self, tenant: str) -> None:
        count = self._open.get(tenant, 0)
        if count >= self.limit:
            raise ResourceExhaustedError(
                f"tenant {tenant!r} has {count} streams open, its limit (HANDOFF_MAX_STREAMS_PER_TENANT); "
                "close one first"
            )
        self._open[tenant] = count + 1

    def close(self, tenant: str) -> None:
        count = self._open.get(tenant, 0) - 1
        if count > 0:
            self._open[tenant] = count
        else:
            self._open.pop(tenant, None)

    def open_streams(self, tenant: str) -> int:
        return self._open.get(tenant, 0)
