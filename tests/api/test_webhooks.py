"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1 (a thread in this process).

Back-off delays are a few milliseconds (base_delay_s=0.01) and the jitter is seeded, so the
retry tests take well under a second; only the Retry-After test waits its one second.
"""

from __future__ import annotations

import dataclasses
import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from api.webhooks import (
    MAX_RETRY_AFTER_S,
    SIGNATURE_TOLERANCE_S,
    DeliveryRecord,
    WebhookSender,
    backoff_delay,
    parse_retry_after,
    sign,
    verify_signature,
    webhook_settings_from_env,
)

SECRET = "s3cret"


Receivers = Callable[..., "Receiver"]
Senders = Callable[..., WebhookSender]


@dataclasses.dataclass
class Received:
    at: float  # time.monotonic() when the request arrived
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclasses.dataclass
class Receiver:
    """What the receiver answers: ``fail_first`` requests get ``fail_status`` (with
    ``Retry-After`` when set), later ones 204; ``always_status`` (with ``Retry-After`` when
    set) overrides both."""

    url: str = ""
    fail_first: int = 0
    fail_status: int = 500
    retry_after: str | None = None
    always_status: int | None = None
    requests: list[Received] = dataclasses.field(default_factory=list)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def answer(self, request: Received) -> tuple[int, dict[str, str]]:
        with self.lock:
            self.requests.append(request)
            count = len(self.requests)
        extra = {"Retry-After": self.retry_after} if self.retry_after else {}
        if self.always_status is not None:
            return self.always_status, extra
        if count <= self.fail_first:
            return self.fail_status, extra
        return 204, {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        arrived = time.monotonic()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, extra = self.server.receiver.answer(Received(arrived, headers, body))
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line on stderr per request."""


def _fast_sender(urls: list[str], secret: str | None = SECRET, **options: Any) -> WebhookSender:
    """A sender whose back-off waits at most 0.05 s, with seeded jitter."""
    settings: dict[str, Any] = {"base_delay_s": 0.01, "max_delay_s": 0.05, "timeout_s": 2.0}
    return WebhookSender(urls, secret, **{**settings, "seed": 7, **options})


@pytest.fixture
def receiver() -> Iterator[Receivers]:
    """Starts receivers (``receiver(fail_first=2)``); all are shut down after the test."""
    servers: list[_Server] = []

    def start(**behaviour: Any) -> Receiver:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_port}/hook", **behaviour)
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        servers.append(server)
        return server.receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sender() -> Iterator[Senders]:
    """Starts senders (``sender([url], max_attempts=3)``, fast back-off); stopped after."""
    senders: list[WebhookSender] = []

    def start(urls: list[str], **options: Any) -> WebhookSender:
        created = _fast_sender(urls, **options)
        created.start()
        senders.append(created)
        return created

    yield start
    for created in senders:
        created.stop(timeout_s=5)


def _settled(
    sender: WebhookSender, delivery_id: str, timeout_s: float = 5.0
) -> list[DeliveryRecord]:
    """The delivery's records once none is pending."""
    give_up = time.monotonic() + timeout_s
    while time.monotonic() < give_up:
        records = sender.deliveries(delivery_id)
        if records and all(record.status != "pending" for record in records):
            return records
        time.sleep(0.005)
    raise AssertionError(f"still pending after {timeout_s} s: {sender.deliveries(delivery_id)}")


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


# --- delivery -------------------------------------------------------------------------------


def test_sender_delivers_once_signed_with_headers(receiver: Receivers, sender: Senders) -> None:
    """A 204 on the first try: one request, signed over timestamp.body, record delivered."""
    hook = receiver()
    webhooks = sender([hook.url])
    delivery_id = webhooks.send("exception.opened", {"exception_id": "EX-1", "code": "NO_STOCK"})
    [record] = _settled(webhooks, delivery_id)
    webhooks.stop()
    assert record == DeliveryRecord(delivery_id, hook.url, "exception.opened", 1, "delivered")
    [request] = hook.requests
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert headers["x-zerobacklog-event"] == "exception.opened"
    assert headers["x-zerobacklog-delivery"] == delivery_id
    assert headers["x-zerobacklog-attempt"] == "1"
    assert abs(int(headers["x-zerobacklog-timestamp"]) - time.time()) < 5
    assert headers["x-zerobacklog-signature"].startswith("sha256=")
    assert verify_signature(
        SECRET, headers["x-zerobacklog-timestamp"], request.body, headers["x-zerobacklog-signature"]
    )
    document = json.loads(request.body)
    assert document["id"] == delivery_id
    assert document["type"] == "exception.opened"
    assert document["data"] == {"exception_id": "EX-1", "code": "NO_STOCK"}
    assert datetime.fromisoformat(document["created_at"]).tzinfo is not None


def test_sender_without_secret_sends_no_signature(receiver: Receivers, sender: Senders) -> None:
    """No secret configured: the request is delivered, unsigned."""
    hook = receiver()
    webhooks = sender([hook.url], secret=None)
    [record] = _settled(webhooks, webhooks.send("exception.opened", {}))
    assert record.status == "delivered"
    assert "x-zerobacklog-signature" not in hook.requests[0].headers


def test_sender_retries_after_500_then_delivers(receiver: Receivers, sender: Senders) -> None:
    """Two 500s, then 204: three tries of the same delivery, each freshly signed."""
    hook = receiver(fail_first=2, fail_status=500)
    webhooks = sender([hook.url])
    delivery_id = webhooks.send("exception.opened", {"exception_id": "EX-2"})
    [record] = _settled(webhooks, delivery_id)
    assert (record.status, record.attempts, record.last_error) == ("delivered", 3, "HTTP 500")
    assert [r.headers["x-zerobacklog-attempt"] for r in hook.requests] == ["1", "2", "3"]
    assert {r.headers["x-zerobacklog-delivery"] for r in hook.requests} == {delivery_id}
    assert len({r.body for r in hook.requests}) == 1
    for request in hook.requests:
        timestamp = request.headers["x-zerobacklog-timestamp"]
        assert verify_signature(
            SECRET, timestamp, request.body, request.headers["x-zerobacklog-signature"]
        )


def test_sender_honours_retry_after_on_429(receiver: Receivers, sender: Senders) -> None:
    """A 429 with Retry-After: 1 (back-off alone would wait at most 0.05 s): the retry
    arrives at least one second after the first try."""
    hook = receiver(fail_first=1, fail_status=429, retry_after="1")
    webhooks = sender([hook.url])
    [record] = _settled(webhooks, webhooks.send("exception.opened", {}))
    assert (record.status, record.attempts) == ("delivered", 2)
    first, second = hook.requests
    assert second.at - first.at >= 1.0


def test_sender_does_not_retry_400(receiver: Receivers, sender: Senders) -> None:
    """A 400 is the receiver refusing the event: failed after one try, never retried."""
    hook = receiver(always_status=400)
    webhooks = sender([hook.url])
    [record] = _settled(webhooks, webhooks.send("exception.opened", {}))
    assert webhooks.stop()
    assert (record.status, record.attempts) == ("failed", 1)
    assert record.last_error == "HTTP 400 (not retried)"
    assert len(hook.requests) == 1


def test_sender_gives_up_after_max_attempts(receiver: Receivers, sender: Senders) -> None:
    """Always 503 with max_attempts=4: exactly four tries, then failed."""
    hook = receiver(always_status=503)
    webhooks = sender([hook.url], max_attempts=4)
    [record] = _settled(webhooks, webhooks.send("exception.opened", {}))
    assert webhooks.stop()
    assert (record.status, record.attempts) == ("failed", 4)
    assert record.last_error == "HTTP 503; gave up after 4 attempts"
    assert len(hook.requests) == 4


def test_sender_retries_transport_errors(sender: Senders) -> None:
    """Nothing listens on the port: connection refused each time, three tries, failed."""
    webhooks = sender([_closed_port_url()], max_attempts=3)
    [record] = _settled(webhooks, webhooks.send("exception.opened", {}))
    assert (record.status, record.attempts) == ("failed", 3)
    assert record.last_error is not None
    assert record.last_error.startswith("ConnectError")


def test_sender_delivers_to_every_url(receiver: Receivers, sender: Senders) -> None:
    """Two healthy receivers and one failing with 400: one record per URL, same id."""
    first, second, refusing = receiver(), receiver(fail_first=1), receiver(always_status=400)
    webhooks = sender([first.url, second.url, refusing.url])
    delivery_id = webhooks.send("exception.opened", {"exception_id": "EX-3"})
    records = {record.url: record for record in _settled(webhooks, delivery_id)}
    assert records[first.url].status == records[second.url].status == "delivered"
    assert (records[second.url].attempts, records[refusing.url].status) == (2, "failed")
    for hook in (first, second, refusing):
        assert {r.headers["x-zerobacklog-delivery"] for r in hook.requests} == {delivery_id}


def test_sender_queues_events_sent_before_start(receiver: Receivers) -> None:
    """send() before start() only queues; start() delivers it."""
    hook = receiver()
    webhooks = _fast_sender([hook.url])
    delivery_id = webhooks.send("exception.opened", {})
    assert webhooks.deliveries(delivery_id)[0].status == "pending"
    webhooks.start()
    try:
        assert _settled(webhooks, delivery_id)[0].status == "delivered"
    finally:
        webhooks.stop()


def test_sender_stop_returns_promptly(receiver: Receivers, sender: Senders) -> None:
    """A retry 30 s away (Retry-After: 30) does not hold stop() up; the record stays
    pending, and an event sent after stop() is failed at once."""
    hook = receiver(always_status=429, retry_after="30")
    webhooks = sender([hook.url])
    delivery_id = webhooks.send("exception.opened", {})
    give_up = time.monotonic() + 5
    while not webhooks.deliveries(delivery_id)[0].last_error and time.monotonic() < give_up:
        time.sleep(0.005)
    started = time.monotonic()
    assert webhooks.stop(timeout_s=5)
    assert time.monotonic() - started < 0.5
    [record] = webhooks.deliveries(delivery_id)
    assert (record.status, record.attempts, record.last_error) == ("pending", 1, "HTTP 429")
    late = webhooks.send("exception.opened", {})
    assert webhooks.deliveries(late)[0].status == "failed"
    assert len(hook.requests) == 1


def test_sender_delivery_log_is_bounded(receiver: Receivers, sender: Senders) -> None:
    """log_size=2 and three events: the two newest records are kept."""
    hook = receiver()
    webhooks = sender([hook.url], log_size=2)
    ids = [webhooks.send("exception.opened", {"n": n}) for n in range(3)]
    for delivery_id in ids[1:]:
        _settled(webhooks, delivery_id)
    assert [record.id for record in webhooks.deliveries()] == ids[1:]


def test_sender_send_rejects_payload_that_is_not_json() -> None:
    """The body is built in send(): a payload json cannot encode fails the caller at once."""
    webhooks = WebhookSender(["http://127.0.0.1:9/hook"], SECRET)
    with pytest.raises(TypeError):
        webhooks.send("exception.opened", {"at": object()})
    assert webhooks.deliveries() == []


# --- signatures -----------------------------------------------------------------------------


def test_verify_signature_accepts_genuine_request() -> None:
    """The header sign() makes verifies, for the body as text or as bytes."""
    now = 1_800_000_000
    header = sign(SECRET, str(now), '{"a":1}')
    assert verify_signature(SECRET, str(now), '{"a":1}', header, now=now)
    assert verify_signature(SECRET, str(now), b'{"a":1}', header, now=now + 10)


def test_verify_signature_rejects_tampered_body() -> None:
    """One changed character in the body, a wrong secret or no header: not genuine."""
    now = 1_800_000_000
    header = sign(SECRET, str(now), '{"qty":1}')
    assert not verify_signature(SECRET, str(now), '{"qty":9}', header, now=now)
    assert not verify_signature("other", str(now), '{"qty":1}', header, now=now)
    assert not verify_signature(SECRET, str(now), '{"qty":1}', None, now=now)
    assert not verify_signature(SECRET, str(now), '{"qty":1}', "sha256=ünïcode", now=now)


def test_verify_signature_rejects_old_timestamp() -> None:
    """A correct signature but a timestamp more than 5 minutes (300 s) from now, past or
    future: a replay; exactly 300 s is still accepted; a timestamp that is not an integer
    is rejected."""
    now = 1_800_000_000
    for skew, accepted in ((300, True), (301, False), (-301, False), (3600, False)):
        sent = str(now - skew)
        header = sign(SECRET, sent, "{}")
        assert verify_signature(SECRET, sent, "{}", header, now=now) is accepted, skew
    assert SIGNATURE_TOLERANCE_S == 300
    assert not verify_signature(SECRET, "soon", "{}", sign(SECRET, "soon", "{}"), now=now)


# --- back-off, Retry-After, settings -----------------------------------------------------


def test_backoff_delay_is_seeded_full_jitter() -> None:
    """The same seed gives the same delays; try n waits in [0, min(cap, base * 2^(n-1))]."""
    first = [backoff_delay(n, 0.5, 30.0, random.Random(3)) for n in range(1, 12)]
    again = [backoff_delay(n, 0.5, 30.0, random.Random(3)) for n in range(1, 12)]
    assert first == again
    for n, delay in enumerate(first, start=1):
        assert 0.0 <= delay <= min(30.0, 0.5 * 2 ** (n - 1))
    assert backoff_delay(10_000, 0.5, 30.0, random.Random(3)) <= 30.0


def test_parse_retry_after_reads_seconds_and_dates() -> None:
    """Delta-seconds, an HTTP date (10 s ahead), a past date (0), junk (None), capped."""
    now = datetime(2026, 12, 4, 8, 0, 0, tzinfo=UTC)
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("Fri, 04 Dec 2026 08:00:10 GMT", now=now) == 10.0
    assert parse_retry_after("Fri, 04 Dec 2026 07:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("999999") == MAX_RETRY_AFTER_S


def test_webhook_settings_from_env_reads_urls_and_secret() -> None:
    """Comma-separated URLs, blanks dropped; an empty secret is no secret."""
    env = {
        "ZERO_BACKLOG_WEBHOOK_URLS": " https://a.example/hook, ,http://b.example:8080/x ",
        "ZERO_BACKLOG_WEBHOOK_SECRET": "",
    }
    assert webhook_settings_from_env(env) == (
        ["https://a.example/hook", "http://b.example:8080/x"],
        None,
    )
    assert webhook_settings_from_env({}) == ([], None)
    assert webhook_settings_from_env({"ZERO_BACKLOG_WEBHOOK_SECRET": "k"}) == ([], "k")
    with pytest.raises(ValueError, match="ZERO_BACKLOG_WEBHOOK_URLS"):
        webhook_settings_from_env({"ZERO_BACKLOG_WEBHOOK_URLS": "ftp://c.example/"})
