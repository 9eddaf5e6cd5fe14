"""The registry: provider name -> descriptor. The only list of vendors in the library.

The generic core (client, engine, batch, config, CLI, testing) asks this
module for providers and never imports a vendor module by name. Adding a
vendor: its spec, its home (``_providers/<vendor>/``), one line below.

``register()`` adds a provider at run time, for a plugin or a test-only
provider; ``registered()`` does so for the length of a ``with`` block.

The built-in vendors' homes are imported when the registry is first asked
(a client's construction, the CLI, the config), not by ``import usage_reports``
(BENCHMARKS.md, B5); naming a vendor's class imports that vendor's home only.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final

from .._exceptions import InvalidRequest

if TYPE_CHECKING:
    from .._contract import Provider


#: The vendors this library ships, in registration order: the module of each home's descriptor (its
#: ``PROVIDER``). Named as data, as fsspec's ``known_implementations`` are: the registry imports a descriptor when
#: first asked, and nothing else of the package depends on any vendor (import-linter's "vendors" contract). A
#: home's ``__init__`` holds only the classes a user names, so naming one loads neither the descriptor nor the
#: contract it is written in (BENCHMARKS.md, B5).
BUILT_IN: Final = (
    "usage_reports._providers.edge_impulse._provider",
    "usage_reports._providers.altostrat._provider",
    "usage_reports._providers.statsig._provider",
)


def _built_in() -> tuple[Provider, ...]:
    """The vendors this library ships, in registration order."""
    return tuple(importlib.import_module(module).PROVIDER for module in BUILT_IN)


_lock = threading.Lock()
_providers: dict[str, Provider] = {}
#: ``_providers``' values, replaced (never changed) under the lock whenever it changes: read without the lock,
#: since every fetch looks its request's provider up here.
_snapshot: tuple[Provider, ...] = ()
_loaded = False


def _registry() -> dict[str, Provider]:
    """The registered providers, the built-in ones first (imported on the first call, outside the lock)."""
    global _providers, _loaded
    if not _loaded:
        built_in = _built_in()
        with _lock:
            if not _loaded:
                _providers = {**{p.name: p for p in built_in}, **_providers}
                _changed()
                _loaded = True
    return _providers


def _changed() -> None:
    """Take a new snapshot of the registry (the caller holds the lock)."""
    global _snapshot
    _snapshot = tuple(_providers.values())


def providers() -> tuple[Provider, ...]:
    """Every registered provider, in registration order."""
    if not _loaded:
        _registry()
    return _snapshot


def provider_named(name: str) -> Provider | None:
    registry = _registry()
    with _lock:
        return registry.get(name)


def provider_for_request(request: object) -> Provider:
    """The provider of a request object; InvalidRequest naming the accepted types otherwise."""
    return _owner(
        request,
        lambda p, v: p.owns_request(v),
        "a report request",
        lambda p: ", ".join(t.__name__ for t in p.request_types),
    )


def provider_for_settings(settings: object) -> Provider:
    """The provider of a settings object; InvalidRequest naming the accepted types otherwise."""
    return _owner(settings, lambda p, v: p.owns_settings(v), "provider settings", lambda p: p.settings_type.__name__)


def _owner(
    value: object, owns: Callable[[Provider, object], bool], what: str, accepted: Callable[[Provider], str]
) -> Provider:
    for provider in providers():
        if owns(provider, value):
            return provider
    names = ", ".join(accepted(p) for p in providers())
    raise InvalidRequest(f"expected {what} ({names}), not {type(value).__name__}")


def register(provider: Provider) -> None:
    """Add a provider (its name, CLI command and types must be new)."""
    from .._contract import Provider

    if not isinstance(provider, Provider):
        raise TypeError(f"register() takes a Provider, not {type(provider).__name__}")
    registry = _registry()
    with _lock:
        for other in registry.values():
            if provider.name == other.name or provider.command == other.command:
                raise ValueError(f"a provider named {provider.name!r} (command {provider.command!r}) exists")
        registry[provider.name] = provider
        _changed()


def unregister(name: str) -> None:
    registry = _registry()
    with _lock:
        registry.pop(name, None)
        _changed()


@contextlib.contextmanager
def registered(provider: Provider) -> Iterator[Provider]:
    """The provider is registered inside the block only."""
    register(provider)
    try:
        yield provider
    finally:
        unregister(provider.name)


__all__ = ["provider_for_request", "provider_for_settings", "provider_named", "providers", "register", "registered"]
