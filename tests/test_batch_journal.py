"""The run state of a fetch-all folder at unit level: journal, fold, lock, merge (no vendor, no network)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from manifest_checks import manifest_of
from usage_reports.batch._config import ConfigError
from usage_reports.batch._document import merge
from usage_reports.batch._errors import FolderInUse
from usage_reports.batch._journal import JOURNAL_NAME, read_journal
from usage_reports.batch._lock import LOCK_NAME
from usage_reports.batch._records import Record, record_from_json
from usage_reports.batch._state import RunState


def _record(path: str | None, run_id: str, *, ok: bool = True) -> Record:
    return record_from_json(_record_json(path, run_id, ok=ok))


def _record_json(path: str | None, run_id: str, *, ok: bool = True) -> dict[str, Any]:
    return {
        "label": f"altostrat[1] {path}",
        "provider": "altostrat",
        "name": None,
        "period": None,
        "parameters": {},
        "credential_env": None,
        "path": path,
        "details": {},
        "ok": ok,
        "skipped": False,
        "error": None if ok else {"type": "ServerError", "message": "HTTP 500", "status_code": 500},
        "exit_code": 0 if ok else 1,
        "size": 3 if ok else None,
        "sha256": "a" * 64 if ok else None,
        "media_type": "application/pdf" if ok else None,
        "started_at": "2026-11-02T02:00:00.000Z",
        "finished_at": "2026-11-02T02:00:01.000Z",
        "run_id": run_id,
    }


def test_records_go_to_the_journal_and_manifest_json_is_written_once_at_the_end(tmp_path: Path) -> None:
    with RunState(tmp_path) as state:
        run_id = state.run.run_id
        records = [_record(f"r{i}.pdf", run_id) for i in range(50)]
        for record in records:
            state.record(record)
        assert (tmp_path / LOCK_NAME).exists()
        assert not (tmp_path / "manifest.json").exists()
        state.finish(records)
        assert read_journal(tmp_path / JOURNAL_NAME) is None  # folded and removed
    document = manifest_of(tmp_path)
    assert [r["path"] for r in document["entries"]] == [f"r{i}.pdf" for i in range(50)]
    assert document["summary"]["downloaded"] == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_an_exception_in_the_run_writes_what_finished_as_interrupted(tmp_path: Path) -> None:
    def stopped_run() -> None:
        with RunState(tmp_path) as state:
            state.record(_record("done.pdf", state.run.run_id))
            raise KeyboardInterrupt("stop")

    with pytest.raises(KeyboardInterrupt, match="stop"):
        stopped_run()
    document = manifest_of(tmp_path)
    assert document["summary"]["state"] == "interrupted"
    assert [r["path"] for r in document["entries"]] == ["done.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_a_run_stopped_before_finishing_anything_leaves_only_a_manifest_saying_interrupted(tmp_path: Path) -> None:
    """So that `usage-reports manifest DIR` can report the interrupted run (no journal or lock is left)."""

    def stopped_run() -> None:
        with RunState(tmp_path):
            raise KeyboardInterrupt("stop")

    with pytest.raises(KeyboardInterrupt, match="stop"):
        stopped_run()
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
    document = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert (document["summary"]["state"], document["summary"]["entries"], document["entries"]) == ("interrupted", 0, [])


def test_a_journal_with_a_torn_last_line_is_folded_into_the_manifest_by_the_next_run(tmp_path: Path) -> None:
    header = {"format": "usage-reports manifest journal", "version": 1, "run_id": "dead", "pid": 1, "host": "h"}
    header["started_at"] = "2026-11-02T02:00:00.000Z"
    lines = [
        json.dumps(header),
        json.dumps(_record_json("a.pdf", "dead")),
        json.dumps(_record_json("b.pdf", "dead"))[:40],
    ]
    (tmp_path / JOURNAL_NAME).write_text("\n".join(lines), encoding="utf-8")

    with RunState(tmp_path) as state:
        assert sorted(state.previous_records()) == ["a.pdf"]
        journal = read_journal(tmp_path / JOURNAL_NAME)
        assert journal is not None
        assert journal.header["run_id"] == state.run.run_id  # the dead run's was folded; this one is ours
        folded = manifest_of(tmp_path)
        assert folded["summary"]["state"] == "interrupted"
        assert folded["summary"]["run_id"] == "dead"
        state.finish([_record("c.pdf", state.run.run_id)])
    assert [r["path"] for r in manifest_of(tmp_path)["entries"]] == ["c.pdf", "a.pdf"]


def test_a_journal_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    (tmp_path / JOURNAL_NAME).write_text('{"format": "something else"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"not a usage-reports journal; move it away"), RunState(tmp_path):
        pass
    assert not (tmp_path / LOCK_NAME).exists()  # the lock is released when the start fails


def test_a_second_hold_on_the_folder_is_refused_naming_the_holder_and_the_lock_is_free_after(
    tmp_path: Path,
) -> None:
    with RunState(tmp_path) as first:
        with pytest.raises(FolderInUse, match=rf"is in use by another fetch-all \(pid {os.getpid()} on .+, started 20"):
            RunState(tmp_path).__enter__()
        first.finish([])
    with RunState(tmp_path) as again:
        again.finish([])


def test_merge_keeps_other_files_replaces_the_same_file_and_drops_records_without_a_file() -> None:
    earlier = [_record("a.pdf", "r1"), _record("b.pdf", "r1", ok=False), _record(None, "r1", ok=False)]
    merged = merge(earlier, [_record("b.pdf", "r2"), _record("c.pdf", "r2")])
    assert [(r.path, r.run_id) for r in merged] == [("b.pdf", "r2"), ("c.pdf", "r2"), ("a.pdf", "r1")]
