"""The live state: warehouse set-up, teams, stock, orders and their events, Shopify imports.

Handlers parse, call :mod:`api.state` / :mod:`api.order_state`, and map. Each request is
one transaction, committed before the response is sent. Request bodies are read raw and
checked with the contract's models, so a rejected body answers 422 with one entry per
field, as a rejected problem document does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    Header,
    HTTPException,
    Query,
    Request,
    status,
)
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api import idempotency, order_state, shopify, state
from api.schemas import Rejected
from api.state_models import ORDER_STATUSES, OrderRecord
from api.state_schemas import (
    Adjustment,
    EventIn,
    ImportReport,
    InventoryIn,
    InventoryOut,
    OrderDetail,
    OrderEventOut,
    OrderList,
    OrderOut,
    StockOut,
    WarehouseIn,
    WarehouseOut,
)
from api.windows import WindowPlanner, record_import
from solver.domain import Team
from solver.loading import DocumentError, FieldError, field_path

router = APIRouter(prefix="/v1", tags=["live state"])
#: Shopify's webhook: Shopify cannot send an API key, so with a Shopify secret set the
#: body's HMAC authenticates it instead (see :func:`api.deps.require_key_or_shopify_hmac`).
webhook_router = APIRouter(prefix="/v1", tags=["live state"])

T = TypeVar("T")
REJECTED: dict[int | str, dict[str, Any]] = {422: {"model": Rejected}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such order."}}
CONFLICT: dict[str, Any] = {"description": "The change cannot happen now (the reason)."}


def _body(kind: Any, media_type: str = "application/json") -> dict[str, Any]:
    """``openapi_extra`` declaring a request body that the handler reads raw."""
    schema = TypeAdapter(kind).json_schema() if media_type == "application/json" else kind
    content = {media_type: {"schema": _inline(schema, schema.pop("$defs", {}))}}
    return {"requestBody": {"required": True, "content": content}}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The JSON schema with its ``$defs`` references written out in place."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, defs) for value in node]
    return node


def _session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, else rolled back."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    try:
        with sessions.begin() as session:
            yield session
    except IntegrityError:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "a concurrent request changed the same records; retry"
        ) from None


async def _raw_body(request: Request) -> bytes:
    return await request.body()


Db = Annotated[Session, Depends(_session, scope="function")]
RawBody = Annotated[bytes, Depends(_raw_body)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
# Checked in the handler, so that a bad status is a 422 shaped like every other one here.
StatusQuery = Annotated[str | None, Query(json_schema_extra={"enum": list(ORDER_STATUSES)})]


def _json(body: bytes) -> Any:
    """The body as JSON: standard JSON only (no NaN or Infinity), and no NUL characters,
    which no identifier or address holds and PostgreSQL text refuses."""
    if b"\\u0000" in body:
        raise DocumentError([FieldError("", "NUL characters (\\u0000) are not accepted")])
    try:
        return json.loads(body, parse_constant=_not_json)
    except ValueError as error:  # also JSONDecodeError, UnicodeDecodeError, NaN
        raise DocumentError([FieldError("", f"not JSON: {error}")]) from None


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def _parse(kind: type[T], body: bytes, root: str = "") -> T:
    """The body checked as ``kind``, strictly (``false`` is no efficiency, ``"3"`` no
    headcount: what the declared JSON schema says); each error names its field."""
    _json(body)  # JSON as the standard has it: no NaN, no NUL
    try:
        return TypeAdapter(kind).validate_json(body, strict=True)
    except ValidationError as error:
        raise DocumentError(
            FieldError(f"{root}{field_path(e['loc'])}", e["msg"].removeprefix("Value error, "))
            for e in error.errors(include_url=False)
        ) from None


def _once(
    db: Session,
    request: Request,
    key: str | None,
    body: bytes,
    run: Callable[[], idempotency.StoredResponse],
) -> JSONResponse:
    """``run()`` once per Idempotency-Key; a replay says so in ``Idempotent-Replayed``."""
    canonical = json.dumps(_json(body), sort_keys=True, separators=(",", ":")).encode()
    fingerprint = idempotency.request_fingerprint(request.method, request.url.path, canonical)
    try:
        response, replayed = idempotency.once(db, key, fingerprint, run)
    except idempotency.IdempotencyConflictError as error:
        raise DocumentError([FieldError("Idempotency-Key", str(error))]) from None
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(response.body, response.status_code, headers=headers)


# --- warehouse, teams, stock ----------------------------------------------------------------


def _warehouse_out(session: Session) -> WarehouseOut:
    config = state.get_warehouse(session)
    if config is None:
        return WarehouseOut(name=None, window=None, labor=None, locations=[], updated_at=None)
    return WarehouseOut(
        name=config.name,
        window=config.planning_window,
        labor=config.labor,
        locations=list(config.locations or []),
        updated_at=config.updated_at,
    )


@router.put(
    "/warehouse", response_model=WarehouseOut, responses=REJECTED, openapi_extra=_body(WarehouseIn)
)
def put_warehouse(body: RawBody, db: Db) -> WarehouseOut:
    """Set the planning window and labor standards (as in a problem document)."""
    state.set_warehouse(db, _parse(WarehouseIn, body))
    return _warehouse_out(db)


@router.get("/warehouse", response_model=WarehouseOut)
def get_warehouse(db: Db) -> WarehouseOut:
    return _warehouse_out(db)


@router.put("/teams", responses=REJECTED, openapi_extra=_body(list[Team]))
def put_teams(body: RawBody, db: Db) -> list[dict[str, Any]]:
    """Replace the teams with the list given (contract teams)."""
    return state.replace_teams(db, _parse(list[Team], body, "teams"))


@router.get("/teams")
def get_teams(db: Db) -> list[dict[str, Any]]:
    return state.list_teams(db)


def _inventory_out(session: Session) -> InventoryOut:
    stock = [
        StockOut(sku=record.sku, location=record.location, on_hand=record.on_hand)
        for record in state.list_stock(session)
    ]
    return InventoryOut(locations=state.list_locations(session), inventory=stock)


@router.put(
    "/inventory", response_model=InventoryOut, responses=REJECTED, openapi_extra=_body(InventoryIn)
)
def put_inventory(body: RawBody, db: Db) -> InventoryOut:
    """A stock snapshot: replaces every stock record, and the locations when given."""
    state.replace_inventory(db, _parse(InventoryIn, body))
    return _inventory_out(db)


@router.get("/inventory", response_model=InventoryOut)
def get_inventory(db: Db) -> InventoryOut:
    return _inventory_out(db)


@router.post(
    "/inventory/adjustments",
    response_model=list[StockOut],
    responses=REJECTED,
    openapi_extra=_body(list[Adjustment]),
)
def post_adjustments(
    body: RawBody, db: Db, request: Request, key: IdempotencyKey = None
) -> JSONResponse:
    """Apply stock adjustments, all or none; stock never goes below 0 (422 names the entry).
    Answers the records changed. Honours ``Idempotency-Key``."""
    adjustments = _parse(list[Adjustment], body, "adjustments")

    def run() -> idempotency.StoredResponse:
        records = state.adjust_stock(db, adjustments)
        stock = [StockOut(sku=r.sku, location=r.location, on_hand=r.on_hand) for r in records]
        return idempotency.StoredResponse(200, [s.model_dump() for s in stock])

    return _once(db, request, key, body, run)


# --- orders -----------------------------------------------------------------------------------


def _order_out(record: OrderRecord) -> OrderOut:
    return OrderOut(
        id=record.id,
        status=record.status,
        received_at=record.received_at,
        updated_at=record.updated_at,
        order=record.document,
    )


@router.post(
    "/orders",
    response_model=ImportReport,
    responses=REJECTED,
    openapi_extra=_body(list[Any]),
)
def post_orders(
    body: RawBody, db: Db, request: Request, tasks: BackgroundTasks, key: IdempotencyKey = None
) -> JSONResponse:
    """Upsert a JSON list of contract orders by id; each is checked on its own and the
    report says what became of each. Honours ``Idempotency-Key``."""
    orders = _parse(list[Any], body, "orders")

    def run() -> idempotency.StoredResponse:
        report = _imported(db, request, order_state.Incoming(orders=orders), tasks)
        return idempotency.StoredResponse(200, report.model_dump(mode="json", exclude_none=True))

    return _once(db, request, key, body, run)


def _imported(
    db: Session, request: Request, incoming: order_state.Incoming, tasks: BackgroundTasks
) -> ImportReport:
    """Import the orders; open exception records for the refused ones (announced once the
    transaction has committed, after the response)."""
    report = order_state.import_orders(db, incoming)
    planner: WindowPlanner = request.app.state.windows
    opened = record_import(db, report)
    if opened:
        tasks.add_task(planner.announce_opened, opened)
    return report


@router.get(
    "/orders",
    response_model=OrderList,
    responses=REJECTED,
)
def get_orders(db: Db, status: StatusQuery = None) -> OrderList:
    """Stored orders, oldest first; ``?status=pending`` (picked, packed...) filters."""
    if status is not None and status not in ORDER_STATUSES:
        message = f"{status!r} is not one of {', '.join(ORDER_STATUSES)}"
        raise DocumentError([FieldError("status", message)])
    return OrderList(orders=[_order_out(r) for r in order_state.list_orders(db, status)])


def _order_detail(session: Session, order_id: str) -> OrderDetail:
    try:
        record = order_state.get_order(session, order_id)
    except order_state.NotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    events = [
        OrderEventOut(event=e.event, from_status=e.from_status, to_status=e.to_status, at=e.at)
        for e in order_state.order_events(session, order_id)
    ]
    return OrderDetail(**_order_out(record).model_dump(), events=events)


@router.get("/orders/{order_id}", response_model=OrderDetail, responses=NOT_FOUND)
def get_order(order_id: str, db: Db) -> OrderDetail:
    """The order, its status and its event log."""
    return _order_detail(db, order_id)


@router.post(
    "/orders/{order_id}/events",
    response_model=OrderDetail,
    responses={**REJECTED, **NOT_FOUND, 409: CONFLICT},
    openapi_extra=_body(EventIn),
)
def post_order_event(order_id: str, body: RawBody, db: Db) -> OrderDetail:
    """Record ``{"event": "picked" | "packed" | "shipped" | "cancelled"}``; an impossible
    move is 409, a repeat of the order's last event changes nothing."""
    event = _parse(EventIn, body).event
    try:
        order_state.apply_event(db, order_id, event)
    except order_state.NotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except order_state.TransitionError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return _order_detail(db, order_id)


# --- the problem, integrations ----------------------------------------------------------------


@router.get(
    "/problem",
    responses={409: {"description": "No window and labor standards stored yet."}},
)
def get_problem(db: Db) -> dict[str, Any]:
    """The current problem document: the set-up, teams, stock and the pending orders."""
    try:
        return state.current_problem(db)
    except state.IncompleteStateError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None


@webhook_router.post(
    "/integrations/shopify/orders",
    response_model=ImportReport,
    response_model_exclude_none=True,
    responses={**REJECTED, 401: {"description": "Bad X-Shopify-Hmac-Sha256 (or none)."}},
    openapi_extra=_body(dict[str, Any]),
)
def shopify_order(
    body: RawBody,
    db: Db,
    request: Request,
    tasks: BackgroundTasks,
    signature: Annotated[str | None, Header(alias="X-Shopify-Hmac-Sha256")] = None,
) -> ImportReport:
    """A Shopify order webhook (orders/create, orders/updated, orders/cancelled). With
    ``ZERO_BACKLOG_SHOPIFY_SECRET`` set, ``X-Shopify-Hmac-Sha256`` must sign the body."""
    secret = shopify.shopify_secret()
    if secret is not None and not shopify.hmac_valid(body, signature, secret):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad X-Shopify-Hmac-Sha256")
    return _imported(db, request, shopify.from_webhook(_json(body)), tasks)


@router.post(
    "/integrations/shopify/orders.csv",
    response_model=ImportReport,
    response_model_exclude_none=True,
    responses=REJECTED,
    openapi_extra=_body({"type": "string"}, "text/csv"),
)
def shopify_csv(body: RawBody, db: Db, request: Request, tasks: BackgroundTasks) -> ImportReport:
    """A Shopify orders export (CSV, one row per line item): a per-order import report."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DocumentError([FieldError("", f"not UTF-8 text: {error}")]) from None
    return _imported(db, request, shopify.from_csv(text), tasks)
