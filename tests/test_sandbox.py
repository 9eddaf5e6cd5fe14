"""`usage-reports sandbox`: the simulators from a shell, to try one's own config exactly as cron runs it."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from cli_runner import MONTHLY_CONFIG, clean_environment


def usage_reports(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "usage_reports", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sandbox_prints_the_environment_a_fetch_all_runs_against_and_stops_on_sigterm(tmp_path: Path) -> None:
    (tmp_path / "usage.toml").write_text(MONTHLY_CONFIG)
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "usage_reports", "sandbox"],
        cwd=tmp_path,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sandbox.stdout is not None
        environment = clean_environment()
        for line in sandbox.stdout:  # blocks until the sandbox has printed its environment: it is serving then
            words = shlex.split(line)
            if words[0] == "unset":
                break
            assert words[0] == "export"
            name, value = words[1].split("=", 1)
            environment[name] = value
        assert set(environment) >= {"EDGE_IMPULSE_BASE_URL", "ALTOSTRAT_TOKEN", "STATSIG_CONSOLE_API_KEY"}
        assert environment["STATSIG_BASE_URL"].startswith("http://127.0.0.1:")
        done = usage_reports("fetch-all", "usage.toml", "--out-dir", "out", "--json", cwd=tmp_path, env=environment)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["ok"]
        sandbox.send_signal(signal.SIGTERM)
        _, stderr = sandbox.communicate(timeout=60)
    finally:
        if sandbox.poll() is None:
            sandbox.kill()
            sandbox.wait()
    assert sandbox.returncode == 0
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == "usage-reports: sandbox: stopped by SIGTERM; the simulators are closed"


CONFIG_WITH_CREDENTIALS = """\
[defaults]
period = "last-month"

[[edge_impulse]]
organization_id = 1
inner_organization_id = 3
poll_interval = 0.01

[[statsig]]
name = "a"
credential_env = "STATSIG_KEY_A"

[[statsig]]
name = "b"
credential_file = "statsig-b"

[[altostrat]]
workspace_id = "ws_a1b2c3d4e5f6g7h8"
"""


def test_sandbox_runs_ones_own_config_with_the_sandbox_keys_and_exits_with_its_code(tmp_path: Path) -> None:
    (tmp_path / "usage.toml").write_text(CONFIG_WITH_CREDENTIALS)
    real = {**clean_environment(), "EDGE_IMPULSE_API_KEY": "a-real-key", "STATSIG_KEY_A": "another-real-key"}
    done = usage_reports(
        "sandbox", "--", "fetch-all", "usage.toml", "--out-dir", "out", "--json", cwd=tmp_path, env=real
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    # tenant 3's report and its compute time, two Statsig projects, one Altostrat PDF
    assert [entry["ok"] for entry in document["entries"]] == [True] * 5
    assert (tmp_path / "out" / "manifest.json").exists()

    (tmp_path / "bad.toml").write_text('[[statsig]]\nperiod = "2026-13"\n')
    bad = usage_reports("sandbox", "--", "fetch-all", "bad.toml", "--out-dir", "out", cwd=tmp_path, env=real)
    assert bad.returncode == 2
    assert "bad.toml: statsig[1].period: " in bad.stderr


def test_sandbox_refuses_an_absolute_credential_file_a_real_key_is_never_sent_to_a_simulator(tmp_path: Path) -> None:
    key = tmp_path / "real.key"
    key.write_text("a-real-key\n")
    key.chmod(0o600)
    (tmp_path / "usage.toml").write_text(f'[[statsig]]\nend = "2026-11-01"\ncredential_file = "{key}"\n')
    done = usage_reports(
        "sandbox", "--", "fetch-all", "usage.toml", "--out-dir", "out", cwd=tmp_path, env=os.environ.copy()
    )
    assert done.returncode == 2
    assert f"statsig[1].credential_file: {key} is an absolute path" in done.stderr
    assert "a-real-key" not in done.stderr
    assert not (tmp_path / "out").exists()
