from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...types import Response


def _get_kwargs(
    organization_id: int,
    inner_organization_id: int,
    report_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/organizations/{organization_id}/whitelabel/organizations/{inner_organization_id}/usage/reports/{report_id}/download".format(
            organization_id=quote(str(organization_id), safe=""),
            inner_organization_id=quote(str(inner_organization_id), safe=""),
            report_id=quote(str(report_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | None:
    if response.status_code == 302:
        return None

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    organization_id: int,
    inner_organization_id: int,
    report_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any]:
    """White Label Admin - Download usage report

     Download a usage report for an organization. This is an API only available to white label admins.

    Args:
        organization_id (int):
        inner_organization_id (int):
        report_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any]
    """

    kwargs = _get_kwargs(
        organization_id=organization_id,
        inner_organization_id=inner_organization_id,
        report_id=report_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


async def asyncio_detailed(
    organization_id: int,
    inner_organization_id: int,
    report_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any]:
    """White Label Admin - Download usage report

     Download a usage report for an organization. This is an API only available to white label admins.

    Args:
        organization_id (int):
        inner_organization_id (int):
        report_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any]
    """

    kwargs = _get_kwargs(
        organization_id=organization_id,
        inner_organization_id=inner_organization_id,
        report_id=report_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


def request_kwargs(
    organization_id: int,
    inner_organization_id: int,
    report_id: int,
) -> dict[str, Any]:
    """The httpx request arguments (method, url relative to the base URL, params,
    headers, cookies) this operation sends, without sending anything."""
    return _get_kwargs(
        organization_id=organization_id,
        inner_organization_id=inner_organization_id,
        report_id=report_id,
    )


def parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any]:
    """Parse a response that the caller received for this operation."""
    return _build_response(client=client, response=response)
