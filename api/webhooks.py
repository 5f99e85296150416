"""Outgoing webhooks: signed JSON events, delivered in the background, retried with back-off.

:meth:`WebhookSender.send` only enqueues; one daemon thread POSTs each event to every
configured URL. The body is ``{"id", "type", "created_at", "data"}`` (the same bytes for
every URL and every attempt); the headers are

- ``X-ZeroBacklog-Event``: the event type, e.g. ``exception.opened``;
- ``X-ZeroBacklog-Delivery``: the delivery id, the same for every URL and every retry of
  one event, so a receiver can drop repeats;
- ``X-ZeroBacklog-Attempt``: 1 for the first try, 2 for the first retry, ...;
- ``X-ZeroBacklog-Timestamp``: the time of *this attempt*, whole Unix seconds;
- ``X-ZeroBacklog-Signature``: ``sha256=<hex>``, the HMAC-SHA256 with the shared secret of
  ``f"{timestamp}.{body}"`` (only when a secret is configured).

A 2xx answer is delivered. A transport error (refused, reset, timed out), a 5xx or a 429 is
retried after a back-off drawn with "full jitter" (uniformly between 0 and
``min(max_delay_s, base_delay_s * 2 ** (attempt - 1))``), or after the receiver's
``Retry-After`` when it gives one, until ``max_attempts`` tries have been made; then the
delivery is given up and logged. Any other answer (400, 401, 404, a redirect, ...) is a
receiver's refusal that a retry would not change: failed at once, logged.

Receivers check a request with :func:`verify_signature`: the signature must match and the
timestamp must be within ``SIGNATURE_TOLERANCE_S`` (5 minutes) of the receiver's clock,
either way, so a captured request cannot be replayed later. Each attempt is signed with
its own, fresh timestamp, so a retry that comes long after the event still verifies.

The last ``log_size`` deliveries (one record per event and URL) are kept in memory for
observability: :meth:`WebhookSender.deliveries`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import os
import random
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final, Literal

import httpx

logger = logging.getLogger(__name__)

#: Comma-separated URLs that receive the events (unset or empty: no webhooks).
URLS_ENV: Final = "ZERO_BACKLOG_WEBHOOK_URLS"
#: The shared secret that signs the events (unset or empty: requests are not signed).
SECRET_ENV: Final = "ZERO_BACKLOG_WEBHOOK_SECRET"

#: Seconds a signature's timestamp may be away from the receiver's clock (either way).
SIGNATURE_TOLERANCE_S: Final = 300.0
#: The longest ``Retry-After`` obeyed, in seconds: a longer one is cut to this.
MAX_RETRY_AFTER_S: Final = 3600.0
SIGNATURE_PREFIX: Final = "sha256="

DeliveryStatus = Literal["pending", "delivered", "failed"]


@dataclasses.dataclass(frozen=True)
class DeliveryRecord:
    """Where one event's delivery to one URL stands."""

    id: str
    url: str
    type: str
    attempts: int = 0
    status: DeliveryStatus = "pending"
    last_error: str | None = None


@dataclasses.dataclass(frozen=True)
class _Event:
    id: str
    type: str
    body: str


@dataclasses.dataclass(order=True, frozen=True)
class _Attempt:
    """One try to make, due at ``due`` (``time.monotonic()``); ``seq`` breaks ties (FIFO)."""

    due: float
    seq: int
    url: str = dataclasses.field(compare=False)
    event: _Event = dataclasses.field(compare=False)
    number: int = dataclasses.field(compare=False)


# --- signatures -----------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: str | bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC of ``timestamp.body``."""
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: str | bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance_s: float = SIGNATURE_TOLERANCE_S,
) -> bool:
    """Whether a received webhook is genuine and fresh.

    ``timestamp`` and ``header`` are the ``X-ZeroBacklog-Timestamp`` and
    ``X-ZeroBacklog-Signature`` headers, ``body`` the raw request body. False when the
    signature is missing or does not match (compared in constant time), or when the
    timestamp is not whole Unix seconds or is more than ``tolerance_s`` away from ``now``
    (default: this machine's clock) in either direction: a replayed old request fails.
    """
    if not header:
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), header.strip().encode())


# --- settings, back-off ---------------------------------------------------------------------


def webhook_settings_from_env(
    environ: Mapping[str, str] | None = None,
) -> tuple[list[str], str | None]:
    """The receiving URLs and the secret from ``ZERO_BACKLOG_WEBHOOK_URLS`` (comma-separated)
    and ``ZERO_BACKLOG_WEBHOOK_SECRET``; a URL that is not http(s) raises ``ValueError``."""
    env = os.environ if environ is None else environ
    urls = [url.strip() for url in env.get(URLS_ENV, "").split(",") if url.strip()]
    for url in urls:
        if httpx.URL(url).scheme not in ("http", "https"):
            raise ValueError(f"{URLS_ENV}: {url!r} is not an http(s) URL")
    return urls, env.get(SECRET_ENV) or None


def backoff_delay(
    attempt: int, base_delay_s: float, max_delay_s: float, rng: random.Random
) -> float:
    """Seconds to wait after failed try number ``attempt`` (1, 2, ...): full jitter, that is
    uniform on [0, min(max_delay_s, base_delay_s * 2 ** (attempt - 1))]."""
    ceiling = min(max_delay_s, base_delay_s * 2.0 ** min(attempt - 1, 62))
    return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), at most
    ``MAX_RETRY_AFTER_S``; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _body(delivery_id: str, event_type: str, payload: dict[str, Any]) -> str:
    """The JSON body (ASCII, so its bytes are unambiguous); raises TypeError early, in
    :meth:`WebhookSender.send`, for a payload that is not JSON."""
    created_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    document = {"id": delivery_id, "type": event_type, "created_at": created_at, "data": payload}
    return json.dumps(document, separators=(",", ":"), allow_nan=False)


# --- the sender -----------------------------------------------------------------------------


class WebhookSender:
    """The outgoing webhooks of one app: a schedule of attempts and one delivery thread.

    ``seed`` fixes the jitter's random numbers (tests); None draws them from the operating
    system, so that several instances of the service do not retry in step.
    """

    def __init__(
        self,
        urls: list[str],
        secret: str | None,
        max_attempts: int = 6,
        base_delay_s: float = 0.5,
        max_delay_s: float = 30.0,
        timeout_s: float = 5.0,
        *,
        seed: int | None = None,
        log_size: int = 1000,
        max_pending: int = 10_000,
    ) -> None:
        if max_attempts < 1 or log_size < 1 or max_pending < 1:
            raise ValueError("max_attempts, log_size and max_pending must be at least 1")
        self.urls = list(urls)
        self._secret = secret
        self._max_attempts = max_attempts
        self._base_delay_s = base_delay_s
        self._max_delay_s = max_delay_s
        self._timeout_s = timeout_s
        self._rng = random.Random(seed)
        self._log_size = log_size
        self._max_pending = max_pending
        self._wake = threading.Condition()
        self._schedule: list[_Attempt] = []
        self._seq = itertools.count()
        self._log: OrderedDict[tuple[str, str], DeliveryRecord] = OrderedDict()
        self._stopping = False
        self._thread: threading.Thread | None = None

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Start the delivery thread (events sent before are delivered now)."""
        with self._wake:
            if self._thread is not None or self._stopping:
                raise RuntimeError("a WebhookSender starts once")
            self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Stop delivering; True when the thread ended within ``timeout_s``. Deliveries not
        finished stay ``pending`` in the log (they are in memory only: not sent later)."""
        with self._wake:
            self._stopping = True
            left = len(self._schedule)
            self._wake.notify_all()
        if left:
            logger.warning("webhooks: stopping with %d attempt(s) not made", left)
        if self._thread is None:
            return True
        self._thread.join(timeout=timeout_s)
        return not self._thread.is_alive()

    # --- requests ------------------------------------------------------------------------

    def send(self, event_type: str, payload: dict[str, Any]) -> str:
        """Queue an event for every URL and return its delivery id (never blocks)."""
        delivery_id = str(uuid.uuid4())
        event = _Event(delivery_id, event_type, _body(delivery_id, event_type, payload))
        with self._wake:
            refused = self._refusal()
            for url in self.urls:
                self._record(DeliveryRecord(delivery_id, url, event_type))
                if refused:
                    self._update(delivery_id, url, status="failed", last_error=refused)
                else:
                    first = _Attempt(time.monotonic(), next(self._seq), url, event, 1)
                    heapq.heappush(self._schedule, first)
            self._wake.notify_all()
        if refused and self.urls:
            logger.error("webhooks: %s %s dropped: %s", event_type, delivery_id, refused)
        return delivery_id

    def deliveries(self, delivery_id: str | None = None) -> list[DeliveryRecord]:
        """The records kept (oldest first), or only those of one delivery id."""
        with self._wake:
            records = list(self._log.values())
        return [r for r in records if delivery_id is None or r.id == delivery_id]

    # --- bookkeeping (callers hold self._wake) --------------------------------------------

    def _refusal(self) -> str | None:
        if self._stopping:
            return "the webhook sender is stopped"
        if len(self._schedule) + len(self.urls) > self._max_pending:
            return f"more than {self._max_pending} attempts waiting"
        return None

    def _record(self, record: DeliveryRecord) -> None:
        self._log[(record.id, record.url)] = record
        while len(self._log) > self._log_size:
            self._log.popitem(last=False)

    def _update(self, delivery_id: str, url: str, **changes: Any) -> None:
        key = (delivery_id, url)
        if key in self._log:  # an evicted record is not brought back
            self._log[key] = dataclasses.replace(self._log[key], **changes)

    # --- the delivery thread --------------------------------------------------------------

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout_s, follow_redirects=False) as client:
            while (attempt := self._next_due()) is not None:
                try:
                    self._attempt(client, attempt)
                except Exception:  # the thread must survive any one delivery
                    logger.exception("webhooks: %s to %s", attempt.event.id, attempt.url)
                    self._finish(attempt, "failed", "internal error in the webhook sender")

    def _next_due(self) -> _Attempt | None:
        """The next attempt once it is due; None when stopping."""
        with self._wake:
            while not self._stopping:
                if not self._schedule:
                    self._wake.wait()
                    continue
                wait_s = self._schedule[0].due - time.monotonic()
                if wait_s <= 0:
                    return heapq.heappop(self._schedule)
                self._wake.wait(wait_s)
            return None

    def _attempt(self, client: httpx.Client, attempt: _Attempt) -> None:
        with self._wake:
            self._update(attempt.event.id, attempt.url, attempts=attempt.number)
        try:
            response = client.post(
                attempt.url, content=attempt.event.body, headers=self._headers(attempt)
            )
        except httpx.TransportError as error:
            self._retry_or_give_up(attempt, f"{type(error).__name__}: {error}", None)
            return
        code = response.status_code
        if 200 <= code < 300:
            self._finish(attempt, "delivered", None)
        elif code >= 500 or code == 429:
            wait_s = parse_retry_after(response.headers.get("Retry-After"))
            self._retry_or_give_up(attempt, f"HTTP {code}", wait_s)
        else:
            self._finish(attempt, "failed", f"HTTP {code} (not retried)")

    def _headers(self, attempt: _Attempt) -> dict[str, str]:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "zero-backlog-webhooks",
            "X-ZeroBacklog-Event": attempt.event.type,
            "X-ZeroBacklog-Delivery": attempt.event.id,
            "X-ZeroBacklog-Attempt": str(attempt.number),
            "X-ZeroBacklog-Timestamp": timestamp,
        }
        if self._secret:
            headers["X-ZeroBacklog-Signature"] = sign(self._secret, timestamp, attempt.event.body)
        return headers

    def _retry_or_give_up(self, attempt: _Attempt, error: str, retry_after_s: float | None) -> None:
        if attempt.number >= self._max_attempts:
            self._finish(attempt, "failed", f"{error}; gave up after {attempt.number} attempts")
            return
        with self._wake:
            wait_s = retry_after_s
            if wait_s is None:
                wait_s = backoff_delay(
                    attempt.number, self._base_delay_s, self._max_delay_s, self._rng
                )
            self._update(attempt.event.id, attempt.url, last_error=error)
            due, seq, number = time.monotonic() + wait_s, next(self._seq), attempt.number + 1
            retry = dataclasses.replace(attempt, due=due, seq=seq, number=number)
            heapq.heappush(self._schedule, retry)
        message = "webhooks: %s to %s: %s; try %d in %.2f s"
        logger.warning(message, attempt.event.id, attempt.url, error, number, wait_s)

    def _finish(self, attempt: _Attempt, status: DeliveryStatus, error: str | None) -> None:
        changes: dict[str, Any] = {"status": status}
        if error is not None:  # a delivered record keeps the error of its last failed try
            changes["last_error"] = error
        with self._wake:
            self._update(attempt.event.id, attempt.url, **changes)
        event, url = attempt.event, attempt.url
        if status == "delivered":
            logger.info("webhooks: %s %s delivered to %s", event.type, event.id, url)
        else:
            logger.error("webhooks: %s %s to %s failed: %s", event.type, event.id, url, error)
