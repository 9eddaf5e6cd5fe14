"""Logs that name the entry: in a batch every record says which entry (label) and provider it belongs to,
in text and with --log-format json (one object per line on stderr), redacted, never a URL.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import Run
from usage_reports._logging import (
    JsonLogFormatter,
    TextLogFormatter,
    bind_logging_context,
    current_logging_context,
    logger,
    logging_context,
)
from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY, Reply, VendorSimulators

TWO_PROJECTS = """\
[[statsig]]
name = "project-a"
end = 2026-11-01

[[statsig]]
name = "project-b"
credential_env = "STATSIG_KEY_B"
end = 2026-10-01
"""
LABELS = {"statsig[1] (project-a)", "statsig[2] (project-b)"}
SECRET_KEY_B = "console-project-b-key-0123456789"


def _two_failing_projects(run: Run, tmp_path: Path, simulators: VendorSimulators, *options: str) -> str:
    """fetch-all of two Statsig projects, each answered 503 once (no retry): their stderr."""
    (tmp_path / "usage.toml").write_text(TWO_PROJECTS, encoding="utf-8")
    simulators.queue("statsig", Reply(status=503), Reply(status=503))
    result = run(
        "fetch-all",
        "usage.toml",
        "--out-dir",
        "out",
        "--max-retries",
        "0",
        *options,
        env={"STATSIG_KEY_B": SECRET_KEY_B},
    )
    assert result.returncode == 1, result.stderr
    assert len(simulators.requests_to("statsig")) == 2
    stderr = result.stderr
    assert SANDBOX_STATSIG_CONSOLE_KEY not in stderr
    assert SECRET_KEY_B not in stderr
    assert "http://" not in stderr
    assert "https://" not in stderr
    return stderr


@pytest.mark.slow
def test_text_log_lines_of_a_batch_each_name_their_entry(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    stderr = _two_failing_projects(run, tmp_path, simulators, "-vv")

    records = [line for line in stderr.splitlines() if re.match(r"usage-reports: (debug|info|warning): ", line)]
    labels_of_failures = set()
    for line in records:
        label = next((label for label in LABELS if f": {label}: statsig " in line), None)
        assert label is not None, f"a log line names no entry: {line}"
        if " failed " in line:
            assert "status=503" in line
            labels_of_failures.add(label)
    assert labels_of_failures == LABELS  # two projects' failures, told apart
    assert any(" response " in line for line in records)  # -vv: the responses too


@pytest.mark.slow
def test_json_logs_are_one_object_per_line_naming_entry_provider_and_numbers(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    stderr = _two_failing_projects(run, tmp_path, simulators, "-vv", "--log-format", "json")

    lines = stderr.splitlines()
    documents: list[dict[str, Any]] = [json.loads(line) for line in lines]  # every stderr line is a JSON object
    records = [d for d in documents if d["level"] != "error"]
    errors = [d for d in documents if d["level"] == "error"]
    assert records
    assert len(errors) == 2
    for record in records:
        assert list(record)[:6] == ["time", "level", "event", "label", "provider", "operation"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"])
        assert record["label"] in LABELS
        assert record["provider"] == "statsig"
        assert isinstance(record["attempt"], int)
        assert isinstance(record["duration"], float)
    failed = [r for r in records if r["event"] == "failed"]
    assert {r["label"] for r in failed} == LABELS
    assert all(r["status"] == 503 and r["error"] == "ServerError" for r in failed)
    assert {r["event"] for r in records} == {"response", "failed"}
    assert all("project-" in e["message"] and "HTTP 503" in e["message"] for e in errors)


@pytest.mark.slow
def test_without_verbose_json_stderr_holds_only_the_error_objects(
    run: Run, tmp_path: Path, simulators: VendorSimulators
) -> None:
    stderr = _two_failing_projects(run, tmp_path, simulators, "--log-format", "json")

    errors = [json.loads(line) for line in stderr.splitlines()]
    assert [error["level"] for error in errors] == ["error", "error"]
    assert sorted(error["label"] for error in errors) == ["statsig[1] (project-a)", "statsig[2] (project-b)"]
    assert {error["provider"] for error in errors} == {"statsig"}


def test_a_usage_error_is_a_json_object_with_json_log_format(run: Run) -> None:
    result = run("statsig", "--end", "2026-11-01T00:00:00", "--log-format", "json")

    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    document = json.loads(line)
    assert document["level"] == "error"
    assert "offset" in document["message"]


# --- the context, in process --------------------------------------------------------------------------------


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The library's records, as the CLI writes them with --log-format json, into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter(lambda text: text.replace("s3cr3t-value", "[REDACTED]")))
    saved = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)


def _json_records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_concurrent_tasks_each_keep_their_own_entry_in_their_records(captured: io.StringIO) -> None:
    async def entry(label: str, mine: asyncio.Event, theirs: asyncio.Event) -> None:
        bind_logging_context(label=label, provider="statsig")
        logger.info("first")
        mine.set()
        await theirs.wait()  # the other task has bound its own label meanwhile
        logger.info("second")

    async def batch() -> None:
        a, b = asyncio.Event(), asyncio.Event()
        await asyncio.gather(entry("statsig[1] (a)", a, b), entry("statsig[2] (b)", b, a))

    asyncio.run(batch())

    records = _json_records(captured)
    assert [(r["message"], r["label"]) for r in records if r["label"] == "statsig[1] (a)"] == [
        ("first", "statsig[1] (a)"),
        ("second", "statsig[1] (a)"),
    ]
    assert sorted((r["message"], r["label"]) for r in records if r["label"] == "statsig[2] (b)") == [
        ("first", "statsig[2] (b)"),
        ("second", "statsig[2] (b)"),
    ]
    assert current_logging_context() == {}  # nothing leaked out of the tasks


def test_logging_context_nests_and_restores(captured: io.StringIO) -> None:
    with logging_context(label="altostrat[1]", provider="altostrat"):
        with logging_context(operation="usage_pdf"):
            logger.info("inner")
        logger.info("outer")
    logger.info("outside")

    inner, outer, outside = _json_records(captured)
    assert (inner["label"], inner["provider"], inner["operation"]) == ("altostrat[1]", "altostrat", "usage_pdf")
    assert (outer["label"], outer["operation"]) == ("altostrat[1]", None)
    assert (outside["label"], outside["provider"]) == (None, None)


def test_records_are_redacted_in_both_formats(captured: io.StringIO) -> None:
    text_stream = io.StringIO()
    text = logging.StreamHandler(text_stream)
    text.setFormatter(TextLogFormatter("usage-reports", lambda line: line.replace("s3cr3t-value", "[REDACTED]")))
    logger.addHandler(text)
    try:
        with logging_context(label="statsig[1] (s3cr3t-value)"):
            logger.warning("echoed %s", "s3cr3t-value")
    finally:
        logger.removeHandler(text)

    (record,) = _json_records(captured)
    assert record["label"] == "statsig[1] ([REDACTED])"
    assert record["message"] == "echoed [REDACTED]"
    assert text_stream.getvalue() == "usage-reports: warning: statsig[1] ([REDACTED]): echoed [REDACTED]\n"


def test_help_of_log_format_names_its_fields(run: Run) -> None:
    shown = " ".join(run("statsig", "--help").stdout.split())

    assert "--log-format {text,json}" in shown
    assert "label, provider, operation, attempt, status, duration" in shown
