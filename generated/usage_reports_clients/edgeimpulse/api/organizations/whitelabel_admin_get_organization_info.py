from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.admin_organization_info_response import AdminOrganizationInfoResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    organization_id: int,
    inner_organization_id: int,
    *,
    include_deleted: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["includeDeleted"] = include_deleted

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/organizations/{organization_id}/whitelabel/organizations/{inner_organization_id}".format(
            organization_id=quote(str(organization_id), safe=""),
            inner_organization_id=quote(str(inner_organization_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AdminOrganizationInfoResponse | None:
    if response.status_code == 200:
        response_200 = AdminOrganizationInfoResponse.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AdminOrganizationInfoResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    organization_id: int,
    inner_organization_id: int,
    *,
    client: AuthenticatedClient | Client,
    include_deleted: bool | Unset = UNSET,
) -> Response[AdminOrganizationInfoResponse]:
    """White Label Admin - Get organization information

     White label admin only API to list all information about an organization.

    Args:
        organization_id (int):
        inner_organization_id (int):
        include_deleted (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AdminOrganizationInfoResponse]
    """

    kwargs = _get_kwargs(
        organization_id=organization_id,
        inner_organization_id=inner_organization_id,
        include_deleted=include_deleted,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    organization_id: int,
    inner_organization_id: int,
    *,
    client: AuthenticatedClient | Client,
    include_deleted: bool | Unset = UNSET,
) -> AdminOrganizationInfoResponse | None:
    """White Label Admin - Get organization information

     White label admin only API to list all information about an organization.

    Args:
        organization_id (int):
        inner_organization_id (int):
        include_deleted (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AdminOrganizationInfoResponse
    """

    return sync_detailed(
        organization_id=organization_id,
        inner_organization_id=inner_organization_id,
        client=client,
        include_deleted=include_deleted,
    ).parsed


async def asyncio_detailed(
    organization_id: int,
    inner_organization_id: int,
    *,
    client: AuthenticatedClient | Client,
    include_deleted: bool | Unset = UNSET,
) -> Response[AdminOrganizationInfoResponse]:
    """White Label Admin - Get organization information

     White label admin only API to list all information about an organization.

    Args:
        organization_id (int):
        inner_organization_id (int):
        include_deleted (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AdminOrganizationInfoResponse]
    """

    kwargs = _get_kwargs(
        organization_id=organization_id,
        inner_organization_id=inner_organization_id,
        include_deleted=include_deleted,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    organization_id: int,
    inner_organization_id: int,
    *,
    client: AuthenticatedClient | Client,
    include_deleted: bool | Unset = UNSET,
) -> AdminOrganizationInfoResponse | None:
    """White Label Admin - Get organization information

     White label admin only API to list all information about an organization.

    Args:
        organization_id (int):
        inner_organization_id (int):
        include_deleted (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AdminOrganizationInfoResponse
    """

    return (
        await asyncio_detailed(
            organization_id=organization_id,
            inner_organization_id=inner_organization_id,
            client=client,
            include_deleted=include_deleted,
        )
    ).parsed


def request_kwargs(
    organization_id: int,
    inner_organization_id: int,
    *,
    include_deleted: bool | Unset = UNSET,
) -> dict[str, Any]:
    """The httpx request arguments (method, url relative to the base URL, params,
    headers, cookies) this operation sends, without sending anything."""
    return _get_kwargs(
        organization_id=organization_id,
        inner_organization_id=inner_organization_id,
        include_deleted=include_deleted,
    )


def parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AdminOrganizationInfoResponse]:
    """Parse a response that the caller received for this operation."""
    return _build_response(client=client, response=response)
