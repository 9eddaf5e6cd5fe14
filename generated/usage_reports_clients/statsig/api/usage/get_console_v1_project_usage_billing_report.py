from http import HTTPStatus
from io import BytesIO
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_console_v1_project_usage_billing_report_response_400 import (
    GetConsoleV1ProjectUsageBillingReportResponse400,
)
from ...models.get_console_v1_project_usage_billing_report_response_401 import (
    GetConsoleV1ProjectUsageBillingReportResponse401,
)
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    start: int | Unset = UNSET,
    end: int,
    x_respect_review_settings: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_respect_review_settings, Unset):
        headers["x-respect-review-settings"] = x_respect_review_settings

    params: dict[str, Any] = {}

    params["start"] = start

    params["end"] = end

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/console/v1/project/usage_billing/report",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401 | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = GetConsoleV1ProjectUsageBillingReportResponse400.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = GetConsoleV1ProjectUsageBillingReportResponse401.from_dict(response.json())

        return response_401

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    start: int | Unset = UNSET,
    end: int,
    x_respect_review_settings: str | Unset = UNSET,
) -> Response[
    File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401
]:
    """Get Report in CSV format

    Args:
        start (int | Unset):
        end (int):
        x_respect_review_settings (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401]
    """

    kwargs = _get_kwargs(
        start=start,
        end=end,
        x_respect_review_settings=x_respect_review_settings,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    start: int | Unset = UNSET,
    end: int,
    x_respect_review_settings: str | Unset = UNSET,
) -> File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401 | None:
    """Get Report in CSV format

    Args:
        start (int | Unset):
        end (int):
        x_respect_review_settings (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401
    """

    return sync_detailed(
        client=client,
        start=start,
        end=end,
        x_respect_review_settings=x_respect_review_settings,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    start: int | Unset = UNSET,
    end: int,
    x_respect_review_settings: str | Unset = UNSET,
) -> Response[
    File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401
]:
    """Get Report in CSV format

    Args:
        start (int | Unset):
        end (int):
        x_respect_review_settings (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401]
    """

    kwargs = _get_kwargs(
        start=start,
        end=end,
        x_respect_review_settings=x_respect_review_settings,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    start: int | Unset = UNSET,
    end: int,
    x_respect_review_settings: str | Unset = UNSET,
) -> File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401 | None:
    """Get Report in CSV format

    Args:
        start (int | Unset):
        end (int):
        x_respect_review_settings (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401
    """

    return (
        await asyncio_detailed(
            client=client,
            start=start,
            end=end,
            x_respect_review_settings=x_respect_review_settings,
        )
    ).parsed


def request_kwargs(
    *,
    start: int | Unset = UNSET,
    end: int,
    x_respect_review_settings: str | Unset = UNSET,
) -> dict[str, Any]:
    """The httpx request arguments (method, url relative to the base URL, params,
    headers, cookies) this operation sends, without sending anything."""
    return _get_kwargs(
        start=start,
        end=end,
        x_respect_review_settings=x_respect_review_settings,
    )


def parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    File | GetConsoleV1ProjectUsageBillingReportResponse400 | GetConsoleV1ProjectUsageBillingReportResponse401
]:
    """Parse a response that the caller received for this operation."""
    return _build_response(client=client, response=response)
