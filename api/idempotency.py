"""Idempotency keys: a request sent again with its ``Idempotency-Key`` gets the stored answer.

The same key with the same request (method, path and body fingerprint) replays the stored
response; the same key with a different request is refused (HTTP 422). The response is
stored in the request's own transaction, so a request that fails stores nothing and may be
sent again with its key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from api.state_models import IdempotencyRecord
from solver.loading import DocumentError, FieldError

MAX_KEY_CHARS: Final = 255


class IdempotencyConflictError(Exception):
    """The Idempotency-Key was used before with a different request (HTTP 422)."""


@dataclass(frozen=True)
class StoredResponse:
    """A response as it is kept for replays: its status code and JSON body."""

    status_code: int
    body: Any


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 over what makes two requests the same request."""
    return hashlib.sha256(b"\n".join((method.encode(), path.encode(), body))).hexdigest()


def once(
    session: Session, key: str | None, fingerprint: str, run: Callable[[], StoredResponse]
) -> tuple[StoredResponse, bool]:
    """``run()`` once per Idempotency-Key: later requests with the same key and fingerprint
    get the stored response back (second value True); a different request with the key is
    refused. Without a key, ``run()`` runs. A failing ``run()`` stores nothing."""
    if key is None:
        return run(), False
    _check_key(key)
    stored = session.get(IdempotencyRecord, key)
    if stored is not None:
        if stored.request_hash != fingerprint:
            raise IdempotencyConflictError(
                f"Idempotency-Key {key!r} was already used with a different request"
            )
        return StoredResponse(stored.status_code, stored.response), True
    response = run()
    session.add(
        IdempotencyRecord(
            key=key,
            request_hash=fingerprint,
            status_code=response.status_code,
            response=response.body,
            created_at=datetime.now(UTC),
        )
    )
    return response, False


def _check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_CHARS:
        message = f"must be 1 to {MAX_KEY_CHARS} characters"
        raise DocumentError([FieldError("Idempotency-Key", message)])
