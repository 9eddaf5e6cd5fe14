"""The provider contract: everything the generic core needs of a vendor, declared once per vendor.

A vendor's home (``_providers/<vendor>/``) subclasses :class:`VendorProvider`
with its own request and settings types, so its code is checked against the
real generated types end to end. The core sees only :class:`Provider`, whose
methods take the erased ``object`` and check it, and :class:`Call`, one
report request bound to its settings::

    registry --> Provider --prepare(request, settings)--> Call --build(timeout)--> httpx.Request
                                                               accept / link / error_message

The core never imports a vendor module: it asks the registry (``_providers``).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Generator, Mapping
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

import attrs
import httpx

from ._exceptions import InvalidRequest
from ._fields import takes_period

#: (count, seconds) pairs: at most ``count`` requests in any ``seconds``-long window.
RateLimits = tuple[tuple[int, float], ...]


class ReportRequest(Protocol):
    """What to fetch: an immutable, validated request object of one provider.

    A request type may also declare ``kind: ClassVar[str]``: what its file is, in a manifest (``report`` when it
    does not; e.g. ``compute_time``). See :func:`request_kind`.
    """

    provider: ClassVar[str]

    @property
    def suggested_filename(self) -> str: ...

    def parameters(self) -> dict[str, object]: ...


class ProviderSettings(Protocol):
    """One provider's credentials and base URL; secrets never show in a repr.

    A value object (``_fields.value_object``, a frozen dataclass): the client gives it another base URL
    with ``dataclasses.replace``.
    """

    @property
    def base_url(self) -> str | None: ...

    def with_environment(self, environ: Mapping[str, str]) -> Self: ...

    def secrets(self) -> tuple[str | None, ...]: ...

    def require_credentials(self) -> None: ...


def request_kind(request: object) -> str:
    """What a request's file is (its type's ``kind``): ``report`` unless the type says otherwise."""
    kind = getattr(type(request), "kind", "report")
    return kind if isinstance(kind, str) else "report"


@attrs.frozen
class Accept:
    """This response is the report: stream its body."""

    media_type: str
    prefix: bytes | None = None  # bytes the body must start with (a file signature)
    #: For a small report (a JSON document): the whole body, at most ``check_limit`` bytes, is given to ``check``
    #: before it is kept; its answer is why the body is refused (None: it is the report). Bytes stay unchanged.
    check: Callable[[bytes], str | None] | None = attrs.field(default=None, repr=False)
    check_limit: int = 1 << 20


@attrs.frozen
class FollowLink:
    """This response is JSON pointing at the report: read it and fetch the link, credential-free."""


Decision = Accept | FollowLink | str


@attrs.frozen
class ApiRequest:
    """A step of a provider's flow: one API call, sent by the engine with retries, rate limits and error mapping.

    The flow receives the body of the 2xx answer (bytes); a failure is thrown into it as the library error.
    """

    operation: str  # the generated operation's name, for logs and messages
    build: Callable[[httpx.Timeout], httpx.Request] = attrs.field(repr=False)
    idempotent: bool = True  # a POST that creates something is not retried on a 5xx


@attrs.frozen
class Wait:
    """A step of a provider's flow: sleep before the next step (polling).

    ``polls``: when the flow waits for something the vendor is still building, how many times it has looked so
    far, and ``waited`` the seconds it has waited in all: the caller's progress shows it ("waiting for report
    (poll 3, 12 s)"). 0: a plain pause.
    """

    seconds: float
    polls: int = 0
    waited: float = 0.0


T = TypeVar("T")
#: A provider's sans-I/O sequence of API calls (listing, creating, polling) that ends in a value.
Flow = Generator[ApiRequest | Wait, bytes | None, T]


class Call(Protocol):
    """One report request bound to its settings: what the transfer engine drives."""

    @property
    def provider(self) -> str: ...

    @property
    def operation(self) -> str: ...

    @property
    def redirects_to_file(self) -> bool:
        """Whether the API's own answer may be a redirect to the file."""
        ...

    @property
    def request(self) -> ReportRequest: ...

    def build(self, timeout: httpx.Timeout) -> httpx.Request:
        """The first request, with credentials, from the generated client's request builder."""
        ...

    def accept(self, response: httpx.Response, *, from_api: bool) -> Decision:
        """For a 200: stream it, follow its link, or a reason to refuse it."""
        ...

    def link(self, body: bytes) -> str:
        """The file URL inside a FollowLink body; ValueError when there is none."""
        ...

    def error_message(self, body: bytes) -> str | None:
        """The vendor's own message from an error body, if it has one."""
        ...

    def resolve(self) -> Flow[Call] | None:
        """API calls to make before the download (e.g. find or create the report); None when there are none."""
        ...

    @property
    def details(self) -> Mapping[str, object]:
        """What resolving found out (e.g. which report was used, and whether it was created): for the result."""
        ...


R = TypeVar("R", bound=ReportRequest)
S = TypeVar("S", bound=ProviderSettings)


class Adapter(abc.ABC, Generic[R, S]):
    """A vendor's report download over its generated client (imported only when first used)."""

    operation: ClassVar[str]
    redirects_to_file: ClassVar[bool] = False

    @abc.abstractmethod
    def build(self, request: R, settings: S, timeout: httpx.Timeout) -> httpx.Request: ...

    @abc.abstractmethod
    def accept(self, response: httpx.Response, *, from_api: bool) -> Decision: ...

    def link(self, body: bytes) -> str:
        raise ValueError("this provider answers with the report itself, not a link")

    @abc.abstractmethod
    def error_message(self, body: bytes) -> str | None: ...

    def resolve(self, request: R, settings: S) -> Flow[tuple[R, dict[str, object]]] | None:
        """A flow that turns the request into one the download can send, and what it found out (None: as it is)."""
        return None


@attrs.frozen
class _BoundCall(Generic[R, S]):
    provider: str
    adapter: Adapter[R, S]
    request: R
    settings: S = attrs.field(repr=False)
    sent: R | None = None  # the resolved request the download sends, when it differs from ``request``
    details: Mapping[str, object] = attrs.field(factory=dict)

    @property
    def operation(self) -> str:
        return self.adapter.operation

    @property
    def redirects_to_file(self) -> bool:
        return self.adapter.redirects_to_file

    def build(self, timeout: httpx.Timeout) -> httpx.Request:
        return self.adapter.build(self.request if self.sent is None else self.sent, self.settings, timeout)

    def accept(self, response: httpx.Response, *, from_api: bool) -> Decision:
        return self.adapter.accept(response, from_api=from_api)

    def link(self, body: bytes) -> str:
        return self.adapter.link(body)

    def error_message(self, body: bytes) -> str | None:
        return self.adapter.error_message(body)

    def resolve(self) -> Flow[Call] | None:
        flow = self.adapter.resolve(self.request, self.settings)
        return None if flow is None else self._rebound(flow)

    def _rebound(self, flow: Flow[tuple[R, dict[str, object]]]) -> Flow[Call]:
        sent, details = yield from flow
        return attrs.evolve(self, sent=sent, details=details)


@attrs.frozen
class _ApiCall(Generic[R, S]):
    """A provider's settings bound for API calls only (a flow with no download): what error bodies mean."""

    provider: str
    adapter: Adapter[R, S]
    settings: S = attrs.field(repr=False)
    operation: str = "api"
    redirects_to_file: bool = False
    details: Mapping[str, object] = attrs.field(factory=dict)

    @property
    def request(self) -> ReportRequest:
        raise TypeError("an API-only call has no report request")

    def build(self, timeout: httpx.Timeout) -> httpx.Request:
        raise TypeError("an API-only call has no report request")

    def accept(self, response: httpx.Response, *, from_api: bool) -> Decision:
        return "an API-only call has no report"

    def link(self, body: bytes) -> str:
        return self.adapter.link(body)

    def error_message(self, body: bytes) -> str | None:
        return self.adapter.error_message(body)

    def resolve(self) -> Flow[Call] | None:
        return None


@attrs.frozen
class Expansion:
    """A config entry standing for several requests known only at run time (e.g. every tenant of an account).

    ``expand`` takes the entry's settings and returns a flow listing the requests.
    """

    describe: str
    expand: Callable[[object], Flow[list[ReportRequest]]] = attrs.field(repr=False)


@attrs.frozen
class Listing:
    """A vendor-only listing (e.g. a white label's tenants), as data: the CLI derives its command from it.

    ``parameters`` is an attrs class whose fields are declared with ``_fields.field`` (the CLI's options come
    from them); ``rows(settings, parameters)`` is a flow of API calls returning the rows; ``columns`` are the
    ones a table shows (all of the first row's when empty); ``examples`` are (what it does, command line).
    """

    name: str
    summary: str
    parameters: type
    rows: Callable[[Any, Any], Flow[list[dict[str, object]]]] = attrs.field(repr=False)
    columns: tuple[str, ...] = ()
    examples: tuple[tuple[str, str], ...] = ()


class Provider(abc.ABC):
    """What the generic core knows of a vendor: names, its request and settings types, one call, rate limits.

    The request type's fields are declared with ``_fields.field``: the CLI's options and the config's keys
    derive from them (no vendor writes argparse or config code). Simulators live in ``usage_reports.testing``.
    """

    #: Machine name: config table, manifest ``provider``, log field, keyword of the client (``my_vendor``).
    name: ClassVar[str]
    #: Human name for messages and help (``My Vendor``).
    title: ClassVar[str]
    #: The CLI subcommand (``my-vendor``).
    command: ClassVar[str]
    #: One line for ``--help``.
    summary: ClassVar[str]
    #: Environment variables holding a credential, for help texts and redaction.
    credential_variables: ClassVar[tuple[str, ...]]
    #: What a fetch-all entry's ``credential_env`` may hold; the first is the default.
    credential_kinds: ClassVar[tuple[str, ...]] = ("api_key",)
    #: Invocations for the command's ``--help``: (what it does, the command line).
    examples: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Vendor-only listings, added to the CLI beside the download command.
    listings: ClassVar[tuple[Listing, ...]] = ()

    @property
    def takes_period(self) -> bool:
        """Whether its reports cover a period (its request has a period field): --period and a config's period apply."""
        return takes_period(self.request_type)

    @property
    @abc.abstractmethod
    def request_type(self) -> type[ReportRequest]:
        """The main request type: the CLI command's options and the config's keys derive from it."""

    @property
    def request_types(self) -> tuple[type[ReportRequest], ...]:
        """Every request type the provider serves, the main one first (e.g. a report and a compute time)."""
        return (self.request_type,)

    def companions(self, request: object) -> tuple[ReportRequest, ...]:
        """Requests a batch saves beside this one (e.g. the compute time of the report's tenant and period)."""
        return ()

    def names(self, settings: object, requests: list[object]) -> Flow[list[str | None]] | None:
        """A flow finding the vendor's name of what each request is about (e.g. its tenant), read when a batch
        runs; None when the provider names nothing."""
        return None

    @property
    @abc.abstractmethod
    def settings_type(self) -> type[ProviderSettings]: ...

    @abc.abstractmethod
    def default_settings(self) -> ProviderSettings: ...

    @abc.abstractmethod
    def prepare(self, request: object, settings: object) -> Call:
        """Bind a request to its settings (both checked); InvalidRequest when either is not this provider's."""

    @abc.abstractmethod
    def api_call(self, settings: object) -> Call:
        """The settings bound for a flow of API calls with no download (listings, lifecycle operations)."""

    @abc.abstractmethod
    def with_credential(self, settings: object, kind: str, value: str) -> ProviderSettings:
        """These settings with one credential of ``kind`` replacing the configured ones."""

    @abc.abstractmethod
    def rate_limits(self, settings: object) -> tuple[RateLimits, str]:
        """The client-side limits for these settings and the key that shares them ((), "" for none)."""

    def owns_settings(self, settings: object) -> bool:
        return isinstance(settings, self.settings_type)

    def owns_request(self, request: object) -> bool:
        return isinstance(request, self.request_types)

    def __repr__(self) -> str:
        return f"<provider {self.name}>"


class VendorProvider(Provider, Generic[R, S]):
    """The typed base a vendor's descriptor subclasses: its request type ``R``, its settings ``S``."""

    def __init__(
        self,
        request_type: type[R],
        settings_type: type[S],
        adapter: Callable[[], Adapter[R, S]],
        others: Mapping[type[Any], Callable[[], Adapter[Any, S]]] | None = None,
    ) -> None:
        """``others``: the provider's other request types, each with its adapter's factory (imported on first use)."""
        self._request_type = request_type
        self._settings_type = settings_type
        self._adapter_factory = adapter
        self._adapter: Adapter[R, S] | None = None
        self._others = dict(others or {})
        self._other_adapters: dict[type[Any], Adapter[Any, S]] = {}

    @property
    def request_types(self) -> tuple[type[ReportRequest], ...]:
        return (self._request_type, *self._others)

    @property
    def request_type(self) -> type[R]:
        return self._request_type

    @property
    def settings_type(self) -> type[S]:
        return self._settings_type

    def default_settings(self) -> S:
        return self._settings_type()

    def adapter(self) -> Adapter[R, S]:
        """The adapter, imported on first use (it loads the vendor's generated client)."""
        if self._adapter is None:
            self._adapter = self._adapter_factory()
        return self._adapter

    def request_of(self, request: object) -> R:
        if not isinstance(request, self._request_type):
            raise InvalidRequest(f"{self.name}: expected a {self._request_type.__name__}, not {type(request).__name__}")
        return request

    def _other_adapter(self, request: object) -> Adapter[Any, S] | None:
        for kind, factory in self._others.items():
            if isinstance(request, kind):
                if kind not in self._other_adapters:
                    self._other_adapters[kind] = factory()
                return self._other_adapters[kind]
        return None

    def settings_of(self, settings: object) -> S:
        if not isinstance(settings, self._settings_type):
            raise InvalidRequest(
                f"settings for {self.name} must be {self._settings_type.__name__}(...), not {type(settings).__name__}"
            )
        return settings

    def prepare(self, request: object, settings: object) -> Call:
        other = None if isinstance(request, self._request_type) else self._other_adapter(request)
        if other is not None:
            return _BoundCall(self.name, other, request, self.settings_of(settings))
        return _BoundCall(self.name, self.adapter(), self.request_of(request), self.settings_of(settings))

    def api_call(self, settings: object) -> Call:
        return _ApiCall(self.name, self.adapter(), self.settings_of(settings))

    def rate_limits(self, settings: object) -> tuple[RateLimits, str]:
        return (), ""


__all__ = [
    "Accept",
    "Adapter",
    "ApiRequest",
    "Call",
    "Decision",
    "Expansion",
    "Flow",
    "FollowLink",
    "Listing",
    "Provider",
    "ProviderSettings",
    "RateLimits",
    "ReportRequest",
    "VendorProvider",
    "Wait",
    "request_kind",
]
