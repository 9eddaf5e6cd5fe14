"""README's scheduling section works as written: its units parse, its commands exist, its config runs."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cli_runner import clean_environment
from usage_reports.cli._main import build_parser

README = Path(__file__).resolve().parent.parent / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"### {title}")
    following = re.compile(r"^#{2,3} ", flags=re.MULTILINE).search(text, start + 4)  # the next heading
    return text[start : following.start() if following else None]


SCHEDULING = "Scheduling it: credentials, cron and a systemd timer"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(SCHEDULING), flags=re.DOTALL)


def _units() -> dict[str, tuple[configparser.ConfigParser, str]]:
    units = {}
    for block in _blocks("ini"):
        first, _, body = block.partition("\n")
        assert first.startswith("# /etc/systemd/system/"), first
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd's keys are case-sensitive
        parser.read_string(body)
        units[Path(first[2:]).name] = (parser, body)
    return units


def _config() -> dict[str, object]:
    [block] = _blocks("toml")
    return tomllib.loads(block)


def _credential_files() -> set[str]:
    return {
        str(entry["credential_file"])
        for tables in _config().values()
        if isinstance(tables, list)
        for entry in tables
        if "credential_file" in entry
    }


def _usage_reports_arguments(command: str) -> list[str]:
    words = shlex.split(command)
    [position] = [i for i, word in enumerate(words) if word.endswith("/usage-reports")]
    return words[position + 1 :]


def test_the_readme_service_and_timer_parse_as_units_with_the_keys_they_need() -> None:
    units = _units()
    assert set(units) == {"usage-reports.service", "usage-reports.timer"}
    service, body = units["usage-reports.service"]
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["User"]
    assert service["Service"]["WorkingDirectory"] == "/srv/usage"
    loaded = re.findall(r"^LoadCredential=([^:\n]+):(\S+)$", body, flags=re.MULTILINE)
    assert {name for name, _ in loaded} == _credential_files()  # every key the config names, handed over
    assert all(source == f"/srv/usage/credentials/{name}" for name, source in loaded)
    timer, _ = units["usage-reports.timer"]
    assert timer["Timer"]["OnCalendar"] == "*-*-02 06:00:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    exec_start = service["Service"]["ExecStart"]
    assert exec_start.startswith("/srv/usage/.venv/bin/usage-reports ")
    parsed = build_parser().parse_args(_usage_reports_arguments(exec_start))
    assert parsed.command == "fetch-all"


def test_the_readme_cron_line_runs_a_command_that_exists_with_the_credentials_directory() -> None:
    [block] = _blocks("cron")
    [line] = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    fields = line.split(None, 5)
    assert fields[:5] == ["0", "6", "2", "*", "*"]
    command = fields[5]
    assert "%" not in command  # cron would cut the line there
    assert "CREDENTIALS_DIRECTORY=/srv/usage/credentials " in command
    parsed = build_parser().parse_args(_usage_reports_arguments(command))
    assert parsed.command == "fetch-all"
    assert parsed.quiet
    assert str(parsed.config) == "usage.toml"


def test_the_readme_config_and_command_run_as_written_in_the_sandbox(tmp_path: Path) -> None:
    (tmp_path / "usage.toml").write_text(_blocks("toml")[0], encoding="utf-8")
    [block] = _blocks("cron")
    [line] = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    arguments = _usage_reports_arguments(line.split(None, 5)[5])
    done = subprocess.run(
        [sys.executable, "-m", "usage_reports", "sandbox", "--", *arguments],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # -q: nothing on success, as cron wants it
    [folder] = (tmp_path / "usage").iterdir()
    assert (folder / "manifest.json").exists()


@pytest.mark.parametrize("name", ["edge-impulse.key", "altostrat.key", "statsig-a.key", "statsig-b.key"])
def test_the_readme_creates_every_key_file_its_config_names(name: str) -> None:
    [setup, *_] = _blocks("bash")
    assert name in _credential_files()
    assert name.removesuffix(".key") in setup
    assert "chmod 600 credentials/*.key" in setup
