"""A client-side sliding-window rate limiter, shared by sync and async callers.

Each caller reserves the earliest instant at which one more request keeps every
window within its limit, then sleeps until then (time.sleep or asyncio.sleep:
only that differs). Reservations are made under a lock, so concurrent callers
of one client, threads or tasks, get distinct slots.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

#: Added to each window: requests arrive at the vendor a little later than they
#: leave, and unevenly; without a margin two arrivals could share one window.
WINDOW_MARGIN = 0.05


class RateLimiter:
    """At most ``count`` requests in any ``seconds``-long window, for every (count, seconds) pair."""

    def __init__(self, limits: Sequence[tuple[int, float]], *, clock: Callable[[], float] = time.monotonic) -> None:
        for count, seconds in limits:
            if count < 1 or seconds <= 0:
                raise ValueError(f"rate limit {count} per {seconds} s: both must be positive")
        self.limits = tuple(sorted(limits, key=lambda limit: limit[1]))
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: deque[float] = deque()
        self._horizon = max((seconds for _, seconds in self.limits), default=0.0) + WINDOW_MARGIN

    def reserve(self) -> float:
        """Reserve a slot; return how many seconds to wait before sending."""
        with self._lock:
            now = self._clock()
            slots = self._slots
            while slots and slots[0] <= now - self._horizon:
                slots.popleft()
            at = max(now, slots[-1]) if slots else now  # first come, first served; keeps slots sorted
            for count, seconds in self.limits:
                if len(slots) >= count:
                    at = max(at, slots[-count] + seconds + WINDOW_MARGIN)
            slots.append(at)
            return at - now
