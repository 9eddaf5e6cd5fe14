"""The monthly job from Python: ``usage_reports.batch.run``/``arun`` on the simulators, as an Airflow task calls it.

The same config run by ``usage-reports fetch-all`` and by ``run()`` writes the
same manifest; ``run()`` prints nothing, reports progress to an observer, and
refuses bad input before anything is sent.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_runner import MONTHLY_CONFIG, Run, vendor_environment
from manifest_checks import manifest_of
from usage_reports import Statsig
from usage_reports.batch import (
    Config,
    ConfigError,
    EntryFinished,
    EntryProgressed,
    EntryStarted,
    Event,
    OutDirError,
    Problem,
    Record,
    RunPlanned,
    RunResult,
    arun,
    run,
)
from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY, EdgeImpulseSimulator, VendorSimulators

AS_OF = date(2026, 11, 3)
#: What differs between two runs of the same config: when, which run, and the simulators' ports in messages.
_PORT = re.compile(r"127\.0\.0\.1:\d+")


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in record.items() if k not in ("started_at", "finished_at", "run_id")}
    if kept["error"] is not None:
        kept["error"] = {**kept["error"], "message": _PORT.sub("HOST", kept["error"]["message"])}
    return kept


def _records(document: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted((_comparable(r) for r in document["entries"]), key=lambda r: (r["label"], r["path"] or ""))


def _config(tmp_path: Path, text: str = MONTHLY_CONFIG) -> Path:
    path = tmp_path / "usage.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("call", ["run", "arun"])
def test_run_from_python_writes_the_manifest_fetch_all_writes_and_prints_nothing(
    run: Run, tmp_path: Path, simulators: VendorSimulators, capfd: pytest.CaptureFixture[str], call: str
) -> None:
    """Each side runs on its own fresh simulators (a report made by one run is reused by the next), one download at
    a time (the simulated vendor numbers the reports it creates, and their bytes, in the order they are asked for)."""
    path = _config(tmp_path)
    cli = run(
        "fetch-all", "usage.toml", "--out-dir", "cli/{period}", "--as-of", AS_OF.isoformat(), "--concurrency", "1"
    )
    assert cli.returncode == 1, cli.stderr  # the simulated world's tenant 6 fails: exit 1, in both

    with VendorSimulators() as python_sims:
        capfd.readouterr()
        result = run_from_python(call, path, tmp_path / "python" / "{period}", vendor_environment(python_sims))
        captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")

    cli_manifest = manifest_of(tmp_path / "cli" / "2026-10")
    python_manifest = manifest_of(tmp_path / "python" / "2026-10")
    assert _records(python_manifest) == _records(cli_manifest)
    assert len(cli_manifest["entries"]) == 12  # five tenants (a report and a compute time each), Statsig, Altostrat
    assert result.state == "failed"
    assert result.exit_code == cli.returncode == python_manifest["summary"]["exit_code"]
    assert result.manifest_path == tmp_path / "python" / "2026-10" / "manifest.json"
    assert all(isinstance(r, Record) for r in result.records)
    assert [r.label for r in result.failures] == ["edge_impulse[1] organization_id=1 inner_organization_id=6"]
    assert {r.path for r in result.records} == {r["path"] for r in python_manifest["entries"]}


def run_from_python(call: str, path: Path, out_dir: Path, environ: dict[str, str]) -> RunResult:
    config = Config.load(path)
    if call == "arun":
        return asyncio.run(arun(config, out_dir=str(out_dir), as_of=AS_OF, environ=environ, concurrency=1))
    return run(config, out_dir=str(out_dir), as_of=AS_OF, environ=environ, concurrency=1)


def test_arun_runs_in_the_callers_event_loop_without_blocking_it(
    tmp_path: Path, simulators: VendorSimulators, capfd: pytest.CaptureFixture[str]
) -> None:
    simulators.vendor("edge_impulse", EdgeImpulseSimulator).set_failing(6, False)
    config = Config.load(_config(tmp_path), as_of=AS_OF)
    ticks = 0

    async def main() -> Any:
        nonlocal ticks
        task = asyncio.create_task(
            arun(config, out_dir=tmp_path / "out", environ=vendor_environment(simulators), concurrency=2)
        )
        while not task.done():
            ticks += 1
            await asyncio.sleep(0)
        return await task

    capfd.readouterr()
    result = asyncio.run(main())
    assert capfd.readouterr() == ("", "")
    assert result.state == "finished"
    assert result.exit_code == 0
    assert ticks > len(result.records)  # the loop went on turning while the downloads ran
    manifest = manifest_of(tmp_path / "out")
    assert manifest["summary"]["state"] == "finished"
    assert [r["path"] for r in manifest["entries"]] == [r.path for r in result.records]


def test_the_observer_sees_the_plan_every_download_start_progress_and_every_record(
    tmp_path: Path, simulators: VendorSimulators
) -> None:
    events: list[Event] = []
    config = Config.load(_config(tmp_path))
    result = run(
        config, out_dir=tmp_path / "out", as_of=AS_OF, environ=vendor_environment(simulators), observer=events.append
    )
    assert events[0] == RunPlanned(3)  # three config entries; one stands for every tenant
    assert RunPlanned(12) in events  # once the tenants were listed: a report and a compute time each
    finished = [e.record for e in events if isinstance(e, EntryFinished)]
    assert finished == sorted(result.records, key=finished.index)  # each record once, as it finished
    assert len(finished) == len(result.records) == 12
    started = {e.label for e in events if isinstance(e, EntryStarted)}
    assert {r.label for r in result.records if r.downloaded} <= started <= {r.label for r in result.records}
    progressed = [e for e in events if isinstance(e, EntryProgressed)]
    assert {e.label for e in progressed} <= started
    for record in result.records:
        if record.ok:
            last = [e.received for e in progressed if e.label == record.label][-1]
            assert last == record.size


def test_a_second_run_skips_every_file_and_the_records_say_so(tmp_path: Path, simulators: VendorSimulators) -> None:
    config = Config.from_dict({"statsig": [{"name": "web", "period": "2026-10"}]})
    settings = [Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url)]
    first = run(config, out_dir=tmp_path, settings=settings, environ={})
    again = run(config, out_dir=tmp_path, settings=settings, environ={})
    assert [r.downloaded for r in first.records] == [True]
    assert [r.skipped for r in again.records] == [True]
    assert again.records[0].sha256 == first.records[0].sha256
    assert again.records[0].kind == "report"
    assert len(simulators.requests_to("statsig")) == 1


def test_period_given_to_run_re_resolves_the_config_and_names_the_folder(
    tmp_path: Path, simulators: VendorSimulators
) -> None:
    config = Config.from_dict({"defaults": {"period": "last-month"}, "statsig": [{"name": "web"}]}, source="code")
    settings = [Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url)]
    september = run(config, out_dir=f"{tmp_path}/{{period}}", period="2026-09", settings=settings, environ={})
    assert september.out_dir == tmp_path / "2026-09"
    assert [r.path for r in september.records] == ["web-statsig-usage-2026-09.csv"]
    october = run(config, out_dir=f"{tmp_path}/{{period}}", as_of=AS_OF, settings=settings, environ={})
    assert october.out_dir == tmp_path / "2026-10"


def test_config_error_problems_are_a_list_of_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        Config.from_dict({"statsig": [{"name": "web", "colour": "blue"}], "nope": []}, source="code")
    problems = info.value.problems
    assert isinstance(problems, list)
    assert len(problems) == 3  # the unknown key does not hide the entry's missing period
    assert all(isinstance(p, Problem) for p in problems)
    assert any(p.message.startswith("code: statsig[1] (web).colour: unknown key") for p in problems)
    assert any(p.message.startswith("code: statsig[1] (web).period: missing") for p in problems)
    assert str(info.value) == "\n".join(problems)

    structured = ConfigError.of([Problem("statsig[1]", "period", "missing"), Problem(None, None, "two")])
    assert [(p.entry, p.key, p.message) for p in structured.problems] == [
        ("statsig[1]", "period", "missing"),
        (None, None, "two"),
    ]
    assert str(structured) == "statsig[1].period: missing\ntwo"

    with pytest.raises(ConfigError, match=r"usage.toml: config file not found"):
        Config.load(tmp_path / "usage.toml")


@pytest.mark.parametrize(
    ("out_dir", "message"),
    [
        ("usage/{month}", r"^out_dir usage/\{month\}: the only placeholder it takes is \{period\}$"),
        ("usage/{period}", r"^out_dir uses \{period\}, but no period is set: give period or \[defaults\] period$"),
    ],
)
def test_a_bad_out_dir_is_refused_before_anything_is_sent(
    tmp_path: Path, simulators: VendorSimulators, out_dir: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = Config.from_dict({"altostrat": [{"workspace_id": "ws_a1b2c3d4e5f6g7h8"}]})
    with pytest.raises(OutDirError, match=message) as info:
        run(config, out_dir=out_dir, environ=vendor_environment(simulators))
    assert isinstance(info.value, ConfigError)
    assert simulators.requests == []


def test_fetch_all_refuses_an_unknown_placeholder_in_one_line_naming_the_option(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    _config(tmp_path)
    result = run("fetch-all", "usage.toml", "--out-dir", "usage/{month}")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "usage-reports: error: --out-dir usage/{month}: the only placeholder it takes is {period}"
    ]
    assert simulators.requests == []


def test_a_run_stopped_by_ctrl_c_returns_interrupted_with_what_it_finished(
    tmp_path: Path, simulators: VendorSimulators, caplog: pytest.LogCaptureFixture
) -> None:
    config = Config.from_dict(
        {"statsig": [{"name": "a", "period": "2026-10"}, {"name": "b", "period": "2026-10"}]}, source="code"
    )
    settings = [Statsig(console_api_key=SANDBOX_STATSIG_CONSOLE_KEY, base_url=simulators.statsig_url)]

    def stop_after_the_first(event: Event) -> None:
        if isinstance(event, EntryFinished):
            raise KeyboardInterrupt

    result = run(config, out_dir=tmp_path, settings=settings, environ={}, concurrency=1, observer=stop_after_the_first)
    assert result.state == "interrupted"
    assert result.exit_code == 130
    assert [r.path for r in result.records] == ["a-statsig-usage-2026-10.csv"]
    manifest = manifest_of(tmp_path)
    assert manifest["summary"]["state"] == "interrupted"
    assert result.summary is not None
    assert result.summary.state == "interrupted"
    gc.collect()  # the run's task, collected: its KeyboardInterrupt was retrieved, nothing is logged
    assert [r.getMessage() for r in caplog.records if "never retrieved" in r.getMessage()] == []


def test_run_writes_nothing_to_stderr_in_a_script_without_logging_configured(
    tmp_path: Path, simulators: VendorSimulators
) -> None:
    """A warning (here: the journal a killed run left is folded in) goes to the logger, not to Python's last resort."""
    out = tmp_path / "out"
    out.mkdir()
    header = {"format": "usage-reports manifest journal", "version": 1, "run_id": "dead", "pid": 1, "host": "h"}
    (out / ".manifest.journal").write_text(json.dumps(header) + "\n", encoding="utf-8")
    script = (
        "import sys\n"
        "from usage_reports import Statsig\n"
        "from usage_reports.batch import Config, run\n"
        "config = Config.from_dict({'statsig': [{'name': 'web', 'period': '2026-10'}]})\n"
        f"settings = [Statsig(console_api_key={SANDBOX_STATSIG_CONSOLE_KEY!r}, base_url={simulators.statsig_url!r})]\n"
        f"result = run(config, out_dir={str(out)!r}, settings=settings, environ={{}})\n"
        "sys.exit(result.exit_code)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert manifest_of(out)["summary"]["state"] == "finished"


def test_the_batch_package_imports_nothing_from_the_cli() -> None:
    batch = Path(__file__).resolve().parent.parent / "facade" / "usage_reports" / "batch"
    sources = sorted(batch.glob("*.py"))
    assert len(sources) >= 8
    offending = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # function bodies and TYPE_CHECKING too
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "cli" and node.level == 2:
                offending.append(f"{path.name}: from ..{node.module}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("usage_reports.cli"):
                offending.append(f"{path.name}: from {node.module}")
            if isinstance(node, ast.Import) and any(a.name.startswith("usage_reports.cli") for a in node.names):
                offending.append(f"{path.name}: import usage_reports.cli")
    assert offending == []
