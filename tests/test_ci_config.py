"""The CI workflows and the pre-commit hooks use the project's own pins and its own nox sessions.

zizmor (`nox -s workflows`) checks the workflows' security (pinned actions, permissions, credentials);
these tests check that what they run is what a developer runs.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"


def _load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _pins(group: str) -> dict[str, str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pins = {}
    for requirement in pyproject["dependency-groups"][group]:
        if isinstance(requirement, str) and "==" in requirement:
            name, _, version = requirement.partition("==")
            pins[name.strip()] = version.strip()
    return pins


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_pre_commit_hooks_pin_the_versions_pyproject_pins() -> None:
    config = _load(REPO / ".pre-commit-config.yaml")
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {repo["repo"] for repo in config["repos"]} == {"local"}  # nothing fetched but PyPI packages
    wanted = {**_pins("lint"), **_pins("typecheck")}
    pinned = {
        name: version
        for hook in hooks.values()
        for name, _, version in (dep.partition("==") for dep in hook.get("additional_dependencies", []))
    }
    assert pinned["ruff"] == wanted["ruff"]
    assert pinned["nox"] == wanted["nox"]
    assert hooks["codegen-check"]["entry"] == "nox -s codegen_check"
    assert {"ruff-check", "ruff-format"} <= set(hooks)


def test_ci_runs_the_default_nox_sessions_on_every_supported_python() -> None:
    workflow = _load(WORKFLOWS / "ci.yml")
    [job] = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs[-1] == ".venv/bin/nox"  # the default set, exactly what `nox` runs locally
    noxfile = (REPO / "noxfile.py").read_text(encoding="utf-8")
    assert 'nox.options.sessions = ["lint", "typecheck", "codegen_check", "tests", "workflows", "extras"]' in noxfile
    assert "pull_request" in workflow[True]  # YAML reads the key `on` as True


def test_every_action_is_pinned_by_commit_and_checkout_keeps_no_credentials() -> None:
    steps = [step for path in sorted(WORKFLOWS.glob("*.yml")) for step in _steps(_load(path))]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref) for ref in uses), uses
    checkouts = [step for step in steps if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_scheduled_update_opens_a_pull_request_with_the_change_report() -> None:
    workflow = _load(WORKFLOWS / "update-specs.yml")
    assert workflow[True]["schedule"]
    assert workflow["permissions"] == {}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert '.venv/bin/nox -s update_specs -- --markdown "$RUNNER_TEMP/report.md"' in script
    assert ".venv/bin/nox -s generate" in script
    assert '--body-file "$RUNNER_TEMP/report.md"' in script
