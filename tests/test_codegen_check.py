"""`python -m tools.codegen check` catches every kind of drift; `generate` is deterministic.

Each test works on a copy of specs/, generated/, tools/ and pyproject.toml
(tools.codegen takes the parent of tools/ as the repository root) and runs the
real generator, pinned in the test dependency group, in a subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tools import codegen as codegen_module

pytestmark = pytest.mark.slow

COPIED = ("specs", "generated", "tools", "pyproject.toml")
ALTOSTRAT_ENDPOINT = (
    "generated/usage_reports_clients/altostrat/api/organizations/get_workspaces_workspace_id_organizations_usage_pdf.py"
)


@pytest.fixture
def repo_copy(repo_root: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    copy.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ruff_cache", ".mypy_cache")
    for name in COPIED:
        source = repo_root / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        else:
            shutil.copy2(source, copy / name)
    return copy


def codegen(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUFF_NO_CACHE": "true", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "tools.codegen", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )


def change_one_character(path: Path, old: str, new: str) -> None:
    """Replace the first occurrence of ``old`` by ``new``, which differs from it in exactly one character."""
    assert len(old) == len(new)
    assert sum(a != b for a, b in zip(old, new, strict=True)) == 1
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_check_passes_on_an_unchanged_copy(repo_copy: Path) -> None:
    result = codegen(repo_copy, "check")
    assert result.returncode == 0, result.stderr
    assert "codegen check passed" in result.stdout


def test_check_fails_with_a_unified_diff_when_a_generated_file_was_edited(repo_copy: Path) -> None:
    edited = repo_copy / ALTOSTRAT_ENDPOINT
    change_one_character(edited, "Export organization usage as PDF", "Export organization usage as PDf")

    result = codegen(repo_copy, "check")

    assert result.returncode != 0
    assert f"--- {ALTOSTRAT_ENDPOINT} (committed)" in result.stderr
    assert f"+++ {ALTOSTRAT_ENDPOINT} (regenerated)" in result.stderr
    assert "\n@@ " in result.stderr
    assert "nox -s generate" in result.stderr
    assert "generated/usage_reports_clients/statsig" not in result.stderr, "only the drifted package is reported"


def test_check_fails_naming_the_spec_edited_without_regenerating(repo_copy: Path) -> None:
    change_one_character(repo_copy / "specs" / "statsig.yaml", "Get Report in CSV format", "Get Report in CSV formaT")

    result = codegen(repo_copy, "check")

    assert result.returncode != 0
    assert "specs/statsig.yaml" in result.stderr
    assert "does not match specs/provenance.json" in result.stderr
    assert "specs/altostrat.yaml:" not in result.stderr


def test_check_fails_naming_a_stale_file_in_a_generated_package(repo_copy: Path) -> None:
    (repo_copy / "generated" / "usage_reports_clients" / "statsig" / "stale_helper.py").write_text(
        "X = 1\n", encoding="utf-8"
    )

    result = codegen(repo_copy, "check")

    assert result.returncode != 0
    assert "generated/usage_reports_clients/statsig/stale_helper.py" in result.stderr
    assert "stale, not generated" in result.stderr


def test_generate_twice_leaves_identical_bytes(repo_copy: Path) -> None:
    first = codegen(repo_copy, "generate")
    assert first.returncode == 0, first.stderr
    after_first = snapshot(repo_copy / "generated")

    second = codegen(repo_copy, "generate")
    assert second.returncode == 0, second.stderr
    after_second = snapshot(repo_copy / "generated")

    assert after_first.keys() == after_second.keys()
    assert [name for name in after_first if after_first[name] != after_second[name]] == []
    assert not list((repo_copy / "generated").rglob(".ruff_cache"))


def test_generate_fails_on_a_generator_warning_and_keeps_nothing_half_done(repo_copy: Path) -> None:
    """Without the content-type overrides the generator only warns (and drops the PDF body): that must fail."""
    config = repo_copy / "specs" / "codegen.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  application/pdf: application/octet-stream\n", ""), encoding="utf-8")
    before = {p: p.read_bytes() for p in (repo_copy / "generated").rglob("*") if p.is_file()}
    result = codegen(repo_copy, "generate")
    assert result.returncode != 0
    assert "warning" in result.stderr.lower()
    assert "usage_reports_clients.altostrat" in result.stderr
    after = {p: p.read_bytes() for p in (repo_copy / "generated").rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in repo_copy.iterdir()) == sorted(COPIED)  # no temporary folder left behind


def test_record_accepts_a_deliberate_spec_edit_and_check_then_passes(repo_copy: Path) -> None:
    spec = repo_copy / "specs" / "statsig.yaml"
    change_one_character(spec, "summary: Get Report in CSV format", "summary: Get Report in CSV formaT")
    refused = codegen(repo_copy, "generate")
    assert refused.returncode != 0
    assert "specs/statsig.yaml" in refused.stderr
    assert "--record" in refused.stderr
    recorded = codegen(repo_copy, "generate", "--record")
    assert recorded.returncode == 0, recorded.stderr
    assert codegen(repo_copy, "check").returncode == 0


# --------------------------------------------------------------------------- bytes and modes, not lines

NAMESPACE = "generated/usage_reports_clients"
STATSIG_API = "generated/usage_reports_clients/statsig/api/usage/get_console_v1_project_usage_billing_report.py"


def _delete_empty_marker(root: Path) -> str:
    marker = root / NAMESPACE / "py.typed"
    assert marker.read_bytes() == b""  # compared as lines, its absence was invisible
    marker.unlink()
    return f"{NAMESPACE}/py.typed: missing from generated/ (the generator writes it: empty)"


def _add_empty_stale_file(root: Path) -> str:
    (root / NAMESPACE / "statsig" / "leftover.py").write_bytes(b"")
    return f"{NAMESPACE}/statsig/leftover.py: stale, not generated (empty)"


def _empty_a_generated_file(root: Path) -> str:
    (root / STATSIG_API).write_bytes(b"")
    return f"{STATSIG_API}: emptied (the generator writes"


def _make_a_generated_file_executable(root: Path) -> str:
    path = root / STATSIG_API
    path.chmod(path.stat().st_mode | 0o111)
    return f"{STATSIG_API}: mode 100755 in generated/, the generator writes 100644"


@pytest.mark.parametrize(
    "break_it",
    [_delete_empty_marker, _add_empty_stale_file, _empty_a_generated_file, _make_a_generated_file_executable],
    ids=lambda f: f.__name__.strip("_"),
)
def test_check_fails_on_every_deleted_added_emptied_or_mode_changed_file(repo_copy: Path, break_it: Any) -> None:
    expected = break_it(repo_copy)

    result = codegen(repo_copy, "check")

    assert result.returncode == 1, result.stdout
    assert expected in result.stderr
    assert "codegen check FAILED. Fix: run `nox -s generate`" in result.stderr


def test_tree_comparison_reports_each_kind_of_drift_and_nothing_else(tmp_path: Path) -> None:
    committed, fresh = tmp_path / "committed", tmp_path / "fresh"
    for root in (committed, fresh):
        (root / "pkg").mkdir(parents=True)
        (root / "pkg" / "same.py").write_bytes(b"X = 1\n")
        (root / "pkg" / "__pycache__").mkdir()
    (committed / "pkg" / "__pycache__" / "same.cpython-311.pyc").write_bytes(b"\x00cache")  # never compared
    (fresh / "pkg" / "py.typed").write_bytes(b"")  # deleted from committed
    (committed / "pkg" / "stale.txt").write_bytes(b"")  # added to committed
    (committed / "pkg" / "emptied.py").write_bytes(b"")
    (fresh / "pkg" / "emptied.py").write_bytes(b"Y = 2\n")
    for root in (committed, fresh):
        (root / "pkg" / "script.py").write_bytes(b"Z = 3\n")
    (committed / "pkg" / "script.py").chmod(0o755)
    (fresh / "pkg" / "binary.bin").write_bytes(b"\xff\x00")
    (committed / "pkg" / "binary.bin").write_bytes(b"\xfe\x00")
    (fresh / "pkg" / "linked.py").write_bytes(b"W = 4\n")
    (committed / "pkg" / "linked.py").symlink_to("same.py")

    drift = dict(codegen_module.diff_trees(committed, fresh))

    assert sorted(drift) == [
        "pkg/binary.bin",
        "pkg/emptied.py",
        "pkg/linked.py",
        "pkg/py.typed",
        "pkg/script.py",
        "pkg/stale.txt",
    ]
    assert drift["pkg/py.typed"] == ["generated/pkg/py.typed: missing from generated/ (the generator writes it: empty)"]
    assert drift["pkg/stale.txt"] == ["generated/pkg/stale.txt: stale, not generated (empty)"]
    assert drift["pkg/emptied.py"][0].startswith("generated/pkg/emptied.py: emptied (the generator writes 6 bytes")
    assert "+Y = 2\n" in drift["pkg/emptied.py"]
    assert drift["pkg/script.py"] == ["generated/pkg/script.py: mode 100755 in generated/, the generator writes 100644"]
    assert drift["pkg/binary.bin"][0].startswith("generated/pkg/binary.bin: content differs (2 bytes, sha256")
    assert len(drift["pkg/binary.bin"]) == 1  # no text diff of binary content
    assert (
        drift["pkg/linked.py"][0] == "generated/pkg/linked.py: mode 120000 in generated/, the generator writes 100644"
    )
