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

import pytest

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
