"""Tell event-stream listeners (``GET /v1/events``, the dashboard) that the live state
changed: every successful write to orders, stock, teams, the warehouse or the exception
records publishes ``state`` with what changed. The write has committed by then (each
request's transaction ends when its handler returns)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

from api.windows import EVENTS, WindowPlanner

#: Path prefixes of writes, and what they change.
STATE_PATHS = (
    ("/v1/orders", "orders"),
    ("/v1/integrations", "orders"),
    ("/v1/inventory", "stock"),
    ("/v1/teams", "teams"),
    ("/v1/warehouse", "warehouse"),
    ("/v1/exceptions", "exceptions"),
    ("/ui/exceptions", "exceptions"),
)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def changed(method: str, path: str, status_code: int) -> str | None:
    """What a request changed: 'orders', 'stock', ...; None when it changed nothing."""
    if method not in WRITES or not 200 <= status_code < 300:
        return None
    return next((what for prefix, what in STATE_PATHS if path.startswith(prefix)), None)


async def announce_state_changes(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    what = changed(request.method, request.url.path, response.status_code)
    if what is not None:
        planner: WindowPlanner = request.app.state.windows
        planner.subscribers.publish(EVENTS, {"event": "state", "data": {"what": what}})
    return response
