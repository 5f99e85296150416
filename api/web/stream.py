"""The dashboard's event stream: the service-wide events (window plans, new exceptions,
state changes) as server-sent events, for as long as the page listens.

An async generator that polls its inbox: it holds no worker thread while quiet, and ends
when the page goes away (uvicorn's graceful-shutdown timeout ends it at shutdown)."""

from __future__ import annotations

import asyncio
import json
import queue
from collections.abc import AsyncIterator

from fastapi import Request

from api.windows import EVENTS, WindowPlanner

#: Seconds between looks at the inbox; a comment line keeps proxies from closing the stream.
POLL_S = 0.25
KEEP_ALIVE_S = 15.0
#: The browser reconnects this many milliseconds after losing the stream.
RETRY_MS = 2000


async def dashboard_events(request: Request, planner: WindowPlanner) -> AsyncIterator[str]:
    inbox = planner.subscribers.subscribe(EVENTS)
    try:
        yield f"retry: {RETRY_MS}\nevent: hello\ndata: {{}}\n\n"
        quiet_s = 0.0
        while not await request.is_disconnected():
            try:
                event = inbox.get_nowait()
            except queue.Empty:
                await asyncio.sleep(POLL_S)
                quiet_s += POLL_S
                if quiet_s >= KEEP_ALIVE_S:
                    quiet_s = 0.0
                    yield ": keep-alive\n\n"
                continue
            quiet_s = 0.0
            yield f"event: {event['event']}\ndata: {json.dumps(event['data'], default=str)}\n\n"
    finally:
        planner.subscribers.unsubscribe(EVENTS, inbox)
