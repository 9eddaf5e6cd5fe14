"""B2: ``download`` of a large Edge Impulse report through the 302, against references doing the same work.

The simulators run in their own process (so no client shares a process or a
GIL with the server). Each download runs in a fresh process: the facade in
``python -m benchmarks._download_child``; the judged reference in
``python -m benchmarks._reference_child httpx`` (the same two requests with
httpx.Client, every byte hashed with sha256 and written, then fsync), the
same with aiohttp beside it, and bare curl for information (it neither hashes
nor fsyncs). Wall time is the whole process, start to exit; CPU and peak RSS
come from ``os.wait4``; each Python child also reports when its work started,
its first and last byte, when the file was durable, and how long it waited for
a CPU, so a difference in wall time can be placed. The order rotates every
repetition; every file is deleted and the disk ``sync``ed outside the timing.

Why curl runs twice and not ``curl -sL``: curl strips only Authorization and
Cookie on a cross-host redirect; a custom ``x-api-key`` header is forwarded to
the storage host, which the storage simulator (like a real signed-URL store
receiving a vendor key) refuses with 400. The runner checks and records that.
So curl is ``curl -s -o /dev/null -w '%{redirect_url}' -H 'x-api-key: ..' API_URL``
then ``curl -s -o FILE SIGNED_URL``: the same two requests the facade sends,
the credential on the first hop only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from usage_reports.testing import SANDBOX_EDGE_IMPULSE_API_KEY

from ._common import GIB, MIB, BenchmarkResult, Figure, Mode, Spread, child_env
from ._simserver import SimulatorProcess

CURL = "/usr/bin/curl"
WALL_TARGET = 1.10
RSS_LIMIT_MIB = 64.0
FLAT_LIMIT_MIB = 4.0
REPORT_PATH = "/api/organizations/1/whitelabel/organizations/2/usage/reports/3/download"


@dataclass(frozen=True)
class Run:
    wall: float
    max_rss_mib: float
    stdout: str
    cpu: float = 0.0  # user + system seconds of the child
    forked_at: float = 0.0  # time.time() at fork and at reaping, to place the child's own marks
    reaped_at: float = 0.0


#: Forks, execs and reaps one command, then prints its wall time and rusage. It is a small process of
#: its own because Linux carries the RSS high-water mark of the process that forks into the exec'd
#: child's ru_maxrss: spawned from the runner (~100 MiB), every child would report the runner's peak.
_LAUNCHER = """
import json, os, sys, time
forked_at = time.time()
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
reaped_at = time.time()
print()
print(json.dumps({"wall": wall, "max_rss_kib": usage.ru_maxrss, "exit": os.waitstatus_to_exitcode(status),
                  "cpu": usage.ru_utime + usage.ru_stime, "forked_at": forked_at, "reaped_at": reaped_at,
                  "switches": [usage.ru_nvcsw, usage.ru_nivcsw]}))
"""


def _run(command: list[str], env: dict[str, str]) -> Run:
    """Run to completion through the launcher; wall time and peak RSS of that one child."""
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _LAUNCHER, *command], capture_output=True, env=env, check=False
    )
    out = result.stdout.decode()
    body, _, last = out.rstrip("\n").rpartition("\n")
    measured = json.loads(last)
    if result.returncode != 0 or measured["exit"] != 0:
        raise RuntimeError(f"{command[0]} exited {measured['exit']}: {result.stderr.decode(errors='replace')}")
    return Run(
        float(measured["wall"]),
        int(measured["max_rss_kib"]) / 1024,
        body,
        float(measured["cpu"]),
        float(measured["forked_at"]),
        float(measured["reaped_at"]),
    )


def launcher_floor_mib() -> float:
    """The ru_maxrss a trivial child reports through the launcher: the launcher's own footprint."""
    return _run(["/bin/true"], child_env()).max_rss_mib


def _child(command: list[str]) -> tuple[Run, dict[str, Any]]:
    run = _run(command, child_env())
    info: dict[str, Any] = json.loads(run.stdout)
    return run, info


def _facade(api_url: str, destination: Path) -> tuple[Run, dict[str, Any]]:
    command = [sys.executable, "-m", "benchmarks._download_child", api_url, SANDBOX_EDGE_IMPULSE_API_KEY]
    return _child([*command, str(destination)])


def _reference(client: str, report_url: str, destination: Path) -> tuple[Run, dict[str, Any]]:
    command = [sys.executable, "-m", "benchmarks._reference_child", client, report_url, SANDBOX_EDGE_IMPULSE_API_KEY]
    return _child([*command, str(destination)])


def _curl(report_url: str, destination: Path) -> tuple[Run, float]:
    """The two curl processes (wall times added, peak RSS the larger), and the seconds an fsync then took."""
    env = child_env()
    first = _run(
        [
            CURL,
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{redirect_url}",
            "-H",
            f"x-api-key: {SANDBOX_EDGE_IMPULSE_API_KEY}",
            report_url,
        ],
        env,
    )
    location = first.stdout.strip()
    if not location:
        raise RuntimeError("B2: the API answered no redirect to curl")
    second = _run([CURL, "-s", "-f", "-o", str(destination), location], env)
    started = time.perf_counter()
    fd = os.open(destination, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    run = Run(first.wall + second.wall, max(first.max_rss_mib, second.max_rss_mib), "", first.cpu + second.cpu)
    return run, time.perf_counter() - started


def _curl_follow_status(report_url: str, folder: Path) -> str:
    """What `curl -sL -H x-api-key` gets at the end of the redirect (expected: 400, the key leaked)."""
    result = subprocess.run(
        [
            CURL,
            "-sL",
            "-o",
            str(folder / "follow.csv"),
            "-w",
            "%{http_code}",
            "-H",
            f"x-api-key: {SANDBOX_EDGE_IMPULSE_API_KEY}",
            report_url,
        ],
        capture_output=True,
        text=True,
        check=False,
        env=child_env(),
    )
    (folder / "follow.csv").unlink(missing_ok=True)
    return result.stdout.strip() or f"exit {result.returncode}"


SUBJECTS = ("facade", "httpx", "aiohttp", "curl")
PHASES = ("start", "start_cpu", "transfer", "commit", "exit", "waited_for_cpu")


@dataclass
class Samples:
    """One subject's repetitions at one size."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    hwm: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in PHASES})
    fsync_after: list[float] = field(default_factory=list)  # curl only: an fsync of its file, afterwards

    def add(self, run: Run, info: dict[str, Any]) -> None:
        self.wall.append(run.wall)
        self.cpu.append(run.cpu)
        self.rss.append(run.max_rss_mib)
        self.hwm.append(int(info["vm_hwm_kib"]) / 1024)
        # Where the wall time went: interpreter start and imports, first to last byte, the commit, the exit.
        self.phases["start"].append(float(info["started_at"]) - run.forked_at + float(info["first_byte"]))
        self.phases["start_cpu"].append(float(info["cpu_at_first_byte"]))
        self.phases["transfer"].append(float(info["last_byte"]) - float(info["first_byte"]))
        self.phases["commit"].append(float(info["synced"]) - float(info["last_byte"]))
        self.phases["exit"].append(run.reaped_at - float(info["ended_at"]))
        self.phases["waited_for_cpu"].append(float(info["waited_for_cpu"]))

    def median(self, values: list[float]) -> float:
        return Spread.of(values).median


def _settle(path: Path) -> None:
    """Delete a measured file and let the disk settle, outside any timing.

    With ext4's ``discard`` (as here) freeing 1 GiB of blocks costs the next
    journal commit a second or more, and leftover writeback competes with the
    next run's fsync; ``sync`` makes each run start from a quiet disk.
    """
    path.unlink()
    os.sync()


def _measure(size: int, reps: int, folder: Path) -> tuple[dict[str, Samples], str]:
    samples = {name: Samples() for name in SUBJECTS}
    with SimulatorProcess(report_size=size) as sim:
        report_url = sim.urls["edge_impulse"] + REPORT_PATH
        follow_status = _curl_follow_status(report_url, folder)
        for rep in range(reps):
            for who in SUBJECTS[rep % len(SUBJECTS) :] + SUBJECTS[: rep % len(SUBJECTS)]:  # rotate who goes first
                destination = folder / f"{who}.csv"
                if who == "curl":
                    run, fsync = _curl(report_url, destination)
                    samples[who].wall.append(run.wall)
                    samples[who].cpu.append(run.cpu)
                    samples[who].rss.append(run.max_rss_mib)
                    samples[who].fsync_after.append(fsync)
                else:
                    run, info = (
                        _facade(sim.urls["edge_impulse"], destination)
                        if who == "facade"
                        else (_reference(who, report_url, destination))
                    )
                    if info["size"] != size:
                        raise RuntimeError(f"B2: {who} received {info['size']} bytes, expected {size}")
                    small = rep == 0 and size <= 64 * MIB
                    if small and hashlib.sha256(destination.read_bytes()).hexdigest() != info["sha256"]:
                        raise RuntimeError(f"B2: {who}'s sha256 does not match its file")
                    samples[who].add(run, info)
                if destination.stat().st_size != size:
                    raise RuntimeError(f"B2: {who} wrote {destination.stat().st_size} bytes, expected {size}")
                _settle(destination)
    return samples, follow_status


def _label(size: int) -> str:
    return f"{size // GIB} GiB" if size >= GIB else f"{size // MIB} MiB"


def _phases(samples: Samples) -> str:
    return ", ".join(f"{name} {samples.median(values):.2f}" for name, values in samples.phases.items())


def _wall(size: int, samples: dict[str, Samples], versus: str, *, judged: bool, suffix: str = "") -> Figure:
    facade, reference = samples["facade"], samples[versus]
    spread = Spread.of([f / r for f, r in zip(facade.wall, reference.wall, strict=True)])
    label = _label(size)
    what = {
        "httpx": "httpx.Client + sha256 + fsync",
        "aiohttp": "aiohttp + sha256 + fsync",
        "curl": "bare curl (no hash, no fsync)",
    }[versus]
    extra: dict[str, float | int | str | bool] = {
        "facade_cpu_s": facade.median(facade.cpu),
        f"{versus}_cpu_s": reference.median(reference.cpu),
        "facade_mib_per_s": size / MIB / facade.median(facade.wall),
    }
    if versus == "curl":
        note = f"an fsync of curl's file afterwards took {reference.median(reference.fsync_after):.2f} s more"
    else:
        note = (
            f"CPU {facade.median(facade.cpu):.2f} s vs {reference.median(reference.cpu):.2f} s;"
            f" facade phases (s): {_phases(facade)}; {versus}: {_phases(reference)}"
        )
        extra.update({f"facade_{k}_s": facade.median(v) for k, v in facade.phases.items()})
        extra.update({f"{versus}_{k}_s": reference.median(v) for k, v in reference.phases.items()})
    return Figure(
        id=f"B2-wall-{label.replace(' ', '')}{suffix}",
        what=f"download {label} via 302, wall, vs {what}",
        measured=facade.median(facade.wall),
        reference=reference.median(reference.wall),
        unit="s",
        ratio=spread,
        target=f"<= {WALL_TARGET}x" if judged else "(reported)",
        passed=spread.median <= WALL_TARGET if judged else None,
        note=note,
        extra=extra,
    )


def run(mode: Mode) -> BenchmarkResult:
    small = mode.pick(64 * MIB, 1 * MIB)
    large = mode.pick(GIB, 4 * MIB)
    reps_small = mode.pick(5, 1)
    reps_large = mode.pick(5, 1)
    folder = Path(tempfile.mkdtemp(prefix="usage-reports-bench-", dir="/tmp"))
    try:
        free = shutil.disk_usage(folder).free
        if free < 2 * large + 256 * MIB:
            raise RuntimeError(f"B2 needs {2 * large // MIB + 256} MiB free in /tmp, found {free // MIB} MiB")
        floor = launcher_floor_mib()
        low, _ = _measure(small, reps_small, folder)
        high, follow_status = _measure(large, reps_large, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    facade_high, facade_low = high["facade"], low["facade"]
    rss_large = Spread.of(facade_high.rss)
    rss_ratio = Spread.of([f / r for f, r in zip(facade_high.rss, high["httpx"].rss, strict=True)])
    low_rss = Spread.of(facade_low.rss).median
    growths = [h - low_rss for h in facade_high.rss]
    figures = [
        _wall(small, low, "httpx", judged=False),
        _wall(large, high, "httpx", judged=True),
        _wall(large, high, "aiohttp", judged=False, suffix="-aiohttp"),
        _wall(large, high, "curl", judged=False, suffix="-curl"),
        Figure(
            id=f"B2-cpu-{_label(large).replace(' ', '')}",
            what=f"download {_label(large)}, CPU time (user + system), vs httpx + sha256 + fsync",
            measured=facade_high.median(facade_high.cpu),
            reference=high["httpx"].median(high["httpx"].cpu),
            unit="s",
            ratio=Spread.of([f / r for f, r in zip(facade_high.cpu, high["httpx"].cpu, strict=True)]),
            target="(reported)",
            passed=None,
            note=f"bare curl: {high['curl'].median(high['curl'].cpu):.2f} s",
        ),
        Figure(
            id=f"B2-rss-{_label(large).replace(' ', '')}",
            what=f"download {_label(large)}, peak RSS",
            measured=rss_large.median,
            reference=Spread.of(high["httpx"].rss).median,
            unit="MiB",
            ratio=rss_ratio,
            target=f"<= {RSS_LIMIT_MIB:.0f} MiB",
            passed=rss_large.high <= RSS_LIMIT_MIB,
            note=(
                "ratio = facade / httpx reference peak RSS (ru_maxrss via wait4); the target is on the facade's"
                f" largest peak, the whole Python process; its own VmHWM says {Spread.of(facade_high.hwm).median:.1f}"
                f" MiB; a trivial child reports {floor:.1f} MiB (the launcher's floor); curl"
                f" {Spread.of(high['curl'].rss).median:.1f} MiB"
            ),
            extra={
                "facade_rss_max_mib": rss_large.high,
                "facade_vm_hwm_mib": Spread.of(facade_high.hwm).median,
                "launcher_floor_mib": floor,
            },
        ),
        Figure(
            id="B2-rss-flat",
            what=f"peak RSS growth {_label(small)} -> {_label(large)}",
            measured=rss_large.median - low_rss,
            reference=None,
            unit="MiB",
            ratio=Spread.of([h / low_rss for h in facade_high.rss]),
            target=f"growth <= {FLAT_LIMIT_MIB:.0f} MiB",
            passed=max(growths) <= FLAT_LIMIT_MIB,
            note=f"ratio = peak RSS at {_label(large)} / at {_label(small)} ({low_rss:.1f} MiB)",
        ),
    ]
    return BenchmarkResult(
        id="B2",
        title="large download through the 302, vs httpx and aiohttp doing the same work, and curl",
        figures=figures,
        notes=[
            f"{reps_small} repetitions at {_label(small)}, {reps_large} at {_label(large)}; order rotates; each"
            " subject a fresh process; simulators in their own process, 64 KiB chunks generated on the fly;"
            " files in a temp dir on /tmp, each deleted and `sync`ed away outside the timing.",
            "References: python -m benchmarks._reference_child (httpx.Client.stream / aiohttp: the 302 read by hand,"
            " sha256 and fsync of the same bytes); the facade also renames atomically and fsyncs the folder.",
            "Phases (s, medians): start = process start to first byte (interpreter, imports, both requests),"
            " start_cpu = the CPU time it took;"
            " transfer = first to last byte; commit = last byte to durable (fsync; the facade: + rename + folder"
            " fsync); exit = return to reaped; waited_for_cpu = runnable but without a CPU (the machine's load).",
            f"curl runs twice (API hop with x-api-key, then the signed URL without it): `curl -sL -H x-api-key`"
            f" ended with HTTP {follow_status} at storage, because curl forwards custom headers across hosts.",
        ],
    )
