"""A server in a child process, as the benchmarks run them: so no client shares its process, GIL or core.

The child prints one line once it is ready (its URLs or port), answers a one-word command on stdin with one
JSON line, and stops when its stdin closes. ``ChildServer`` starts it, reads that first line, asks, and stops it
(killing it if it does not stop within ``stop_timeout``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from ._common import REPO_ROOT, child_env


class ChildServer:
    """``python -m MODULE ARGS...`` in a child process; subclasses read ``self.ready`` (its first line)."""

    stop_timeout = 15.0

    def __init__(self, module: str, *args: str, cwd: Path = REPO_ROOT) -> None:
        self._command = [sys.executable, "-m", module, *args]
        self._cwd = cwd
        self._process: subprocess.Popen[str] | None = None
        self.ready = ""

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=child_env(), cwd=self._cwd
        )
        self.ready = self._stdout().readline()
        if not self.ready:
            self.stop()
            raise RuntimeError(f"{' '.join(self._command[1:3])} exited before it was ready")
        return self

    def _stdout(self) -> IO[str]:
        assert self._process is not None
        assert self._process.stdout is not None
        return self._process.stdout

    def ask(self, command: str) -> Any:
        """Send a one-word command; the child's JSON answer."""
        assert self._process is not None
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        return json.loads(self._stdout().readline())

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
