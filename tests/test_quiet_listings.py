"""-q silences the listing commands' tables like any text on success; --json's document still prints."""

from __future__ import annotations

import json

import pytest
from cli_runner import Run


@pytest.mark.parametrize(
    "command",
    [
        ("edge-impulse-tenants", "--organization-id", "1"),
        ("edge-impulse-reports", "--organization-id", "1", "--inner-organization-id", "3"),
    ],
)
def test_quiet_prints_no_listing_table_but_json_still_prints(run: Run, command: tuple[str, ...]) -> None:
    table = run(*command)
    assert table.returncode == 0, table.stderr
    assert table.stdout.strip()  # the table, without -q
    quiet = run(*command, "-q")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == ""
    assert quiet.stderr == ""
    as_json = run(*command, "-q", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["rows"]
