from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, TwoFactorApproval
from madoguchi.accounts.services import audit_record


class Command(BaseCommand):
    help = (
        "2段階認証の登録を承認します（最初の管理者など、承認できる別の管理者がいない場合に、サーバー上で本人確認の"
        "うえ実行）。例: madoguchi approve_2fa yamada"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        with transaction.atomic():
            approval = (
                TwoFactorApproval.objects.select_for_update()
                .select_related("device")
                .filter(device__user__username=options["username"], approved_at__isnull=True)
                .first()
            )
            if approval is None:
                raise CommandError(f"「{options['username']}」の承認待ちの2段階認証の登録はありません。")
            approval.approved_at = timezone.now()
            approval.save(update_fields=["approved_at"])
            approval.device.confirmed = True
            approval.device.save(update_fields=["confirmed"])
            audit_record(
                actor=None,
                action=AuditEvent.Action.UPDATE,
                obj=approval,
                detail={"step": "2fa_enrolment_approved", "via": "command", "user": approval.device.user_id},
            )
        self.stdout.write(self.style.SUCCESS(f"承認しました: {options['username']}"))
