"""Issue 21 point 9: words that do not mislead (the CLI's names, keys per provider, what a command needs)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from cli_runner import Run
from s3_server import S3, s3_fixture, s3_server_fixture  # noqa: F401 - the fixtures s3, s3_server


def test_fetch_all_help_lists_credential_type_and_period_only_for_the_providers_that_take_them(run: Run) -> None:
    done = run("fetch-all", "--help")
    assert done.returncode == 0
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("  [")}
    assert "credential_type" in lines["[[edge_impulse]]"]
    assert "period" in lines["[[edge_impulse]]"]
    assert "credential_type" not in lines["[[statsig]]"]
    assert "period" in lines["[[statsig]]"]
    assert "credential_type" not in lines["[[altostrat]]"]
    assert "period" not in lines["[[altostrat]]"]
    [every] = [line for line in done.stdout.splitlines() if "any entry may also have" in line]
    assert every.endswith("name, credential_env, credential_file")


def test_an_existing_object_on_s3_says_force_on_the_command_line_not_the_python_name(run: Run, s3: S3) -> None:
    s3.put("usage.pdf", b"last month's report")
    aws = {name: value for name, value in os.environ.items() if name.startswith("AWS_")}
    done = run("altostrat", "--workspace-id", "ws_a1", "-o", s3.url("usage.pdf"), env=aws)
    assert done.returncode == 2
    assert "'s3://usage-bucket/usage.pdf' already exists; use --force to replace it" in done.stderr
    assert "overwrite" not in done.stderr
    assert s3.get("usage.pdf") == b"last month's report"


def test_the_python_api_still_says_overwrite_true() -> None:
    from usage_reports._wording import replace_hint, replacing_with

    assert replace_hint() == "pass overwrite=True"
    with replacing_with("use --force"):
        assert replace_hint() == "use --force"
    assert replace_hint() == "pass overwrite=True"


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening, closed: a connection to it is refused
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_connection_error_names_the_host_and_the_base_url_override_in_effect(run: Run) -> None:
    port = _closed_port()
    base = f"http://127.0.0.1:{port}"
    done = run("statsig", "--period", "2026-10", "--max-retries", "0", "-o", "out.csv", env={"STATSIG_BASE_URL": base})
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert f"connection failed on the api request to 127.0.0.1:{port} (STATSIG_BASE_URL is set: {base}):" in line
    assert "console-sandbox-key" not in line


def test_config_alone_says_what_it_needs_and_the_choices(run: Run) -> None:
    done = run("config")
    assert done.returncode == 2
    assert "required: what" not in done.stderr
    assert "usage-reports config needs WHAT to print; the choices: example" in done.stderr
    assert "usage-reports config example > usage.toml" in done.stderr


def test_manifest_given_a_file_says_it_is_a_file_and_takes_the_manifest_itself(run: Run, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    done = run("manifest", "notes.txt")
    assert done.returncode == 2
    assert "DIR notes.txt: is a file, not a folder; give the folder fetch-all wrote" in done.stderr
    assert "no such folder" not in done.stderr
    (tmp_path / "usage.toml").write_text('[[statsig]]\nend = "2026-11-01"\n')
    assert run("fetch-all", "usage.toml", "--out-dir", "out", "-q").returncode == 0
    shown = run("manifest", "out/manifest.json", "--json")
    assert shown.returncode == 0, shown.stderr
