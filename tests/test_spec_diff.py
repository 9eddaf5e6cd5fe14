"""The change report's classification, pinned by one fixture pair per class of change.

Each folder in tests/fixtures/spec_changes holds old.yaml, new.yaml and
expected.json (whether the change is breaking and the exact change kinds).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tools.spec_diff import (
    BREAKING,
    FacadeUsage,
    canonical_model,
    credential_wire_name,
    diff_documents,
    generated_module,
    load_document,
    load_facade_usage,
    main,
    validate_document,
)

FIXTURES = Path(__file__).parent / "fixtures" / "spec_changes"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"


def test_every_class_of_change_in_the_issue_has_a_fixture() -> None:
    required = {
        "operation_removed",
        "operation_renamed",
        "path_changed",
        "method_changed",
        "required_parameter_added",
        "parameter_removed",
        "parameter_renamed",
        "parameter_type_changed",
        "parameter_location_changed",
        "security_header_changed",
        "security_cookie_changed",
        "security_scheme_changed",
        "success_status_changed",
        "success_media_type_changed",
        "response_removed",
        "optional_parameter_added",
        "response_added",
        "descriptions_and_examples_changed",
        "second_tag_added",
        "tag_case_changed",
        "first_tag_changed_by_reorder",
        "security_unused_alternative_dropped",
        "security_used_alternative_dropped",
    }
    assert required <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_fixture_pair_is_classified_as_expected(case: str) -> None:
    folder = FIXTURES / case
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    old, new = load_document(folder / "old.yaml"), load_document(folder / "new.yaml")
    validate_document(old, "old.yaml")  # a fixture that is not valid OpenAPI would prove nothing
    validate_document(new, "new.yaml")

    declared = expected.get("facade_credentials")
    usage = FacadeUsage(frozenset(map(credential_wire_name, declared)), "fixture") if declared else FacadeUsage()

    report = diff_documents(old, new, usage)

    assert sorted({c.kind for c in report.changes}) == sorted(expected["kinds"]), report.text_lines()
    assert all(c.why for c in report.changes), "every verdict says why"
    assert bool(report.breaking) is expected["breaking"], report.text_lines()
    if expected["breaking"]:  # the change the fixture is named after is the one marked breaking
        assert any(c.severity == BREAKING and c.kind == expected["kinds"][0] for c in report.changes)


@pytest.mark.parametrize("name", ["edgeimpulse", "altostrat", "statsig"])
def test_a_vendored_spec_compared_with_itself_has_no_change(name: str) -> None:
    document = load_document(SPECS / f"{name}.yaml")
    assert diff_documents(document, document).changes == []


def test_renamed_operation_message_names_both_operation_ids() -> None:
    folder = FIXTURES / "operation_renamed"
    report = diff_documents(load_document(folder / "old.yaml"), load_document(folder / "new.yaml"))
    [change] = report.changes
    assert "'getUsageReport'" in change.message
    assert "'downloadUsageReport'" in change.message


def test_cli_exits_1_and_says_breaking_on_a_breaking_change(capsys: pytest.CaptureFixture[str]) -> None:
    folder = FIXTURES / "success_media_type_changed"
    assert main([str(folder / "old.yaml"), str(folder / "new.yaml")]) == 1
    out = capsys.readouterr().out
    assert "BREAKING" in out
    assert "'text/csv' to 'application/json'" in out


def test_cli_exits_0_on_non_breaking_changes_and_prints_json_with_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    folder = FIXTURES / "optional_parameter_added"
    assert main([str(folder / "old.yaml"), str(folder / "new.yaml"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["breaking"] is False
    assert [c["kind"] for c in payload["changes"]] == ["optional-parameter-added"]


def test_cli_reads_json_documents_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = FIXTURES / "response_removed"
    new_json = tmp_path / "new.json"
    new_json.write_text(json.dumps(load_document(folder / "new.yaml")), encoding="utf-8")
    assert main([str(folder / "old.yaml"), str(new_json)]) == 1
    assert "documented response 400 removed" in capsys.readouterr().out


def test_cli_exits_2_on_an_invalid_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = FIXTURES / "response_added"
    broken = tmp_path / "broken.yaml"
    shutil.copy(folder / "new.yaml", broken)
    broken.write_text(broken.read_text(encoding="utf-8").replace("openapi: 3.0.3", "openapi: banana"), encoding="utf-8")
    assert main([str(folder / "old.yaml"), str(broken)]) == 2
    assert "not a valid OpenAPI document" in capsys.readouterr().err


def test_cli_exits_2_on_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.yaml"), str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cli_exits_2_on_bad_usage() -> None:
    assert main(["only-one-argument"]) == 2


def test_a_change_the_facade_never_sees_is_still_breaking_when_no_usage_is_declared() -> None:
    """Without specs/facade_usage.yaml's word, every authentication alternative counts as used."""
    folder = FIXTURES / "security_unused_alternative_dropped"
    report = diff_documents(load_document(folder / "old.yaml"), load_document(folder / "new.yaml"))
    [change] = report.changes
    assert change.severity == BREAKING
    assert "no facade usage declared" in change.why


def test_the_report_prints_why_under_each_verdict() -> None:
    folder = FIXTURES / "second_tag_added"
    lines = diff_documents(load_document(folder / "old.yaml"), load_document(folder / "new.yaml")).text_lines()
    assert lines[1].endswith("tag 'Billing' added")
    assert "why: the generator uses only the first tag" in lines[2]
    assert "(api/usage/get_usage_report.py)" in lines[2]


def test_cli_judges_security_by_the_declared_facade_usage(capsys: pytest.CaptureFixture[str]) -> None:
    folder = FIXTURES / "security_header_changed"
    old, new = str(folder / "old.yaml"), str(folder / "new.yaml")
    assert main([old, new, "--facade", "statsig"]) == 0  # statsig's facade sends STATSIG-API-KEY, never X-Api-Key
    assert "the facade sends api key in header 'statsig-api-key'" in capsys.readouterr().out
    assert main([old, new]) == 1
    assert main([old, new, "--facade", "stripe"]) == 2
    assert "no entry in specs/facade_usage.yaml" in capsys.readouterr().err


# --------------------------------------------------------------------------- generated code and facade usage


@pytest.mark.parametrize("name", ["edgeimpulse", "altostrat", "statsig"])
def test_generated_module_paths_are_the_ones_the_pinned_generator_writes(name: str) -> None:
    """The change report's "module moves" rule predicts the generator's file names exactly."""
    document = load_document(SPECS / f"{name}.yaml")
    predicted = {
        generated_module(path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    }
    package = REPO / "generated" / "usage_reports_clients" / name
    actual = {p.relative_to(package).as_posix() for p in (package / "api").rglob("*.py") if p.name != "__init__.py"}
    assert predicted == actual


@pytest.mark.parametrize("name", ["edgeimpulse", "altostrat", "statsig"])
def test_every_declared_facade_credential_is_one_the_vendored_spec_accepts(name: str) -> None:
    usage = load_facade_usage(REPO, name)
    assert usage.credentials, f"specs/facade_usage.yaml declares nothing for {name}"
    operations = canonical_model(load_document(SPECS / f"{name}.yaml"))["operations"]
    assert operations
    for key, operation in operations.items():
        assert usage.credentials <= set(operation["security"]), key
