import getpass

from django.core.exceptions import ValidationError
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
        parser.add_argument(
            "--temporary", action="store_true", help="仮のパスワードとして作成し、初回ログイン時に変更させる"
        )

    def handle(self, *args, **options):
        password = getpass.getpass("パスワード（12文字以上）: ")
        try:
            user = staff_create(
                username=options["username"],
                password=password,
                role=options["role"],
                display_name=options["name"],
                email=options["email"],
                must_change_password=options["temporary"],
            )
        except ValidationError as exc:
            # The same validators as every other path that sets a password (settings.AUTH_PASSWORD_VALIDATORS).
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"作成しました: {user.username} ({options['role']})"))
