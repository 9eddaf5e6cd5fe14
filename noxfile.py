"""Every workflow of the project is a nox session; `nox` alone runs the CI set.

    nox                       lint, typecheck, codegen_check, tests, workflows, extras (what CI runs)
    nox -s generate           regenerate generated/ from specs/
    nox -s codegen_check      fail with a diff when generated/ drifted from specs/
    nox -s lint               ruff on handwritten code, import-linter on the layers
    nox -s typecheck          mypy --strict on handwritten and generated code
    nox -s tests              pytest (loopback HTTP servers only, no network)
    nox -s demo               the whole product against built-in local simulators
    nox -s update_specs       pull specs from upstream and report what changed
    nox -s bench              benchmarks, side by side with a reference
    nox -s workflows          zizmor (offline) on .github/, and the pre-commit config validated
    nox -s focus              a charges file checked by the FOCUS project's own validator (Python 3.12)
    nox -s extras             each extra (s3, gcs, azure, aiohttp, data) installed in a fresh venv and imported

Tool versions live in pyproject.toml's dependency groups, not here.
"""

from __future__ import annotations

import os
import re

import nox
import nox.command

nox.needs_version = ">=2025.5.1"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "codegen_check", "tests", "workflows", "extras"]
nox.options.error_on_missing_interpreters = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
HANDWRITTEN = ["facade/usage_reports", "tools", "tests", "benchmarks", "noxfile.py"]
GENERATED_NAMESPACE = "usage_reports_clients"  # generated/usage_reports_clients/{edgeimpulse,altostrat,statsig}
# The generated code is checked with these settings alone (`--config-file=` skips pyproject.toml's
# [tool.mypy], written for the handwritten code), so a change there cannot loosen or break this check.
GENERATED_MYPY = ["--config-file=", "--strict", "--warn-unreachable", "--python-version", "3.11", "--no-incremental"]


def _install_groups(session: nox.Session, *groups: str) -> None:
    requirements: list[str] = []
    for group in groups:
        requirements.extend(nox.project.dependency_groups(PYPROJECT, group))
    session.install(*requirements)


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate the three client packages in generated/ (`-- --record` accepts local spec edits)."""
    _install_groups(session, "codegen", "specs")
    session.run("python", "-m", "tools.codegen", "generate", *session.posargs, env={"RUFF_NO_CACHE": "true"})


@nox.session
def codegen_check(session: nox.Session) -> None:
    """Regenerate into a temporary folder and fail with a unified diff on any drift."""
    _install_groups(session, "codegen", "specs")
    session.run("python", "-m", "tools.codegen", "check", env={"RUFF_NO_CACHE": "true"})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on the handwritten code, and import-linter on the layers (generated/ is checked by its own pinned hooks)."""
    _install_groups(session, "lint")
    session.install("--no-deps", "-e", ".")  # import-linter reads the package's import graph where it is installed
    session.run("ruff", "check", *HANDWRITTEN)
    session.run("ruff", "format", "--check", *HANDWRITTEN)
    session.run("lint-imports", "--no-cache")  # the layer contracts in pyproject.toml ([tool.importlinter])


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the facade, tools and tests, then on the generated clients."""
    _install_groups(session, "typecheck", "codegen")
    session.install("-e", ".[data]")
    session.run("mypy", *HANDWRITTEN)
    session.run("mypy", *GENERATED_MYPY, "-p", GENERATED_NAMESPACE, env={"MYPYPATH": "generated"})


@nox.session
def tests(session: nox.Session) -> None:
    """pytest on loopback servers; `-- -k NAME` etc. are passed through."""
    _install_groups(session, "test")
    session.install(".[data]")
    # Three workers on two cores: much of the suite waits on loopback servers and subprocesses, not on the CPU.
    # One worker per test file, so a module's expensive fixture (the benchmark smoke run) runs once.
    args = session.posargs or ["-q", "-n", "3", "--dist", "loadfile"]
    session.run("pytest", *args, env={"RUFF_NO_CACHE": "true", "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")})


@nox.session
def update_specs(session: nox.Session) -> None:
    """Pull specs from upstream, vendor them and report changes; fails on a breaking change (`-- statsig --json`).

    nox's own exit status is the tool's (docs/MAINTAINING.md): 0 nothing breaking, 1 breaking, 2 fetch/parse
    failure or usage error. nox reports every failed session as 1, so any other code leaves nox as SystemExit.
    """
    _install_groups(session, "spec-update")
    try:
        session.run("python", "-m", "tools.spec_update", *session.posargs, success_codes=[0])
    except nox.command.CommandFailed as exc:
        if exc.return_code is None or exc.return_code == 1:
            raise
        session.log(f"tools.spec_update exited {exc.return_code}; nox exits with the same code")
        raise SystemExit(exc.return_code) from exc


@nox.session
def workflows(session: nox.Session) -> None:
    """zizmor, offline, on .github/ (pinned actions, least permissions, no persisted credentials, no injection)."""
    _install_groups(session, "workflows")
    session.run("zizmor", "--offline", "--no-progress", "--format", "plain", ".github/")
    session.run("pre-commit", "validate-config", ".pre-commit-config.yaml")


#: What each extra must make importable: the store's filesystem class through fsspec's registry (and a URL
#: resolved by the library, naming this extra in its install hint), or the aiohttp transport.
_EXTRA_CHECKS = {
    "s3": ("s3", "s3fs"),
    "gcs": ("gs", "gcsfs"),
    "azure": ("az", "adlfs"),
}
_STORE_CHECK = """
import sys, fsspec
from usage_reports import destinations
from usage_reports.destinations._object_stores import _extra_providing
protocol, package, extra = sys.argv[1:]
cls = fsspec.get_filesystem_class(protocol)
assert cls.__module__.split(".")[0] == package, cls
location = destinations.resolve(f"{protocol}://bucket/usage/report.csv")
assert isinstance(location, destinations.ObjectLocation), location
assert _extra_providing(package) == extra, _extra_providing(package)
print(f"{extra}: {cls.__module__}.{cls.__name__}")
"""


@nox.session
@nox.parametrize("extra", ["s3", "gcs", "azure", "aiohttp", "data"])
def extras(session: nox.Session, extra: str) -> None:
    """Install the project with one extra in a fresh venv and import it (s3 beside boto3, as AWS users have it)."""
    beside = ["boto3"] if extra == "s3" else []
    session.install(f".[{extra}]", *beside)
    if extra == "aiohttp":
        session.run(
            "python", "-c", "from usage_reports.aiohttp_transport import AiohttpTransport; print(AiohttpTransport)"
        )
        return
    if extra == "data":
        session.run(
            "python", "-c", "import duckdb; from usage_reports.usage import UsageTable, RateCard; print(UsageTable)"
        )
        return
    protocol, package = _EXTRA_CHECKS[extra]
    session.run("python", "-c", _STORE_CHECK, protocol, package, extra)


@nox.session
def demo(session: nox.Session) -> None:
    """The whole product against built-in local simulators: no account, no network (`-- --out-dir DIR`)."""
    session.install(".")
    args = session.posargs or ["--out-dir", os.path.join(session.create_tmp(), "usage-reports-demo")]
    session.run("usage-reports", "demo", *args)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks side by side with a reference, on loopback (`-- --smoke`, `-- --only B1,B3`, `-- --json PATH`)."""
    _install_groups(session, "codegen", "specs", "bench")  # B6 times tools.codegen with the pinned generator
    session.install(".[data]")  # B9 reads run folders with DuckDB
    session.run("python", "-m", "benchmarks", *session.posargs, env={"RUFF_NO_CACHE": "true"})


#: `nox -s focus`: the FOCUS project's validator and the rules it checks against (it needs Python >= 3.12).
FOCUS_VALIDATOR = "focus-validator==2.2.1"
FOCUS_RULES = "1.2.0.1"
FOCUS_CRITERIA = "USAGE_MEASUREMENT_SUPPORTED,SUB_ACCOUNT_SUPPORTED,UNIT_PRICING_SUPPORTED,ACCOUNT_NAMING_SUPPORTED"
#: The one failure accepted. InvoiceId-C-004-C (null when the charge is on no invoice) and C-005-C (not null when it
#: is on an issued or provisional invoice) cannot both pass without knowing the association, which the validator
#: cannot see; it checks both on every row. These charges are computed from usage before anyone invoices them and
#: no invoice number comes from anywhere but the user, so InvoiceId is null: C-004 passes, C-005 is the one left.
FOCUS_ACCEPTED_FAILURES = frozenset({"InvoiceId-C-005-C"})


@nox.session(python="3.12", default=False)
def focus(session: nox.Session) -> None:
    """Price sample run folders into charges.parquet and validate it with focus-validator (FOCUS 1.2).

    Needs a Python 3.12 on PATH: with pyenv, `PYENV_VERSION=3.12.1 nox -s focus`
    (or `nox -s focus --force-python /path/to/python3.12`).
    """
    session.install(".[data]", FOCUS_VALIDATOR)
    session.install("numpy>=2")  # the validator pins numpy<2, which its pyarrow no longer runs with (NOTES)
    tmp = session.create_tmp()
    charges = os.path.abspath(os.path.join(tmp, "charges.parquet"))
    runs = os.path.abspath(os.path.join(tmp, "runs"))
    session.run("python", "tests/usage_runs.py", "--sample", runs, "--charges", charges)
    where = session.run(
        "python",
        "-c",
        "import focus_validator, os; print(os.path.dirname(os.path.dirname(focus_validator.__file__)))",
        silent=True,
    )
    assert isinstance(where, str)
    with session.chdir(where.strip()):  # it reads focus_validator/rules/currency_codes.csv from the working folder
        output = session.run(
            "python",
            "-m",
            "focus_validator.main",
            "--data-file",
            charges,
            "--block-download",
            "--validate-version",
            FOCUS_RULES,
            "--applicability-criteria",
            FOCUS_CRITERIA,
            silent=True,
        )
    assert isinstance(output, str)
    # it exits 0 whatever it finds: its report is read instead
    totals = re.search(r"Total: (\d+) \| Pass: (\d+) \| Fail: (\d+) \| Skipped: (\d+)", output)
    if totals is None:
        session.error(f"focus-validator printed no totals:\n{output[-3000:]}")
    failed = set(re.findall(r"^- ([A-Za-z]+-[A-Z]-\d+-[A-Z]):", output, flags=re.MULTILINE))
    session.log(totals.group(0) + (f"; failed: {', '.join(sorted(failed))}" if failed else ""))
    if int(totals.group(2)) == 0 or len(failed) != int(totals.group(3)):
        session.error(f"could not read focus-validator's report:\n{output[-3000:]}")
    unexpected = failed - FOCUS_ACCEPTED_FAILURES
    if unexpected:
        details = [line for line in output.splitlines() if any(rule in line for rule in unexpected)]
        session.error("FOCUS rules failed: " + ", ".join(sorted(unexpected)) + "\n" + "\n".join(details))
