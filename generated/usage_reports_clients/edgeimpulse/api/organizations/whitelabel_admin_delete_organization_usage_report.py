from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.generic_api_response import GenericApiResponse
from ...types import Response


def _get_kwargs(
    organization_id: int,
    inner_organization_id: int,
    report_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/api/organizations/{organization_id}/whitelabel/organizations/{inner_organization_id}/usage/reports/{report_id}".format(
            organization_id=quote(str(organization_id), safe=""),
            inner_organization_id=quote(str(inner_organization_id), safe=""),
            report_id=quote(str(report_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> GenericApiResponse | None:
    if response.status_code == 200:
        response_200 = GenericApiResponse.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[GenericApiResponse]:
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
) -> Response[GenericApiResponse]:
    """White Label Admin - Delete usage report

     Delete a usage report for an organization. This is an API only available to white label admins.

    Args:
        organization_id (int):
        inner_organization_id (int):
        report_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GenericApiResponse]
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


def sync(
    organization_id: int,
    inner_organization_id: int,
    report_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> GenericApiResponse | None:
    """White Label Admin - Delete usage report

     Delete a usage report for an organization. This is an API only available to white label admins.

    Args:
        organization_id (int):
        inner_organization_id (int):
        report_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GenericApiResponse
    """

    return sync_detailed(
        organization_id=organization_id,
        inner_organization_id=inner_organization_id,
        report_id=report_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    organization_id: int,
    inner_organization_id: int,
    report_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Response[GenericApiResponse]:
    """White Label Admin - Delete usage report

     Delete a usage report for an organization. This is an API only available to white label admins.

    Args:
        organization_id (int):
        inner_organization_id (int):
        report_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GenericApiResponse]
    """

    kwargs = _get_kwargs(
        organization_id=organization_id,
        inner_organization_id=inner_organization_id,
        report_id=report_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    organization_id: int,
    inner_organization_id: int,
    report_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> GenericApiResponse | None:
    """White Label Admin - Delete usage report

     Delete a usage report for an organization. This is an API only available to white label admins.

    Args:
        organization_id (int):
        inner_organization_id (int):
        report_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GenericApiResponse
    """

    return (
        await asyncio_detailed(
            organization_id=organization_id,
            inner_organization_id=inner_organization_id,
            report_id=report_id,
            client=client,
        )
    ).parsed


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


def parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[GenericApiResponse]:
    """Parse a response that the caller received for this operation."""
    return _build_response(client=client, response=response)
