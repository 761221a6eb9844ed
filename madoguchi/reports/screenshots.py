"""Photograph the app's screens for the 業務手順書 with Playwright (system Chromium), from a running server that
shows demo data. Used by `madoguchi manual_screenshots` and by its browser test.

Each role's screens are taken in one browser context logged in as that role's demo account, at 1280×800 in
Japanese and Asia/Tokyo time; every PNG is stored with `services.manual_screenshot_store` (audit row). Run it
against demo data only: the photographs are printed in a document handed to the city and a successor.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from .manual import ROLE_USERS, SCREENS
from .models import ManualScreenshot
from .services import ReportError, manual_screenshot_store


@dataclass(frozen=True)
class Captured:
    key: str
    png: bytes
    path: str


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    raise ReportError("Chromium が見つかりません（apt-get install chromium、または CHROMIUM=パス）。")


def check_base_url(base_url: str, *, allow_remote: bool = False) -> str:
    """The server's address, refused unless it is on this machine (a demo server) or explicitly allowed."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ReportError(f"サーバーのアドレスが正しくありません: {base_url}（例: http://127.0.0.1:8000）")
    if not allow_remote:
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ReportError(
                "撮影はこのマシンで動くデモ用データのサーバーに対してだけ行います（127.0.0.1 / localhost）。"
                "別のサーバーを撮影する場合は、デモ用データであることを確かめて --allow-remote を付けてください。"
            )
    return base_url.rstrip("/")


def previous_month(today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


def take_screenshots(
    *,
    browser: Any,
    base_url: str,
    password: str,
    users: dict[str, str] | None = None,
    keys: Iterable[str] | None = None,
    month: str | None = None,
    report: Callable[[str], None] = lambda line: None,
) -> list[Captured]:
    """Log in as each role's account, open its screens and photograph each (PNG). Store them with
    `store_screenshots` once the browser is closed (Playwright's sync API runs an event loop in this thread,
    inside which Django refuses database work).

    `browser` is a Playwright Chromium browser (the command launches one; tests pass theirs)."""
    users = {**ROLE_USERS, **(users or {})}
    wanted = list(keys) if keys else list(SCREENS)
    unknown = [k for k in wanted if k not in SCREENS]
    if unknown:
        raise ReportError(f"業務手順書にない画面です: {', '.join(unknown)}（{', '.join(SCREENS)}）")
    ym = month or previous_month()
    captured: list[Captured] = []
    for role in dict.fromkeys(SCREENS[k].role for k in wanted):
        context = browser.new_context(
            locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 800}
        )
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)
            username = users[role]
            page.goto(f"{base_url}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            if "/accounts/login/" in page.url:
                raise ReportError(
                    f"{username} でログインできませんでした。デモ用アカウントとパスワードを確かめてください。"
                )
            for key in (k for k in wanted if SCREENS[k].role == role):
                path = SCREENS[key].path.format(ym=ym)
                response = page.goto(f"{base_url}{path}")
                page.wait_for_load_state("networkidle")
                if response is None or response.status >= 400:
                    status = response.status if response is not None else "応答なし"
                    raise ReportError(
                        f"画面「{SCREENS[key].caption}」（{path}）を開けませんでした（{status}）。"
                    )
                captured.append(Captured(key=key, png=page.screenshot(), path=path))
                report(f"{SCREENS[key].caption}: {path}")
        finally:
            context.close()
    return captured


def store_screenshots(captured: Iterable[Captured]) -> list[ManualScreenshot]:
    return [manual_screenshot_store(key=c.key, png=c.png, path=c.path) for c in captured]
