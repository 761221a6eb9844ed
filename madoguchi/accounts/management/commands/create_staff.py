import getpass

from django.core.management.base import BaseCommand, CommandError

from madoguchi.accounts.roles import Role
from madoguchi.accounts.services import staff_create


class Command(BaseCommand):
    help = "本人専用の職員アカウントを作成します（例: madoguchi create_staff yamada --role admin）。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help="表示名")
        parser.add_argument("--email", default="")

    def handle(self, *args, **options):
        password = getpass.getpass("パスワード（12文字以上）: ")
        if len(password) < 12:
            raise CommandError("パスワードは12文字以上にしてください。")
        user = staff_create(
            username=options["username"],
            password=password,
            role=options["role"],
            display_name=options["name"],
            email=options["email"],
        )
        self.stdout.write(self.style.SUCCESS(f"作成しました: {user.username} ({options['role']})"))
