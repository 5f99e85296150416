"""The FastAPI app factory: settings in, app out; state lives on the app, not in modules."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from api.config import Settings
from api.db import make_engine, migrate, session_factory
from api.deps import database_slot, no_unknown_query, require_key, require_key_or_shopify_hmac
from api.jobs import JobRunner
from api.live import announce_state_changes
from api.metrics import Metrics
from api.routers import health, plans, scenarios, shift_plans, state, windows
from api.web import mount_dashboard
from api.webhooks import WebhookSender
from api.windows import WindowPlanner
from solver.loading import DocumentError
from solver.schemas import problem_schema

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app with its own database engine, job runner and metrics."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        migrate(engine)
        app.state.settings = settings
        app.state.sessions = session_factory(engine)
        app.state.metrics = Metrics()
        app.state.runner = JobRunner(settings, app.state.sessions, app.state.metrics)
        app.state.webhooks = WebhookSender(settings.webhook_targets, settings.webhook_secret)
        app.state.windows = WindowPlanner(
            settings, app.state.sessions, app.state.runner, app.state.webhooks
        )
        app.state.runner.start()
        app.state.webhooks.start()
        app.state.windows.start()
        try:
            yield
        finally:
            app.state.windows.stop()
            app.state.webhooks.stop()
            app.state.runner.stop()
            engine.dispose()

    app = FastAPI(
        title="Zero Backlog",
        summary="Every pending order picked, packed and ready inside the window.",
        version="0.3.0",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.include_router(
        plans.router,
        dependencies=[Depends(require_key), Depends(no_unknown_query)],
        responses={
            401: {"description": "An API key is configured and none valid was given."},
            413: {"description": "The body is over the size limit."},
        },
    )
    app.state.db_slots = asyncio.Semaphore(settings.max_db_requests)
    app.include_router(
        state.router,
        dependencies=[Depends(database_slot), Depends(require_key), Depends(no_unknown_query)],
        responses={
            401: {"description": "An API key is configured and none valid was given."},
            413: {"description": "The body is over the size limit."},
        },
    )
    app.include_router(
        state.webhook_router,
        dependencies=[
            Depends(database_slot),
            Depends(require_key_or_shopify_hmac),
            Depends(no_unknown_query),
        ],
        responses={401: {"description": "No valid API key or Shopify HMAC."}},
    )
    app.include_router(
        scenarios.router,
        dependencies=[Depends(require_key), Depends(no_unknown_query)],
        responses={
            401: {"description": "An API key is configured and none valid was given."},
            413: {"description": "The body is over the size limit."},
        },
    )
    app.include_router(
        shift_plans.router,
        dependencies=[Depends(require_key), Depends(no_unknown_query)],
        responses={
            401: {"description": "An API key is configured and none valid was given."},
            413: {"description": "The body is over the size limit."},
        },
    )
    app.include_router(
        windows.router,
        dependencies=[Depends(require_key), Depends(no_unknown_query)],
        responses={401: {"description": "An API key is configured and none valid was given."}},
    )
    mount_dashboard(app)
    app.add_exception_handler(DocumentError, _rejected)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.middleware("http")(announce_state_changes)
    app.middleware("http")(_limit_body(settings.max_body_bytes))
    app.middleware("http")(_request_id)
    return app


#: Operations whose request body is a problem document (read raw, validated by the solver).
PROBLEM_BODY_PATHS = ("/v1/solve", "/v1/plans", "/v1/shift-plans")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's OpenAPI description, with the problem document as the request body of the
    planning operations (the handlers read it raw, so FastAPI cannot infer it)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    problem = json.loads(json.dumps(problem_schema()).replace("#/$defs/", "#/components/schemas/"))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(problem.pop("$defs", {}))
    components["ProblemDocument"] = problem
    body = {"$ref": "#/components/schemas/ProblemDocument"}
    for path in PROBLEM_BODY_PATHS:
        schema["paths"][path]["post"]["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    app.openapi_schema = schema
    return schema


async def _rejected(_request: Request, error: DocumentError) -> JSONResponse:
    """422 for a rejected document: FastAPI's ``detail`` list (so every 422 of the API has
    one shape) and ``errors``, one entry per field with a readable path."""
    detail = [
        {"loc": ["body", *filter(None, e.field.split("."))], "msg": e.message, "type": "document"}
        for e in error.errors
    ]
    errors = [{"field": e.field, "message": e.message} for e in error.errors]
    return JSONResponse({"detail": detail, "errors": errors}, 422)


async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's own 422 (query and path parameters), with the same ``errors`` list added."""
    detail = jsonable_encoder(error.errors())
    errors = [
        {"field": ".".join(str(part) for part in item["loc"][1:]), "message": item["msg"]}
        for item in detail
    ]
    return JSONResponse({"detail": detail, "errors": errors}, 422)


Handler = Callable[[Request], Awaitable[Response]]


def _limit_body(max_bytes: int) -> Callable[[Request, Handler], Awaitable[Response]]:
    async def limit(request: Request, call_next: Handler) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            return JSONResponse({"detail": f"body over {max_bytes} bytes"}, 413)
        return await call_next(request)

    return limit


async def _request_id(request: Request, call_next: Handler) -> Response:
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:12]
    response = await call_next(request)
    response.headers["X-Request-ID"] = request_id
    logger.info(
        "request_id=%s method=%s path=%s status=%d",
        request_id, request.method, request.url.path, response.status_code,
    )  # fmt: skip
    return response
