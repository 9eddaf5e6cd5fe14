"""Regenerate generated/ from specs/, and check that nothing has drifted.

Used by ``nox -s generate`` and ``nox -s codegen_check``; run directly as
``python -m tools.codegen {generate,check}`` from the repository root.

Why it exists rather than a plain generator call: the generator's own
``--overwrite`` leaves stale top-level files behind, leaves ``.ruff_cache``
folders, does not ship ``py.typed`` with ``--meta none`` and records nothing of
what it was made from. This module wipes the target, generates with the
pinned generator and the repository's config and templates, and stamps each
package with the spec's sha256 and the generator version.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"
PROVENANCE = SPECS / "provenance.json"
CONFIG = SPECS / "codegen.yaml"
TEMPLATES = SPECS / "templates"
STAMP_MODULE = "codegen_stamp.py"
FIX_COMMAND = "nox -s generate"


class CodegenError(Exception):
    """A failure with a message meant for the maintainer, not a traceback."""


@dataclass(frozen=True)
class SpecEntry:
    name: str
    vendor: str
    spec: Path
    package: str
    sha256: str


def load_provenance(root: Path = ROOT) -> dict[str, object]:
    data = json.loads((root / "specs" / "provenance.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise CodegenError("specs/provenance.json: expected a JSON object")
    return data


def spec_entries(root: Path = ROOT) -> list[SpecEntry]:
    specs = load_provenance(root).get("specs")
    if not isinstance(specs, dict):
        raise CodegenError("specs/provenance.json: expected a 'specs' object")
    entries = []
    for name, raw in specs.items():
        if not isinstance(raw, dict):
            raise CodegenError(f"specs/provenance.json: entry {name!r} is not an object")
        entries.append(
            SpecEntry(
                name=name,
                vendor=str(raw["vendor"]),
                spec=root / "specs" / str(raw["spec"]),
                package=str(raw["package"]),
                sha256=str(raw["sha256"]),
            )
        )
    return entries


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pinned_requirements(root: Path = ROOT) -> dict[str, str]:
    """The exact pins of the ``codegen`` dependency group in pyproject.toml."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    pins: dict[str, str] = {}
    for requirement in pyproject["dependency-groups"]["codegen"]:
        name, sep, version = str(requirement).partition("==")
        if not sep:
            raise CodegenError(f"pyproject.toml: codegen requirement {requirement!r} must be pinned with ==")
        pins[name.strip().lower()] = version.strip()
    return pins


def generator_version(root: Path = ROOT) -> str:
    """The pinned generator version, after checking it is the one installed."""
    pins = pinned_requirements(root)
    for tool in ("openapi-python-client", "ruff"):
        wanted = pins.get(tool)
        if wanted is None:
            raise CodegenError(f"pyproject.toml: the codegen group must pin {tool}")
        installed = importlib.metadata.version(tool)
        if installed != wanted:
            raise CodegenError(
                f"{tool} {installed} is installed but pyproject.toml pins {wanted}; "
                f"run through nox ({FIX_COMMAND}) so the pinned version is used"
            )
    return pins["openapi-python-client"]


def validate_spec(path: Path) -> None:
    """Raise CodegenError when the document is not a valid OpenAPI document."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    try:
        document, _ = read_from_filename(str(path))
        validate(document)
    except Exception as exc:  # the validator raises several unrelated types
        raise CodegenError(f"{path.name}: not a valid OpenAPI document: {exc}") from exc


def stamp_text(entry: SpecEntry, spec_sha256: str, version: str) -> str:
    return (
        f'"""Written by `{FIX_COMMAND}`: what this package was generated from. Do not edit."""\n'
        "\n"
        f'SPEC = "specs/{entry.spec.name}"\n'
        f'SPEC_SHA256 = "{spec_sha256}"\n'
        f'GENERATOR = "openapi-python-client"\n'
        f'GENERATOR_VERSION = "{version}"\n'
    )


def _generator_env() -> dict[str, str]:
    env = dict(os.environ)
    # The post-hooks call `ruff`: make it the one installed beside this Python.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["RUFF_NO_CACHE"] = "true"
    return env


def generate_one(entry: SpecEntry, out_dir: Path, version: str, root: Path = ROOT) -> None:
    target = out_dir / entry.package
    if target.exists():
        shutil.rmtree(target)  # --overwrite keeps stale top-level files
    command = [
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(entry.spec),
        "--meta",
        "none",
        "--config",
        str(root / "specs" / "codegen.yaml"),
        "--custom-template-path",
        str(root / "specs" / "templates"),
        "--output-path",
        str(target),
        "--fail-on-warning",
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=_generator_env(), check=False)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or "warning" in output.lower():
        raise CodegenError(f"generating {entry.package} from {entry.spec.name} failed:\n{output}")
    for cache in target.rglob(".ruff_cache"):
        shutil.rmtree(cache)
    (target / "py.typed").write_text("", encoding="utf-8")
    (target / STAMP_MODULE).write_text(stamp_text(entry, sha256_of(entry.spec), version), encoding="utf-8")


def check_spec_hashes(entries: Sequence[SpecEntry], root: Path = ROOT) -> list[str]:
    """Problems where a spec no longer matches provenance.json or its stamp."""
    problems = []
    for entry in entries:
        actual = sha256_of(entry.spec)
        if actual != entry.sha256:
            problems.append(
                f"specs/{entry.spec.name}: sha256 {actual} does not match specs/provenance.json "
                f"({entry.sha256}). The spec was edited without being recorded: pull it with "
                f"`nox -s update_specs -- {entry.name}`, or record a deliberate local edit with "
                f"`{FIX_COMMAND} -- --record`."
            )
        stamp = root / "generated" / entry.package / STAMP_MODULE
        if stamp.exists() and f'SPEC_SHA256 = "{actual}"' not in stamp.read_text(encoding="utf-8"):
            problems.append(
                f"generated/{entry.package}/{STAMP_MODULE}: stamped from another version of "
                f"specs/{entry.spec.name}; run `{FIX_COMMAND}`."
            )
    return problems


def _files(folder: Path) -> dict[str, Path]:
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def diff_trees(committed: Path, fresh: Path, label: str) -> Iterator[str]:
    """Unified diff lines between two package folders, one block per drifted file."""
    old, new = _files(committed), _files(fresh)
    for rel in sorted(old.keys() | new.keys()):
        a = old[rel].read_text(encoding="utf-8").splitlines(keepends=True) if rel in old else []
        b = new[rel].read_text(encoding="utf-8").splitlines(keepends=True) if rel in new else []
        if a == b:
            continue
        yield from difflib.unified_diff(
            a,
            b,
            fromfile=f"{label}/{rel} (committed)" if rel in old else "/dev/null (missing from generated/)",
            tofile=f"{label}/{rel} (regenerated)" if rel in new else "/dev/null (stale, not generated)",
        )


def generate(root: Path = ROOT, record: bool = False) -> None:
    entries = spec_entries(root)
    if record:
        record_hashes(root)
        entries = spec_entries(root)
    problems = [p for p in check_spec_hashes(entries, root) if p.startswith("specs/")]
    if problems:
        raise CodegenError("\n".join(problems))
    version = generator_version(root)
    # All three are generated into a temporary folder first: a failure (a
    # generator warning, an invalid spec) leaves generated/ exactly as it was.
    with tempfile.TemporaryDirectory(prefix="codegen-", dir=root) as tmp:
        for entry in entries:
            validate_spec(entry.spec)
            generate_one(entry, Path(tmp), version, root)
        for entry in entries:
            target = root / "generated" / entry.package
            if target.exists():
                shutil.rmtree(target)
            shutil.move(Path(tmp) / entry.package, target)
            print(f"generated/{entry.package} <- specs/{entry.spec.name} (openapi-python-client {version})")


def record_hashes(root: Path = ROOT) -> None:
    """Record the current sha256 of every spec in provenance.json (a deliberate local edit)."""
    data = load_provenance(root)
    specs = data["specs"]
    assert isinstance(specs, dict)
    for raw in specs.values():
        actual = sha256_of(root / "specs" / raw["spec"])
        if raw["sha256"] != actual:
            raw["sha256"] = actual
            raw["vendored"] = date.today().isoformat()
            print(f"recorded specs/{raw['spec']} sha256 {actual}")
    (root / "specs" / "provenance.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def check(root: Path = ROOT) -> list[str]:
    """Return the report lines of every drift; empty when generated/ is up to date."""
    entries = spec_entries(root)
    report = check_spec_hashes(entries, root)
    version = generator_version(root)
    with tempfile.TemporaryDirectory(prefix="codegen-check-") as tmp:
        fresh_root = Path(tmp)
        for entry in entries:
            validate_spec(entry.spec)
            generate_one(entry, fresh_root, version, root)
            drift = list(
                diff_trees(root / "generated" / entry.package, fresh_root / entry.package, f"generated/{entry.package}")
            )
            if drift:
                report.append(f"generated/{entry.package} differs from what specs/{entry.spec.name} generates:")
                report.extend(line.rstrip("\n") for line in drift)
        known = {entry.package for entry in entries}
        for extra in sorted(p.name for p in (root / "generated").iterdir() if p.is_dir() and p.name not in known):
            if extra != "__pycache__":
                report.append(f"generated/{extra}: not generated from any spec in specs/provenance.json")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.codegen", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="regenerate generated/ from specs/")
    gen.add_argument("--record", action="store_true", help="first record edited specs' sha256 in provenance.json")
    sub.add_parser("check", help="fail when generated/ or a spec's stamp has drifted")
    args = parser.parse_args(argv)
    try:
        if args.command == "generate":
            generate(record=args.record)
            return 0
        report = check()
    except CodegenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if report:
        print("\n".join(report), file=sys.stderr)
        spec_edited = any("does not match specs/provenance.json" in line for line in report)
        fix = (
            f"`{FIX_COMMAND} -- --record` (a deliberate spec edit) or `nox -s update_specs`"
            if spec_edited
            else f"`{FIX_COMMAND}`"
        )
        print(f"\ncodegen check FAILED. Fix: run {fix} and commit specs/ and generated/.", file=sys.stderr)
        return 1
    print("codegen check passed: generated/ matches specs/ and every stamp")
    return 0


if __name__ == "__main__":
    sys.exit(main())
