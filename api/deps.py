"""FastAPI dependencies, in one place: settings, the job runner, API keys, the problem body."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.config import Settings
from api.jobs import JobRunner
from solver.loading import DocumentError, FieldError, load_problem

_bearer = HTTPBearer(auto_error=False)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.runner
    return runner


async def database_slot(request: Request) -> AsyncIterator[None]:
    """Hold one of ``max_db_requests`` slots while the request is in a transaction.

    Handlers that write run on worker threads (40 by default). SQLite lets one writer in
    at a time and the others wait on its lock; PostgreSQL's pool lends 15 connections.
    With more writers than threads, every thread could be waiting, and the one holding
    the lock could not get a thread to commit: the service would stall until timeouts.
    Requests beyond the slots wait here, in the event loop, holding no thread."""
    slots: asyncio.Semaphore = request.app.state.db_slots
    async with slots:
        yield


def require_key(
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """With API keys configured, every /v1 request needs 'Authorization: Bearer <key>'."""
    if not settings.keys:
        return
    if credentials is None or credentials.credentials not in settings.keys:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid API key is required (Authorization: Bearer ...)",
            headers={"WWW-Authenticate": "Bearer"},
        )


def require_key_or_shopify_hmac(
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Shopify's webhook: with ``ZERO_BACKLOG_SHOPIFY_SECRET`` set the handler checks the
    body's HMAC (Shopify cannot send an API key); without it, the API key as elsewhere."""
    from api.shopify import shopify_secret

    if shopify_secret() is None:
        require_key(settings, credentials)


async def problem_body(request: Request) -> dict[str, Any]:
    """The request body as a problem document, validated whole (422 names each field)."""
    raw = await request.body()
    try:
        parsed = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DocumentError([FieldError("", f"not JSON: {error}")]) from None
    load_problem(parsed)  # raises DocumentError naming each field
    if not isinstance(parsed, dict):
        raise DocumentError([FieldError("", "the document must be a JSON object")])
    return parsed


async def order_body(request: Request) -> dict[str, Any]:
    """The request body as one JSON object (a would-be order); its fields are checked as
    an order's are, by the contract's per-order validation, not here."""
    try:
        parsed = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DocumentError([FieldError("", f"not JSON: {error}")]) from None
    if not isinstance(parsed, dict):
        raise DocumentError([FieldError("", "the body must be one order, a JSON object")])
    return parsed


def time_limit(
    settings: Annotated[Settings, Depends(get_settings)], time_limit: float | None = None
) -> float:
    """The ``time_limit`` query parameter in seconds, within the service's bounds."""
    if time_limit is None:
        return settings.default_time_limit_s
    if not 0 < time_limit <= settings.max_time_limit_s:
        message = f"time_limit must be in (0, {settings.max_time_limit_s:g}] seconds"
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "time_limit"), "msg": message}]
        )
    return time_limit


Runner = Annotated[JobRunner, Depends(get_runner)]
Problem = Annotated[dict[str, Any], Depends(problem_body)]
OrderBody = Annotated[dict[str, Any], Depends(order_body)]
TimeLimit = Annotated[float, Depends(time_limit)]


def no_unknown_query(request: Request) -> None:
    """422 for query parameters the operation does not declare (a typo such as
    ``?time_limt=5`` must not be ignored silently), and for one given twice (``?status=a
    &status=b`` has no single meaning; no parameter here takes a list)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _query_names(dependant)
    names = set(request.query_params)
    errors = [
        {"type": "extra_forbidden", "loc": ("query", name), "msg": "unknown parameter"}
        for name in sorted(names - known)
    ]
    errors += [
        {"type": "value_error", "loc": ("query", name), "msg": "given more than once"}
        for name in sorted(names & known)
        if len(request.query_params.getlist(name)) > 1
    ]
    if errors:
        raise RequestValidationError(errors)


def _query_names(dependant: Any) -> set[str]:
    """The query parameters an operation declares, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


# --- the dashboard ------------------------------------------------------------------------------

#: The dashboard's cookie holding an API key (set by /login: HttpOnly, SameSite=Strict).
KEY_COOKIE = "zb_key"


class LoginRequiredError(Exception):
    """A dashboard request without a valid key cookie while API keys are configured."""


def require_browser_key(
    request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> None:
    """With API keys configured, the dashboard needs the key cookie that /login sets."""
    if settings.keys and request.cookies.get(KEY_COOKIE) not in settings.keys:
        raise LoginRequiredError


def from_dashboard(request: Request) -> None:
    """Dashboard writes come from its own page: htmx sends ``HX-Request``, which a form
    posted from another site cannot (with the SameSite cookie, the CSRF guard)."""
    if request.headers.get("hx-request") != "true":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "dashboard actions are sent by its page")
