"""`madoguchi demo`: database, Kurume FY2026 demo scenario, one account per role, then the server."""

from __future__ import annotations

import contextlib
import importlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from madoguchi.accounts.models import User
from madoguchi.accounts.roles import Role, sync_roles

DEMO_PASSWORD = "madoguchi-demo-2026"
DEMO_ACCOUNTS = [
    ("sato", "佐藤 花子", Role.OPERATOR),
    ("suzuki", "鈴木 一郎", Role.BACK_OFFICE),
    ("takahashi", "高橋 美咲", Role.FLOOR),
    ("tanaka", "田中 健", Role.SITE_MANAGER),
    ("ito", "伊藤 直子", Role.DIRECTOR),
    ("watanabe", "渡辺 誠（市民課）", Role.CITY_STAFF),
    ("yamamoto", "山本 大輔", Role.ADMIN),
]
# Order matters: later apps use earlier apps' demo data (cards before reservations, and so on).
DEMO_APPS = [
    "calendar",
    "faq",
    "cards",
    "reservations",
    "calls",
    "staffing",
    "outreach",
    "floor",
    "incidents",
    "reports",
]


@contextlib.contextmanager
def background_workers(stdout: Any) -> Iterator[None]:
    """A job worker and the scheduler beside the demo server (production runs them under systemd)."""
    commands = [["db_worker", "--queue-name", "*", "--interval", "0.5"], ["run_scheduler"]]
    # Fixed argument lists, our own interpreter: no untrusted input reaches the command line.
    processes = [subprocess.Popen([sys.executable, "-m", "madoguchi", *command]) for command in commands]  # noqa: S603
    stdout.write("バックグラウンド処理のワーカーと定期処理のスケジューラーを起動しました。")
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


class Command(BaseCommand):
    help = "デモ環境を用意して起動します（var/ にデータベースと鍵を作成し、デモデータとアカウントを読み込みます）。"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="待ち受けるポート（既定 8000）")
        parser.add_argument("--no-serve", action="store_true", help="準備だけしてサーバーは起動しない")
        parser.add_argument("--reset", action="store_true", help="デモのデータベースを作り直す")

    def handle(self, *args, **options):
        started = time.monotonic()
        if not os.environ.get("MADOGUCHI_PUBLIC_BASE_URL"):
            # Links in the demo's e-mails (booking confirmations, reminders) point at this server's port; the worker
            # and the scheduler inherit it.
            url = f"http://127.0.0.1:{options['port']}"
            os.environ["MADOGUCHI_PUBLIC_BASE_URL"] = settings.MADOGUCHI_PUBLIC_BASE_URL = url
        db = settings.DATABASES["default"]
        if options["reset"]:
            if db["ENGINE"] != "django.db.backends.sqlite3":
                raise CommandError("--reset は SQLite のデモ用データベースにだけ使えます。")
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                path = settings.VAR_DIR / f"demo.sqlite3{suffix}"
                if path.exists():
                    path.unlink()
            self.stdout.write("デモのデータベースを削除しました。")
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        sync_roles()
        self._accounts()
        for app in DEMO_APPS:
            module = importlib.import_module(f"madoguchi.{app}.demo")
            t0 = time.monotonic()
            with transaction.atomic():
                summary = module.load(stdout=self.stdout)
            if summary:
                self.stdout.write(f"  {app}: {summary}（{time.monotonic() - t0:.1f}秒）")
        self._print_logins(options["port"])
        self.stdout.write(f"準備完了（{time.monotonic() - started:.1f}秒）")
        if not options["no_serve"]:
            with background_workers(self.stdout):
                call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)

    def _accounts(self) -> None:
        for username, name, role in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                user.groups.add(Group.objects.get(name=role))

    def _print_logins(self, port: int) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"madoguchi デモ: http://127.0.0.1:{port}/"))
        self.stdout.write(f"デモ用アカウント（パスワードはすべて {DEMO_PASSWORD}）:")
        for username, name, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<10} {role.label}（{name}）")
        self.stdout.write(
            "2段階認証の必須設定はデモではオフです（本番設定では統括管理者・システム管理者・市職員に必須）。"
        )
