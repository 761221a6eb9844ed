"""Photograph the app's screens for the 業務手順書 from a running server with demo data (Playwright, Chromium).

    uv run madoguchi demo --port 8102 &                      # a server with demo data and demo accounts
    uv run madoguchi manual_screenshots --base-url http://127.0.0.1:8102

The photographs are stored in the database this command is connected to (the newest per screen is printed).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.accounts.management.commands.demo import DEMO_PASSWORD
from madoguchi.reports.manual import ROLE_USERS, SCREENS
from madoguchi.reports.screenshots import check_base_url, chromium_path, store_screenshots, take_screenshots
from madoguchi.reports.services import ReportError


class Command(BaseCommand):
    help = "業務手順書に載せる画面を、デモ用データで動いているサーバーから撮影して保存します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url", required=True, help="サーバーのアドレス（例: http://127.0.0.1:8102）"
        )
        parser.add_argument("--password", default=DEMO_PASSWORD, help="デモ用アカウントのパスワード")
        parser.add_argument(
            "--user",
            action="append",
            default=[],
            metavar="ROLE=USERNAME",
            help=f"役割ごとのアカウント（既定: {', '.join(f'{r}={u}' for r, u in ROLE_USERS.items())}）",
        )
        parser.add_argument(
            "--only", action="append", default=[], metavar="KEY", help=f"撮影する画面（{', '.join(SCREENS)}）"
        )
        parser.add_argument("--month", help="月報・月次締めの対象月（YYYY-MM、既定は前月）")
        parser.add_argument(
            "--allow-remote",
            action="store_true",
            help="このマシン以外のサーバーも撮影する（デモ用データに限る）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = {}
        for item in options["user"]:
            role, _, username = item.partition("=")
            if role not in ROLE_USERS or not username:
                raise CommandError(
                    f"--user は ROLE=USERNAME で指定します（ROLE: {', '.join(ROLE_USERS)}）: {item}"
                )
            users[role] = username
        try:
            base_url = check_base_url(options["base_url"], allow_remote=options["allow_remote"])
            executable = chromium_path()
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                raise CommandError(
                    "Playwright が入っていません（uv sync で開発用の依存関係を入れてください）。"
                ) from None
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
                try:
                    captured = take_screenshots(
                        browser=browser,
                        base_url=base_url,
                        password=options["password"],
                        users=users,
                        keys=options["only"] or None,
                        month=options["month"],
                        report=lambda line: self.stdout.write(line),
                    )
                finally:
                    browser.close()
            shots = store_screenshots(captured)
        except ReportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"{len(shots)} 画面を撮影して保存しました。"))
