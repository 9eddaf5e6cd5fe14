"""The config a user writes once: [defaults], periods per entry, tenant lists, and every mistake in one run."""

from __future__ import annotations

from datetime import date

import pytest
from snapshots import today
from usage_reports import EdgeImpulseUsageReport, Period, StatsigUsageReport
from usage_reports._contract import Expansion
from usage_reports.batch._config import ConfigError, parse_config_text

MONTHLY = """\
[defaults]
period = "last-month"
timezone = "Europe/Berlin"

[[edge_impulse]]
organization_id = 1
inner_organization_id = "all"

[[edge_impulse]]
name = "pinned"
organization_id = 1
inner_organization_id = [4, 5]
period = "2026-06"

[[statsig]]
name = "project-a"
credential_env = "STATSIG_KEY_A"

[[altostrat]]
workspace_id = "ws_a1b2c3d4e5f6g7h8"
"""


def test_defaults_give_every_periodic_entry_last_month_in_the_zone() -> None:
    config = parse_config_text(MONTHLY, "monthly.toml", as_of=date(2026, 11, 2))
    assert config.period == Period.month(2026, 10, "Europe/Berlin")
    every_tenant, pinned_4, pinned_5, statsig, altostrat = config.entries
    assert isinstance(every_tenant.request, Expansion)
    assert every_tenant.request.describe == "every tenant of organization 1"
    assert isinstance(statsig.request, StatsigUsageReport)
    assert statsig.request.period == Period.month(2026, 10, "Europe/Berlin")
    assert statsig.filename == "project-a-statsig-usage-2026-10.csv"
    assert not isinstance(altostrat.request, Expansion)
    assert altostrat.request.parameters() == {"workspace_id": "ws_a1b2c3d4e5f6g7h8", "taken_on": today()}
    assert [pinned_4.label, pinned_5.label] == [
        "edge_impulse[2] (pinned) organization_id=1 inner_organization_id=4",
        "edge_impulse[2] (pinned) organization_id=1 inner_organization_id=5",
    ]


def test_an_entrys_own_period_wins_over_defaults_and_over_the_command_line() -> None:
    config = parse_config_text(MONTHLY, "monthly.toml", period="2026-09", as_of=date(2026, 11, 2))
    assert config.period is not None
    assert config.period.label == "2026-09"
    pinned = config.entries[1].request
    assert isinstance(pinned, EdgeImpulseUsageReport)
    assert pinned.period == Period.month(2026, 6, "Europe/Berlin")
    statsig = config.entries[3].request
    assert isinstance(statsig, StatsigUsageReport)
    assert statsig.period == Period.month(2026, 9, "Europe/Berlin")


def test_the_same_config_names_each_month_by_as_of_alone() -> None:
    october = parse_config_text(MONTHLY, "m.toml", as_of=date(2026, 11, 2)).entries[3].filename
    november = parse_config_text(MONTHLY, "m.toml", as_of=date(2026, 12, 2)).entries[3].filename
    assert (october, november) == ("project-a-statsig-usage-2026-10.csv", "project-a-statsig-usage-2026-11.csv")


def test_every_mistake_of_a_config_is_reported_in_one_run_naming_entry_and_key() -> None:
    text = """\
[defaults]
period = "last-quarter"
timezone = "Mars/Olympus"

[[edge_impulse]]
organization_id = 1
inner_organization_id = 2
report_id = 3
period = "2026-10"

[[statsig]]
period = "2026-13"

[[statsig]]
period = "2026-10-31..2026-10-01"

[[altostrat]]
workspace_id = "ws_a"
period = "2026-10"
"""
    with pytest.raises(ConfigError) as info:
        parse_config_text(text, "bad.toml")
    problems = info.value.problems
    expected = [
        "bad.toml: [defaults].timezone: unknown time zone 'Mars/Olympus'",
        "bad.toml: [defaults].period: 'last-quarter' is not a period",
        "bad.toml: edge_impulse[1]: give exactly one of report_id and period",
        "bad.toml: statsig[1].period: '2026-13' is not a month",
        "bad.toml: statsig[2].period: '2026-10-31..2026-10-01' is reversed",
        "bad.toml: altostrat[1].period: altostrat reports have no period",
    ]
    for start in expected:
        assert any(problem.startswith(start) for problem in problems), (start, problems)
    assert len(problems) == len(expected)
    assert all("\n" not in problem for problem in problems)


def test_a_periodic_entry_without_any_period_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"statsig\[1\] \(a\)\.period: missing; give the entry a period or end"):
        parse_config_text('[[statsig]]\nname = "a"\n', "c.toml")
    with pytest.raises(ConfigError, match=r"edge_impulse\[1\]\.period: missing; give the entry a period or report_id"):
        parse_config_text("[[edge_impulse]]\norganization_id = 1\ninner_organization_id = 2\n", "c.toml")


@pytest.mark.parametrize(
    ("inner", "message"),
    [
        ('"some"', 'inner_organization_id: must be a positive integer, not a string \\(or a list of them, or "all"\\)'),
        ("[]", "the list is empty"),
        ("[2, 2]", "inner_organization_id: the list names 2 twice"),
        ("[2, 0]", "inner_organization_id: must be a positive integer, got 0"),
    ],
)
def test_tenant_selection_must_be_an_id_a_list_or_all(inner: str, message: str) -> None:
    text = f'[defaults]\nperiod = "2026-10"\n[[edge_impulse]]\norganization_id = 1\ninner_organization_id = {inner}\n'
    with pytest.raises(ConfigError, match=message):
        parse_config_text(text, "c.toml")


def test_a_report_id_entry_needs_no_period_and_keeps_working() -> None:
    config = parse_config_text(
        "[[edge_impulse]]\norganization_id = 1\ninner_organization_id = 2\nreport_id = 3\n", "c.toml"
    )
    assert config.entries[0].filename == "edge-impulse-usage-1-2-3.csv"
    assert config.period is None


def test_the_printed_example_config_is_valid_and_names_every_provider() -> None:
    from usage_reports._providers import providers
    from usage_reports.batch._config import example_config

    text = example_config()
    config = parse_config_text(text, "example", as_of=date(2026, 11, 2))
    assert [entry.provider for entry in config.entries] == [p.name for p in providers()]
    assert config.period == Period.month(2026, 10)
    assert "# credential_type" in text


def test_a_bad_default_period_is_reported_once_not_again_for_every_entry_relying_on_it() -> None:
    text = '[defaults]\nperiod = "last-month"\n[[statsig]]\nname = "a"\n[[statsig]]\nname = "b"\nperiod = "2026-13"\n'
    with pytest.raises(ConfigError) as info:
        parse_config_text(text, "c.toml", period="2026-01..2026-02")
    assert len(info.value.problems) == 2
    assert info.value.problems[0].startswith("--period: '2026-01..2026-02' is not a period")
    assert info.value.problems[1].startswith("c.toml: statsig[2] (b).period: '2026-13' is not a month")


def test_every_bad_value_of_one_entry_is_reported_in_the_same_run() -> None:
    text = (
        '[defaults]\nperiod = "2026-10"\n[[edge_impulse]]\norganization_id = 1\n'
        'inner_organization_id = [2, "x", -1]\nmax_wait = -5\npoll_interval = 0\n'
    )
    with pytest.raises(ConfigError) as info:
        parse_config_text(text, "c.toml")
    problems = info.value.problems
    for key in ("max_wait", "poll_interval"):
        assert any(p.startswith(f"c.toml: edge_impulse[1].{key}: must be a positive number") for p in problems), key
    assert sum("inner_organization_id: must be a positive integer" in p for p in problems) == 2  # "x" and -1
    assert len(problems) == 4
