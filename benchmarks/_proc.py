"""What a download child reports of itself, read from /proc (imports nothing: the children stay lean)."""

from __future__ import annotations


def vm_hwm_kib() -> int:
    """Peak resident memory of this process so far (-1 where /proc has no such line)."""
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def waited_for_cpu() -> float:
    """Seconds this process has been runnable but waiting for a CPU (schedstat run_delay; 0.0 if unknown).

    On a machine shared with other work, wall time = CPU time + this wait +
    time blocked on I/O; this separates the machine's load from the program.
    """
    try:
        with open("/proc/self/schedstat", encoding="ascii") as schedstat:
            return int(schedstat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0
