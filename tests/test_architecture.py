"""The house rules of the package, checked on its source: one home per vendor, no import circle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "facade" / "usage_reports"
VENDOR_NAMES = re.compile(r"statsig|altostrat|edge.?impulse", re.IGNORECASE)
#: Where a vendor may be named: its home and the registry, the public testing module, the curated surface, the demo.
VENDOR_PLACES = re.compile(r"^(_providers/|testing/|__init__\.py$|__main__\.py$|cli/_demo\.py$)")


def _modules() -> dict[str, Path]:
    return {str(path.relative_to(PACKAGE)): path for path in sorted(PACKAGE.rglob("*.py"))}


def test_generic_modules_name_no_vendor() -> None:
    generic = {name: path for name, path in _modules().items() if not VENDOR_PLACES.match(name)}
    assert len(generic) >= 15  # the check looks at the real core, not at nothing
    naming = sorted(name for name, path in generic.items() if VENDOR_NAMES.search(path.read_text(encoding="utf-8")))
    assert naming == []


def test_the_vendor_name_check_would_see_a_vendor_named_in_a_generic_module() -> None:
    assert VENDOR_NAMES.search("from ._providers.statsig import Statsig")
    assert VENDOR_NAMES.search("Edge Impulse")
    assert VENDOR_NAMES.search("edge_impulse")
    assert not VENDOR_PLACES.match("_engine.py")
    assert VENDOR_PLACES.match("_providers/statsig/_model.py")


def _module_name(relative: str) -> str:
    parts = relative.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["usage_reports", *parts])


def _top_level_imports(relative: str, path: Path) -> set[str]:
    """Modules of the package imported when this one is (imports inside functions and TYPE_CHECKING excluded)."""
    name = _module_name(relative)
    package = name if relative.endswith("__init__.py") else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.startswith("usage_reports"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("usage_reports"))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = {_module_name(relative) for relative in modules}
    graph: dict[str, set[str]] = {}
    for relative, path in modules.items():
        name = _module_name(relative)
        # importing a submodule runs its packages first: those are not edges of a circle of this module's making
        graph[name] = {target for target in _top_level_imports(relative, path) if target in known and target != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if target.startswith(node + "."):
                continue  # a package importing its own submodule is not a circle
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target] if target in trail else [node, target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_import_circle_between_the_package_modules() -> None:
    graph = _graph()
    assert "usage_reports.cli._main" in graph
    assert "usage_reports.batch._runner" in graph["usage_reports.cli._main"]
    assert _cycles(graph) == []


def test_the_circle_check_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize(
    "module",
    [
        "_engine.py",
        "_drivers.py",
        "_client.py",
        "batch/_runner.py",
        "batch/_config.py",
        "cli/_main.py",
        "cli/_output.py",
    ],
)
def test_core_modules_ask_the_registry_and_never_import_a_vendor_home(module: str) -> None:
    homes = {f"usage_reports._providers.{path.name}" for path in (PACKAGE / "_providers").iterdir() if path.is_dir()}
    homes.discard("usage_reports._providers.__pycache__")
    assert len(homes) >= 3
    imports = _top_level_imports(module, PACKAGE / module)
    assert not [target for target in imports if any(target == home or target.startswith(home + ".") for home in homes)]


# --- the whole import graph: type-only and deferred (in-function) imports count too -------------------------


def _every_import(relative: str, path: Path) -> set[str]:
    """Modules of the package this one names in ANY import: at the top, under TYPE_CHECKING, inside functions."""
    name = _module_name(relative)
    package = name if relative.endswith("__init__.py") else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.startswith("usage_reports"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("usage_reports"))
    return found


def _full_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = {_module_name(relative) for relative in modules}
    return {
        _module_name(relative): {
            target for target in _every_import(relative, path) if target in known and target != _module_name(relative)
        }
        for relative, path in modules.items()
    }


def test_no_import_circle_even_counting_type_only_and_deferred_imports() -> None:
    graph = _full_graph()
    # the edges that made the one circle of 14 files: the contract typed with the client and the simulators
    assert "usage_reports._client" not in graph["usage_reports._contract"]
    assert "usage_reports.testing" not in graph["usage_reports._contract"]
    assert "usage_reports._providers" in graph["usage_reports._client"]  # the check sees deferred imports
    assert _cycles(graph) == []


def test_the_full_graph_sees_imports_under_type_checking_and_in_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ._client import X\n"
        "def f():\n    from .testing import Y\n",
        encoding="utf-8",
    )
    found = _every_import("m.py", module)
    assert {"usage_reports._client", "usage_reports.testing"} <= found
    assert not {"usage_reports._client", "usage_reports.testing"} & _top_level_imports("m.py", module)


#: The core: _fields, _contract, the engine, the client, vendor homes... (not __main__, the entry point).
_LOWER_LAYERS = re.compile(r"^(_[a-z][a-z_]*\.py|_providers/.*)$")


def test_the_core_and_vendor_homes_name_no_argparse_cli_batch_or_testing() -> None:
    """Each field is declared once as data: no vendor home (nor the contract) builds a parser or reads a config."""
    offenders = []
    for relative, path in _modules().items():
        if not _LOWER_LAYERS.match(relative):
            continue
        imports = _every_import(relative, path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        if "argparse" in names or any(
            target.startswith(("usage_reports.cli", "usage_reports.batch", "usage_reports.testing"))
            for target in imports
        ):
            offenders.append(relative)
    assert len([r for r in _modules() if _LOWER_LAYERS.match(r)]) >= 25
    assert offenders == []


def _contract(contract_id: str) -> dict[str, object]:
    import tomllib

    document = tomllib.loads((PACKAGE.parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = document["tool"]["importlinter"]["contracts"]
    return next(contract for contract in contracts if contract["id"] == contract_id)


def test_the_import_linter_core_contract_names_every_core_module() -> None:
    """`nox -s lint` enforces the layers with import-linter; a new core module must be under its core contract."""
    core = {
        _module_name(relative).split(".")[1]
        for relative in _modules()
        if not relative.startswith(("cli/", "batch/", "usage/", "testing/")) and relative not in ("__init__.py",)
    }
    core.discard("__main__")  # the entry point runs the command line: it is above every layer
    sources = _contract("core")["source_modules"]
    assert isinstance(sources, list)
    listed = {name.split(".")[1] for name in sources if name != "usage_reports"}
    assert "usage_reports" in sources
    assert core == listed
    forbidden = _contract("core")["forbidden_modules"]
    assert isinstance(forbidden, list)
    assert set(forbidden) >= {"usage_reports.cli", "usage_reports.batch", "usage_reports.testing"}
