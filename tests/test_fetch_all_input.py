"""Mistakes fetch-all refuses before anything is sent, and what it says of a period still under way.

``--out-dir -`` is not a folder; a period that has not started has no usage
(asking would still create report jobs at a vendor); a period that has not
ended is fine but said plainly: in the CLI, a warning line; in Python,
``RunResult.warnings``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_runner import Run
from manifest_checks import manifest_of
from usage_reports import batch
from usage_reports.batch import Config, ConfigError
from usage_reports.testing import VendorSimulators

CONFIG = '[[statsig]]\nname = "web"\n'
FUTURE = "2099-03"


def _current_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def _config(tmp_path: Path, text: str = CONFIG) -> Path:
    path = tmp_path / "usage.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_out_dir_dash_is_refused_in_one_line_naming_the_option_and_nothing_is_sent(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    _config(tmp_path)

    result = run("fetch-all", "usage.toml", "--out-dir", "-", "--period", "2026-10")

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("usage-reports: error: --out-dir -: ")
    assert "not to stdout" in lines[0]
    assert simulators.requests == []
    assert not (tmp_path / "-").exists()


def test_a_period_that_has_not_started_is_refused_naming_the_option_before_any_request(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    _config(tmp_path)

    result = run("fetch-all", "usage.toml", "--out-dir", "out/{period}", "--period", FUTURE)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"usage-reports: error: --period: the period {FUTURE} has not started yet "
        f"(it starts {FUTURE}-01T00:00:00+00:00); nothing was sent"
    ]
    assert simulators.requests == []
    assert not (tmp_path / "out").exists()


def test_a_period_that_has_not_started_names_the_config_key_it_came_from(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    _config(tmp_path, f'[defaults]\nperiod = "{FUTURE}"\n\n{CONFIG}')

    result = run("fetch-all", "usage.toml", "--out-dir", "out")

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert f"usage.toml: [defaults].period: the period {FUTURE} has not started yet" in result.stderr
    assert simulators.requests == []


def test_a_period_that_has_not_started_is_a_config_error_from_python_naming_period(
    tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators
) -> None:
    config = Config.load(_config(tmp_path, f'[defaults]\nperiod = "2026-10"\n\n{CONFIG}'))

    with pytest.raises(ConfigError, match=rf"^period: the period {FUTURE} has not started yet"):
        batch.run(config, out_dir=tmp_path / "out", period=FUTURE, environ=vendor_env)

    assert simulators.requests == []


def test_a_period_that_has_not_ended_is_said_plainly_in_the_cli_and_the_run_result(
    run: Run, tmp_path: Path, vendor_env: dict[str, str], simulators: VendorSimulators
) -> None:
    _config(tmp_path)
    month = _current_month()
    warning = f"the period {month} has not ended: the report covers up to now"

    cli = run("fetch-all", "usage.toml", "--out-dir", "cli", "--period", month)

    assert cli.returncode == 0, cli.stderr
    assert cli.stderr.splitlines() == [f"usage-reports: warning: {warning}"]
    assert manifest_of(tmp_path / "cli")["summary"]["ok"] is True

    config = Config.load(_config(tmp_path, f'[defaults]\nperiod = "2026-10"\n\n{CONFIG}'))
    result = batch.run(config, out_dir=tmp_path / "py", period=month, environ=vendor_env)

    assert result.ok
    assert result.warnings == [warning]


def test_an_unset_credential_env_is_reported_with_the_other_config_errors_before_anything_is_sent(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    _config(
        tmp_path,
        '[[statsig]]\nname = "web"\ncredential_env = "UNSET_STATSIG_KEY"\nbogus = 1\n\n'
        '[[altostrat]]\nworkspace_id = "ws_a1b2c3d4e5f6g7h8"\ncredential_env = "UNSET_ALTOSTRAT_KEY"\n',
    )

    result = run("fetch-all", "usage.toml", "--out-dir", "out", "--period", "2026-10")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "usage-reports: error: usage.toml: statsig[1] (web).bogus: unknown key; "
        "statsig entries take credential_env, end, name, period, start",
        "usage-reports: error: usage.toml: statsig[1] (web).credential_env: "
        "the environment variable UNSET_STATSIG_KEY is not set",
        "usage-reports: error: usage.toml: altostrat[1].credential_env: "
        "the environment variable UNSET_ALTOSTRAT_KEY is not set",
    ]
    assert simulators.requests == []

    with pytest.raises(ConfigError) as raised:
        Config.from_dict({"statsig": [{"credential_env": "UNSET_STATSIG_KEY", "bogus": 1}]}, period="2026-10")
    assert [str(p) for p in raised.value.problems][1:] == [
        "<dict>: statsig[1].credential_env: the environment variable UNSET_STATSIG_KEY is not set"
    ]
