"""Each request field is declared once (``usage_reports._fields.field``) and serves Python, the CLI and the config.

The declaration's one conversion checks the value on every surface; each surface names the field the way
its user wrote it, at the moment the message is made: ``EdgeImpulseUsageReport.organization_id`` from
Python, ``--organization-id`` on the command line, ``usage.toml: edge_impulse[1].organization_id`` in a config.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import date

import pytest
from usage_reports import EdgeImpulseUsageReport, InvalidRequest, Period, StatsigUsageReport
from usage_reports._fields import METADATA_KEY, FieldError, Text, positive_int, specs
from usage_reports._providers.edge_impulse._model import ReportsQuery, TenantsQuery
from usage_reports.batch._config import ConfigError, config_keys, parse_config, parse_config_text
from usage_reports.cli._main import build_parser, main

OCTOBER = Period.month(2026, 10)


@pytest.fixture(autouse=True)
def library_logger_restored() -> Iterator[None]:
    """main() configures the `usage_reports` logger; other tests in this process rely on its defaults."""
    library = logging.getLogger("usage_reports")
    saved = (list(library.handlers), library.propagate, library.level)
    yield
    library.handlers[:], library.propagate, library.level = saved


def test_one_organization_id_declaration_serves_python_the_cli_and_the_config(
    capsys: pytest.CaptureFixture[str],
) -> None:
    (declared,) = [spec for spec in specs(EdgeImpulseUsageReport) if spec.name == "organization_id"]
    assert (declared.option, declared.key, declared.required) == ("--organization-id", "organization_id", True)
    # Python: the class's own name for the field
    assert EdgeImpulseUsageReport(7, 2, period=OCTOBER).organization_id == 7
    with pytest.raises(InvalidRequest) as from_python:
        EdgeImpulseUsageReport(0, 2, period=OCTOBER)
    assert str(from_python.value) == "EdgeImpulseUsageReport.organization_id must be a positive integer, got 0"
    # the CLI: the option, parsed from its text by the same conversion
    args = build_parser().parse_args(["edge-impulse", "--organization-id", "7", "--inner-organization-id", "2"])
    assert getattr(args, "field:organization_id") == 7
    with pytest.raises(SystemExit, match="2"):
        main(["edge-impulse", "--organization-id", "0", "--inner-organization-id", "2", "--period", "2026-10"])
    assert "error: argument --organization-id: must be a positive integer, got 0 " in capsys.readouterr().err
    # the config: the key, under its entry
    table = "[[edge_impulse]]\norganization_id = {}\ninner_organization_id = 2\nperiod = '2026-10'\n"
    config = parse_config_text(table.format(7), "usage.toml")
    assert config.entries[0].request == EdgeImpulseUsageReport(7, 2, period=OCTOBER)
    with pytest.raises(ConfigError) as from_config:
        parse_config_text(table.format(0), "usage.toml")
    assert from_config.value.problems == [
        "usage.toml: edge_impulse[1].organization_id: must be a positive integer, got 0"
    ]
    # ...and the listings share the very same declaration
    for query in (TenantsQuery, ReportsQuery):
        field = {f.name: f for f in dataclasses.fields(query)}["organization_id"]
        assert (
            field.metadata[METADATA_KEY]
            == {f.name: f for f in dataclasses.fields(EdgeImpulseUsageReport)}["organization_id"].metadata[METADATA_KEY]
        )


def test_text_is_parsed_only_when_it_comes_from_the_command_line() -> None:
    assert positive_int(Text("12")) == 12
    with pytest.raises(FieldError, match="not a string"):
        positive_int("12")  # a TOML string or a Python str is not an id
    with pytest.raises(FieldError, match="got 'twelve'"):
        positive_int(Text("twelve"))
    with pytest.raises(FieldError, match="not a boolean"):
        positive_int(True)


def test_a_conversion_may_normalise_a_python_value() -> None:
    request = StatsigUsageReport(end="2026-11-01")  # type: ignore[arg-type]  # ISO text, as in a config
    assert request.end == date(2026, 11, 1)


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("python", "StatsigUsageReport: start must be before end"),
        ("cli", "statsig: --start must be before --end"),
        ("config", "usage.toml: statsig[1]: start must be before end"),
    ],
)
def test_a_rule_over_two_fields_names_them_in_each_surfaces_words(
    surface: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if surface == "python":
        with pytest.raises(InvalidRequest) as info:
            StatsigUsageReport(end=date(2026, 10, 1), start=date(2026, 11, 1))
        said = str(info.value)
    elif surface == "cli":
        assert main(["statsig", "--start", "2026-11-01", "--end", "2026-10-01", "-o", "-"]) == 2
        said = capsys.readouterr().err
    else:
        with pytest.raises(ConfigError) as failed:
            parse_config({"statsig": [{"start": date(2026, 11, 1), "end": date(2026, 10, 1)}]}, "usage.toml")
        said = "\n".join(failed.value.problems)
    assert expected in said


def test_config_keys_and_the_example_derive_from_the_declarations() -> None:
    from usage_reports._providers import provider_named
    from usage_reports.batch._config import example_config

    edge = provider_named("edge_impulse")
    assert edge is not None
    keys = {key.name: key for key in config_keys(edge)}
    assert list(keys) == [s.key for s in specs(EdgeImpulseUsageReport) if not s.period]
    assert keys["inner_organization_id"].required
    assert 'or "all"' in keys["inner_organization_id"].help
    assert "(default 600)" in keys["max_wait"].help
    assert 'inner_organization_id = "all"' in example_config()


def test_a_list_in_a_config_gives_one_request_per_value_and_all_an_expansion() -> None:
    text = '[defaults]\nperiod = "2026-10"\n[[edge_impulse]]\norganization_id = 1\ninner_organization_id = {}\n'
    listed = parse_config_text(text.format("[3, 4]"), "c.toml").entries
    assert [e.request for e in listed] == [EdgeImpulseUsageReport(1, n, period=OCTOBER) for n in (3, 4)]
    (every,) = parse_config_text(text.format('"all"'), "c.toml").entries
    assert getattr(every.request, "describe", None) == "every tenant of organization 1"
    with pytest.raises(ConfigError, match=r'report_id: names one inner_organization_id, not "all"'):
        parse_config_text(text.format('"all"') + "report_id = 3\nperiod = '2026-10'\n", "c.toml")


def test_an_entry_s_bad_period_or_unknown_key_does_not_hide_its_field_errors() -> None:
    """One run shows every mistake of an entry: its request keys are checked after its own keys failed."""
    text = (
        "[[edge_impulse]]\norganization_id = 0\ninner_organization_id = 2\nperiod = '2026-13'\n"
        "[[statsig]]\nstat = 1\nend = 'soon'\n"
    )
    with pytest.raises(ConfigError) as refused:
        parse_config_text(text, "usage.toml")
    problems = [str(problem) for problem in refused.value.problems]
    assert any(p.startswith("usage.toml: edge_impulse[1].period: ") for p in problems)
    assert "usage.toml: edge_impulse[1].organization_id: must be a positive integer, got 0" in problems
    assert any(p.startswith("usage.toml: statsig[1].stat: unknown key") for p in problems)
    assert any(p.startswith("usage.toml: statsig[1].end: ") for p in problems)
    assert not any("period: missing" in p for p in problems)  # the bad period is reported once, not as missing
