"""Browser tests: the demo service in a subprocess (``zero-backlog serve --demo``, a fresh
SQLite file) and Debian's headless Chromium driven by Playwright.

The browser is ``ZERO_BACKLOG_TEST_CHROMIUM`` or ``/usr/bin/chromium`` (``bash
.ci/chromium.sh`` installs it; Playwright downloads none). Without one the tests skip,
saying so; with ``ZERO_BACKLOG_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from scenarios.loadtest import free_port

CHROMIUM_VAR = "ZERO_BACKLOG_TEST_CHROMIUM"
REQUIRE_BROWSER_VAR = "ZERO_BACKLOG_REQUIRE_BROWSER"
#: Flags this machine's closed network needs (no background connections, no sandbox as root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY_TIMEOUT_S = 120.0
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}


def _no_browser(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_BROWSER_VAR) == "1":
        pytest.fail(f"{reason}; {REQUIRE_BROWSER_VAR}=1 requires a browser", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get(CHROMIUM_VAR) or "/usr/bin/chromium"
    if not Path(path).exists():
        _no_browser(f"no Chromium at {path} (install it with `bash .ci/chromium.sh`)")
    return path


@dataclass(frozen=True)
class Server:
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/v1/windows/latest", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``zero-backlog serve --demo`` on a free port, once its first window is planned."""
    folder = tmp_path_factory.mktemp("demo-server")
    port = free_port()
    server = Server(f"http://127.0.0.1:{port}", folder / "server.log")
    env = {
        **os.environ,
        "ZERO_BACKLOG_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}",
        "ZERO_BACKLOG_API_KEYS": "",
        "ZERO_BACKLOG_WINDOW_TIME_LIMIT_S": "5",
    }
    command = [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)]
    with server.log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        give_up = time.monotonic() + READY_TIMEOUT_S
        while not _ready(server.base_url):
            if process.poll() is not None:
                pytest.fail(f"the demo server exited {process.returncode}:\n{server.log_tail()}")
            if time.monotonic() > give_up:
                pytest.fail(f"the demo server planned no window in time:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser: Any, server: Server, viewport: dict[str, int], **options: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=server.base_url, viewport=viewport, **options)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Any, demo_server: Server) -> Iterator[Any]:
    """A page at 1280x800 (no JavaScript error may happen on it)."""
    yield from _page(browser, demo_server, DESKTOP)


@pytest.fixture
def tablet_page(browser: Any, demo_server: Server) -> Iterator[Any]:
    """A page at a tablet's 820x1180, touch enabled."""
    yield from _page(browser, demo_server, TABLET, has_touch=True, is_mobile=True)
