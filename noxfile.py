"""Every workflow of the project is a nox session; `nox` alone runs the CI set.

    nox                       lint, typecheck, codegen_check, tests, workflows, extras (what CI runs)
    nox -s generate           regenerate generated/ from specs/
    nox -s codegen_check      fail with a diff when generated/ drifted from specs/
    nox -s lint               ruff on handwritten code
    nox -s typecheck          mypy --strict on handwritten and generated code
    nox -s tests              pytest (loopback HTTP servers only, no network)
    nox -s demo               the whole product against built-in local simulators
    nox -s update_specs       pull specs from upstream and report what changed
    nox -s bench              benchmarks, side by side with a reference
    nox -s workflows          zizmor (offline) on .github/, and the pre-commit config validated
    nox -s extras             each extra (s3, gcs, azure, aiohttp) installed in a fresh venv and imported

Tool versions live in pyproject.toml's dependency groups, not here.
"""

from __future__ import annotations

import os

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
    """ruff on the handwritten code (generated/ is checked by its own pinned hooks)."""
    _install_groups(session, "lint")
    session.run("ruff", "check", *HANDWRITTEN)
    session.run("ruff", "format", "--check", *HANDWRITTEN)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the facade, tools and tests, then on the generated clients."""
    _install_groups(session, "typecheck", "codegen")
    session.install("-e", ".")
    session.run("mypy", *HANDWRITTEN)
    session.run("mypy", *GENERATED_MYPY, "-p", GENERATED_NAMESPACE, env={"MYPYPATH": "generated"})


@nox.session
def tests(session: nox.Session) -> None:
    """pytest on loopback servers; `-- -k NAME` etc. are passed through."""
    _install_groups(session, "test")
    session.install(".")
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
@nox.parametrize("extra", ["s3", "gcs", "azure", "aiohttp"])
def extras(session: nox.Session, extra: str) -> None:
    """Install the project with one extra in a fresh venv and import it (s3 beside boto3, as AWS users have it)."""
    beside = ["boto3"] if extra == "s3" else []
    session.install(f".[{extra}]", *beside)
    if extra == "aiohttp":
        session.run(
            "python", "-c", "from usage_reports.aiohttp_transport import AiohttpTransport; print(AiohttpTransport)"
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
    session.install(".")
    session.run("python", "-m", "benchmarks", *session.posargs, env={"RUFF_NO_CACHE": "true"})
