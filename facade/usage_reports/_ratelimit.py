"""A client-side sliding-window rate limiter, shared by sync and async callers.

The vendor counts requests when they *arrive*, which is some time after they
leave (a new TLS connection can take longer than a window's margin). So a slot
is held from its reservation until the response comes back (``settle``): only
then is its time known to be no later than the arrival, and while any slot is
in flight it counts against every window. Callers that cannot be given a
definite time are told to look again shortly (``Slot is None``).

Reservations are made under a lock, so concurrent callers of one client,
threads or tasks, get distinct slots; only the sleeping differs between sync
and async, and that is the driver's business.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Sequence

#: Added to each window, for clock resolution and the vendor's own rounding.
WINDOW_MARGIN = 0.05
#: How soon a caller blocked only by requests still in flight looks again.
POLL_INTERVAL = 0.02


class Slot:
    """One reserved request; settle it once its response (or failure) is back."""

    __slots__ = ("at", "settled")

    def __init__(self, at: float) -> None:
        self.at = at
        self.settled = False


class RateLimiter:
    """At most ``count`` requests in any ``seconds``-long window, for every (count, seconds) pair."""

    def __init__(self, limits: Sequence[tuple[int, float]], *, clock: Callable[[], float] = time.monotonic) -> None:
        for count, seconds in limits:
            if count < 1 or seconds <= 0:
                raise ValueError(f"rate limit {count} per {seconds} s: both must be positive")
        self.limits = tuple(sorted(limits, key=lambda limit: limit[1]))
        self._clock = clock
        self._lock = threading.Lock()
        self._settled: list[float] = []  # arrival bounds of settled slots, sorted
        self._in_flight: list[Slot] = []
        self._horizon = max((seconds for _, seconds in self.limits), default=0.0) + WINDOW_MARGIN

    def reserve(self) -> tuple[Slot | None, float]:
        """A slot and the seconds to wait before sending it; or (None, seconds) to ask again later."""
        with self._lock:
            now = self._clock()
            cut = bisect.bisect_right(self._settled, now - self._horizon)
            del self._settled[:cut]
            busy = len(self._in_flight)
            at = max([now, *(slot.at for slot in self._in_flight)])  # first come, first served
            for count, seconds in self.limits:
                room = count - busy  # in-flight slots may arrive at any moment: they fill every window
                if room <= 0:
                    return None, POLL_INTERVAL
                if len(self._settled) >= room:
                    at = max(at, self._settled[-room] + seconds + WINDOW_MARGIN)
            slot = Slot(at)
            self._in_flight.append(slot)
            return slot, at - now

    def settle(self, slot: Slot) -> None:
        """The request's response or failure is back: it arrived, if at all, no later than now."""
        with self._lock:
            if slot.settled:
                return
            slot.settled = True
            self._in_flight.remove(slot)
            bisect.insort(self._settled, max(slot.at, self._clock()))
