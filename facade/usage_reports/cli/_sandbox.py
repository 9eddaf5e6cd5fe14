"""`usage-reports sandbox`: the built-in simulators on loopback, for trying your own config or job from a shell.

    usage-reports sandbox                                  serve them; print the environment that points at them
    usage-reports sandbox -- fetch-all usage.toml --out-dir /tmp/try

The first form prints ``export NAME=VALUE`` lines (each provider's ``*_BASE_URL``
and its sandbox key: public test values only the simulators accept) and serves
until Ctrl-C or SIGTERM, which stop it cleanly (exit 0). The second runs the
``usage-reports`` command after ``--`` in a child process whose environment
points at the simulators, and exits with the child's exit code: the config is
exactly the one cron will run, only the vendors are simulated. The user's own
vendor variables are never passed to the child, and an entry's
``credential_env`` variable or relative ``credential_file`` is given the sandbox
key; an absolute ``credential_file`` (a real key) is refused: it is never sent
to a simulator.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from .._providers import providers
from ..batch._config import CREDENTIALS_DIRECTORY
from ..testing import sandbox_credential, sandbox_simulators, vendor_variables
from ._output import PROG, Output, UsageError


def run_sandbox(command: Sequence[str], out: Output, *, config: str | None = None) -> int:
    """Serve until stopped (no ``command``), or run ``usage-reports COMMAND...`` against the simulators.

    ``config``: the fetch-all config ``command`` runs, if any (its entries' credentials get the sandbox keys).
    """
    if command and command[0] == "sandbox":
        raise UsageError(f"{PROG} sandbox -- sandbox: the command after -- is run in the sandbox already")
    sims = sandbox_simulators().start()
    try:
        environment = sims.environment()
        if not command:
            return _serve(environment, out)
        return _run(command, environment, config)
    finally:
        sims.close()


def _serve(environment: Mapping[str, str], out: Output) -> int:
    if out.json:
        out.result({"ok": True, "environment": dict(environment)})
    else:
        for name, value in environment.items():
            out.stdout.write(f"export {name}={shlex.quote(value)}\n")
        for name in vendor_variables():
            if name not in environment:
                out.stdout.write(f"unset {name}\n")
    out.stdout.flush()
    out.note(
        f"sandbox: simulators of {', '.join(p.title for p in providers())} on 127.0.0.1 (loopback only); paste the lines "
        "above into another shell to point usage-reports at them. Ctrl-C to stop."
    )
    try:
        while True:
            time.sleep(3600)  # a stop signal raises KeyboardInterrupt here (see _signals)
    except KeyboardInterrupt as exc:
        out.note(f"sandbox: {exc or 'interrupted'}; the simulators are closed")
        return 0


def _run(command: Sequence[str], environment: Mapping[str, str], config: str | None) -> int:
    child_env = {name: value for name, value in os.environ.items() if name not in vendor_variables()}
    child_env.update(environment)
    with tempfile.TemporaryDirectory(prefix="usage-reports-sandbox-") as credentials:
        if config is not None:
            child_env.update(_config_credentials(config, Path(credentials)))
        child = subprocess.Popen([sys.executable, "-m", "usage_reports", *command], env=child_env)
        try:
            code = child.wait()
        except KeyboardInterrupt as exc:  # a stop signal for the sandbox: the child stops the same way
            signum = getattr(exc, "signum", signal.SIGINT)
            if child.poll() is None:
                child.send_signal(signum)
            code = child.wait()
    return 128 - code if code < 0 else code  # a child killed by signal N: 128 + N, as shells say


def _config_credentials(config_path: str, folder: Path) -> dict[str, str]:
    """The sandbox key in every entry's credential_env variable and credential file (in ``folder``)."""
    try:  # only the credential keys are read: the child checks the whole file, as fetch-all does
        document = tomllib.loads(Path(config_path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    variables: dict[str, str] = {}
    for provider, tables in document.items():
        for index, table in enumerate(tables if isinstance(tables, list) else [], 1):
            if not isinstance(table, dict):
                continue
            key = sandbox_credential(provider, str(table.get("credential_type", "api_key")))
            where = f"{config_path}: {provider}[{index}].credential_file"
            env, file = table.get("credential_env"), table.get("credential_file")
            if key is not None and isinstance(env, str):
                variables[env] = key
            if key is not None and isinstance(file, str):
                _sandbox_file(file, key, folder, where)
                variables[CREDENTIALS_DIRECTORY] = str(folder)
    return variables


def _sandbox_file(name: str, key: str, folder: Path, where: str) -> None:
    """The sandbox key in ``folder``/``name`` (mode 600); a name leading elsewhere (a real key) is refused."""
    if Path(name).expanduser().is_absolute():
        raise UsageError(
            f"{where}: {name} is an absolute path, a real key that the sandbox never sends to a simulator; try the "
            f"config with a relative name (looked up in ${CREDENTIALS_DIRECTORY}) or with credential_env"
        )
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise UsageError(f"{where}: {name} leads out of ${CREDENTIALS_DIRECTORY}: the sandbox never sends a real key")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key + "\n")
    path.chmod(0o600)
