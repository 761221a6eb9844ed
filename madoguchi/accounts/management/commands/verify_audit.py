from django.core.management.base import BaseCommand, CommandError

from madoguchi.accounts.chain import chain_verify


class Command(BaseCommand):
    help = "監査ログのハッシュ連鎖を検証し、最初に壊れている箇所を報告します（異常があれば終了コード1）。"

    def handle(self, *args, **options):
        report = chain_verify()
        if report.unchained:
            self.stdout.write(f"連鎖導入前の行: {report.unchained}件（検証対象外）")
        if report.broken is not None:
            raise CommandError(f"監査ログの改ざんまたは欠落を検出しました。最初の異常: {report.broken}")
        self.stdout.write(
            self.style.SUCCESS(f"監査ログのハッシュ連鎖は正常です（{report.checked}件を検証）。")
        )
