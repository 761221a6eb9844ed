"""Retention runs: a dry run counts, an approved run deletes or anonymises, each rule in its own transaction with
its deletion record (a run killed half-way leaves finished rules recorded and the rest untouched)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.incidents.selectors import open_incident_windows

from .models import DeletionRecord, LegalHold, RetentionApproval
from .rules import rules

Window = tuple[datetime.datetime, datetime.datetime]


class RetentionNotApproved(Exception):
    """No approval for the current schedule: only a dry run may run."""


def current_schedule() -> dict[str, int]:
    return {rule.kind: rule.days for rule in rules()}


def approval_current() -> RetentionApproval | None:
    """The latest approval, if it approved exactly the schedule in force."""
    approval = RetentionApproval.objects.filter(revoked_at__isnull=True).first()
    if approval is None or approval.schedule != current_schedule():
        return None
    return approval


def holds_active() -> list[Window]:
    margin = int(getattr(settings, "MADOGUCHI_RETENTION_INCIDENT_MARGIN_DAYS", 30))
    manual = [(h.start, h.end) for h in LegalHold.objects.filter(released_at__isnull=True)]
    return manual + open_incident_windows(margin_days=margin)


def retention_run(
    *, dry_run: bool, now: datetime.datetime | None = None, progress: Any = None
) -> list[DeletionRecord]:
    """Apply every rule once. A real run needs an approval of the schedule in force."""
    now = now or timezone.now()
    approval = approval_current()
    if not dry_run and approval is None:
        raise RetentionNotApproved("保存期間の削除は承認されていません（試算のみ実行できます）。")
    holds = holds_active()
    records = []
    all_rules = rules()
    for i, rule in enumerate(all_rules):
        if progress is not None:
            progress(done=i, total=len(all_rules), message=rule.label)
        cutoff = now - datetime.timedelta(days=rule.days)
        with transaction.atomic():
            count = rule.purge(before=cutoff, dry_run=dry_run, holds=holds)
            records.append(
                DeletionRecord.objects.create(
                    at=now,
                    kind=rule.kind,
                    rule=rule.describe(),
                    cutoff=cutoff,
                    count=count,
                    dry_run=dry_run,
                    approval=None if dry_run else approval,
                    holds=len(holds),
                )
            )
    return records


def retention_approve(*, by: User) -> RetentionApproval:
    """Approve real deletion under the schedule in force; needs a dry run of that schedule in the last 7 days."""
    from django.core.exceptions import ValidationError

    since = timezone.now() - datetime.timedelta(days=7)
    latest = DeletionRecord.objects.filter(dry_run=True, at__gte=since).order_by("-at").first()
    if latest is None or set(
        DeletionRecord.objects.filter(dry_run=True, at=latest.at).values_list("kind", flat=True)
    ) != set(current_schedule()):
        raise ValidationError("承認の前に、現在の保存期間で試算（削除対象の件数の確認）を実行してください。")
    with transaction.atomic():
        RetentionApproval.objects.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        approval = RetentionApproval.objects.create(approved_by=by, schedule=current_schedule())
        audit_record(
            actor=by, action=AuditEvent.Action.CREATE, obj=approval, detail={"schedule": approval.schedule}
        )
    return approval


def legal_hold_add(*, reason: str, start: datetime.datetime, end: datetime.datetime, by: User) -> LegalHold:
    from django.core.exceptions import ValidationError

    if end < start:
        raise ValidationError({"end": "終了は開始より後にしてください。"})
    with transaction.atomic():
        hold = LegalHold.objects.create(reason=reason, start=start, end=end, created_by=by)
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=hold)
    return hold


def legal_hold_release(*, hold: LegalHold, by: User) -> LegalHold:
    with transaction.atomic():
        hold.released_at = timezone.now()
        hold.save(update_fields=["released_at"])
        audit_record(actor=by, action=AuditEvent.Action.UPDATE, obj=hold, detail={"released": True})
    return hold
