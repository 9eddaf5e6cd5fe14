"""One way for a program to stop on a signal: in order, as for Ctrl-C.

Cron, systemd, CI runners and ``kill`` stop a job with SIGTERM (a closed
terminal sends SIGHUP); Python's default for them is to die on the spot,
leaving a half-written temporary file behind. Inside :func:`stopping_on_signals`
each of SIGTERM, SIGINT and SIGHUP raises :class:`Terminated` in the main
thread instead. It is a KeyboardInterrupt, so it unwinds like Ctrl-C: through
``finally`` blocks and the engine's clean-up (a download aborts its sink and
leaves no ``.part``), through ``asyncio.run`` (its tasks are cancelled and
awaited), past every ``except Exception``. A second signal while the first
is being handled is ignored: the stop is under way. The exit status for a
program is :func:`exit_status` (128 + the signal number, as shells report).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)


class Terminated(KeyboardInterrupt):
    """A stop signal arrived; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal_name(signum)}")


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_status(interrupt: KeyboardInterrupt) -> int:
    """128 + the signal's number: 143 for SIGTERM, 130 for SIGINT (and for a plain KeyboardInterrupt)."""
    return 128 + (interrupt.signum if isinstance(interrupt, Terminated) else int(signal.SIGINT))


@contextlib.contextmanager
def stopping_on_signals(signals: tuple[signal.Signals, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Within the block, each of ``signals`` raises Terminated in the main thread; the old handlers come back after.

    A signal currently ignored stays ignored. Outside the main thread (where
    Python cannot install handlers) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise Terminated(signum)

    # A signal the process was told to ignore (SIGHUP under nohup) stays ignored.
    previous = {signum: signal.getsignal(signum) for signum in signals if signal.getsignal(signum) != signal.SIG_IGN}
    try:
        for signum in previous:
            signal.signal(signum, handle)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
