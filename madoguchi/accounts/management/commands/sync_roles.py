from django.core.management.base import BaseCommand

from madoguchi.accounts.roles import role_permissions, sync_roles


class Command(BaseCommand):
    help = "役割（グループ）と権限を各アプリの宣言どおりに揃えます（migrate の後に自動でも実行されます）。"

    def handle(self, *args, **options):
        sync_roles(verbosity=options["verbosity"])
        for role, perms in role_permissions().items():
            self.stdout.write(f"{role}: {len(perms)} permissions")
