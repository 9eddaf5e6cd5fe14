"""Issue 21 point 9: words that do not mislead (the CLI's names, keys per provider, what a command needs)."""

from __future__ import annotations

from cli_runner import Run


def test_fetch_all_help_lists_credential_type_and_period_only_for_the_providers_that_take_them(run: Run) -> None:
    done = run("fetch-all", "--help")
    assert done.returncode == 0
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("  [")}
    assert "credential_type" in lines["[[edge_impulse]]"]
    assert "period" in lines["[[edge_impulse]]"]
    assert "credential_type" not in lines["[[statsig]]"]
    assert "period" in lines["[[statsig]]"]
    assert "credential_type" not in lines["[[altostrat]]"]
    assert "period" not in lines["[[altostrat]]"]
    [every] = [line for line in done.stdout.splitlines() if "any entry may also have" in line]
    assert every.endswith("name, credential_env, credential_file")
