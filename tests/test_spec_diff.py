"""The change report's classification, pinned by one fixture pair per class of change.

Each folder in tests/fixtures/spec_changes holds old.yaml, new.yaml and
expected.json (whether the change is breaking and the exact change kinds).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tools.spec_diff import BREAKING, diff_documents, load_document, main, validate_document

FIXTURES = Path(__file__).parent / "fixtures" / "spec_changes"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
SPECS = Path(__file__).resolve().parent.parent / "specs"


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
    }
    assert required <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_fixture_pair_is_classified_as_expected(case: str) -> None:
    folder = FIXTURES / case
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    old, new = load_document(folder / "old.yaml"), load_document(folder / "new.yaml")
    validate_document(old, "old.yaml")  # a fixture that is not valid OpenAPI would prove nothing
    validate_document(new, "new.yaml")

    report = diff_documents(old, new)

    assert sorted({c.kind for c in report.changes}) == sorted(expected["kinds"]), report.text_lines()
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
