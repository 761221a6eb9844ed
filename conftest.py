"""Shared pytest fixtures: a Playwright browser on the system Chromium, and a logged-in page."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _serialise_the_live_server_on_sqlite() -> None:
    """The SQLite test database lives in memory and the live server's threads share its one connection (Django
    passes it to them): two requests at once (a page and its chart images) would interleave their savepoints. Let
    the threads take turns, as one SQLite writer would anyway. PostgreSQL keeps a truly concurrent live server."""
    if (os.environ.get("DATABASE_URL") or "").startswith("postgres"):
        return
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    original = StaticFilesHandler.__call__
    lock = threading.Lock()

    def serialised(self: Any, environ: Any, start_response: Any) -> Any:
        with lock:
            return original(self, environ, start_response)

    StaticFilesHandler.__call__ = serialised  # type: ignore[method-assign]


_serialise_the_live_server_on_sqlite()


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip(
            "Chromium が見つからないためブラウザテストを省略します（apt install chromium、または CHROMIUM=パス）"
        )
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the same test are still sync.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1366, "height": 900}
    )
    pg = context.new_page()
    pg.set_default_timeout(30_000)  # a busy CI machine serves the first page slowly
    yield pg
    context.close()


@pytest.fixture
def login_page(page: Any, live_server: Any) -> Any:
    """Call login_page(user) to log a persona in through the real login form; returns the page."""
    from madoguchi.accounts.testing import PASSWORD

    def _login(user: Any) -> Any:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login
