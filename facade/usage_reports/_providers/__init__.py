"""The registry: provider name -> descriptor. The only list of vendors in the library.

The generic core (client, engine, batch, config, CLI, testing) asks this
module for providers and never imports a vendor module by name. Adding a
vendor: its spec, its home (``_providers/<vendor>/``), one line below.

``register()`` adds a provider at run time, for a plugin or a test-only
provider; ``registered()`` does so for the length of a ``with`` block.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from .._contract import Provider
from .._exceptions import InvalidRequest
from .altostrat import PROVIDER as _ALTOSTRAT
from .edge_impulse import PROVIDER as _EDGE_IMPULSE
from .statsig import PROVIDER as _STATSIG

_lock = threading.Lock()
_providers: dict[str, Provider] = {p.name: p for p in (_EDGE_IMPULSE, _ALTOSTRAT, _STATSIG)}


def providers() -> tuple[Provider, ...]:
    """Every registered provider, in registration order."""
    with _lock:
        return tuple(_providers.values())


def provider_named(name: str) -> Provider | None:
    with _lock:
        return _providers.get(name)


def provider_for_request(request: object) -> Provider:
    """The provider of a request object; InvalidRequest naming the accepted types otherwise."""
    return _owner(request, Provider.owns_request, "a report request", lambda p: p.request_type.__name__)


def provider_for_settings(settings: object) -> Provider:
    """The provider of a settings object; InvalidRequest naming the accepted types otherwise."""
    return _owner(settings, Provider.owns_settings, "provider settings", lambda p: p.settings_type.__name__)


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
    if not isinstance(provider, Provider):
        raise TypeError(f"register() takes a Provider, not {type(provider).__name__}")
    with _lock:
        for other in _providers.values():
            if provider.name == other.name or provider.command == other.command:
                raise ValueError(f"a provider named {provider.name!r} (command {provider.command!r}) exists")
        _providers[provider.name] = provider


def unregister(name: str) -> None:
    with _lock:
        _providers.pop(name, None)


@contextlib.contextmanager
def registered(provider: Provider) -> Iterator[Provider]:
    """The provider is registered inside the block only."""
    register(provider)
    try:
        yield provider
    finally:
        unregister(provider.name)


__all__ = ["provider_for_request", "provider_for_settings", "provider_named", "providers", "register", "registered"]
