"""Writes of the outreach app (each one transaction with its audit row), the per-event summary and the monthly
summary for the reports app.

Calendar: an outreach event is a special opening of the one calendar (kind OUTREACH). A SpecialDay is unique per
(date, office) and an office's entry replaces its regular hours, so an event only creates one — attached to the
main office, with the event's reception hours — when the main office is otherwise closed for a regular reason
(weekend, national holiday, New Year break) and has no special day yet. On a day the main office is open anyway
(a weekday, a holiday issuance day, a closure entered by a manager) the event is only recorded here: writing an
entry would change the office's own hours. The entry is removed when the event is cancelled or moved.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.services import audit_record
from madoguchi.calendar.models import Office, SpecialDay
from madoguchi.calendar.services import hours_for, special_day_create, special_day_delete
from madoguchi.lib.privacy import refuse_individual_number
from madoguchi.staffing.models import PlanShift, Skill, StaffMember, Unavailability
from madoguchi.staffing.services import untrained_reason

from .models import (
    MAX_WINDOWS,
    ChecklistItem,
    Inquiry,
    OutreachEvent,
    Phase,
    StaffAssignment,
    WindowCount,
    WindowTap,
)

# The main office is "otherwise closed" only for these calendar reasons (see the module docstring).
_REGULARLY_CLOSED = {"weekend", "holiday", "new_year"}

DEFAULT_EQUIPMENT = [
    ("申請受付用タブレット", "windows"),
    ("顔写真撮影用カメラ・背景布", "windows"),
    ("申請書・記載例", None),
    ("本人確認書類チェックシート", None),
    ("番号札・受付簿", None),
    ("案内看板・のぼり", None),
    ("筆記用具・老眼鏡", None),
    ("延長コード・電源タップ", None),
    ("書類保管用の鍵付きケース", None),
]
DEFAULT_SETUP = [
    "窓口の机・椅子の配置",
    "待合の動線とパーテーション",
    "機器の起動と通信の確認",
    "受付時間・必要書類の掲示",
    "画面・書類が周囲から見えない配置の確認",
    "撤収時の書類・機器の数量確認",
]


def _shift(date: datetime.date, time: datetime.time, minutes: int) -> datetime.time:
    """time ± minutes, clamped to the same day."""
    moved = datetime.datetime.combine(date, time) + datetime.timedelta(minutes=minutes)
    if moved.date() < date:
        return datetime.time.min
    if moved.date() > date:
        return datetime.time(23, 59)
    return moved.time()


def _main_office() -> Office | None:
    return Office.objects.active().filter(kind=Office.Kind.MAIN).first()


def _calendar_sync(*, by: User, event: OutreachEvent) -> None:
    """Drop this event's calendar entry and write it again if the rules above allow one."""
    if event.special_day_id:
        day = SpecialDay.objects.filter(pk=event.special_day_id).first()
        event.special_day = None
        if day is not None:
            special_day_delete(by=by, day=day)
    if not event.is_active:
        return
    main = _main_office()
    if main is None or SpecialDay.objects.filter(date=event.date, office=main).exists():
        return
    if hours_for(main, event.date).kind not in _REGULARLY_CLOSED:
        return
    event.special_day = special_day_create(
        by=by,
        date=event.date,
        kind=SpecialDay.Kind.OUTREACH,
        reason=f"出張申請（{event.venue}）"[:200],
        office=main,
        opens=event.opens,
        closes=event.closes,
    )


def _sync_reception(event: OutreachEvent) -> None:
    Phase.objects.filter(event=event, kind=Phase.Kind.RECEPTION).update(
        date=event.date, starts=event.opens, ends=event.closes
    )


def _sync_windows(event: OutreachEvent) -> None:
    existing = set(event.window_counts.values_list("window", flat=True))
    wanted = set(range(1, event.windows + 1))
    used = event.window_counts.filter(window__in=existing - wanted, applications__gt=0)
    if used.exists():
        numbers = "、".join(f"窓口{w.window}" for w in used)
        raise ValidationError({"windows": f"{numbers}には受付件数があるため、窓口数を減らせません。"})
    event.window_counts.filter(window__in=existing - wanted).delete()
    WindowCount.objects.bulk_create([WindowCount(event=event, window=w) for w in sorted(wanted - existing)])


def event_create(
    *,
    by: User,
    venue: str,
    date: datetime.date,
    opens: datetime.time,
    closes: datetime.time,
    windows: int = MAX_WINDOWS,
    venue_detail: str = "",
    note: str = "",
) -> OutreachEvent:
    """Plan an event: windows, a default timeline and checklist, and its calendar entry where one applies."""
    event = OutreachEvent(
        venue=venue.strip(),
        venue_detail=venue_detail.strip(),
        date=date,
        opens=opens,
        closes=closes,
        windows=windows,
        note=note.strip(),
        created_by=by,
    )
    event.full_clean(exclude=["special_day"])
    with transaction.atomic():
        # A form sent twice (a double tap, a reload) must not plan the same event twice.
        if OutreachEvent.objects.active().filter(venue=event.venue, date=date).exists():
            raise ValidationError(
                {
                    "venue": f"{event.venue}（{date.year}年{date.month}月{date.day}日）の出張申請は"
                    "既に登録されています。一覧から開いて変更してください。"
                }
            )
        event.save()
        _sync_windows(event)
        day_before = date - datetime.timedelta(days=1)
        Phase.objects.bulk_create(
            [
                Phase(
                    event=event,
                    kind=Phase.Kind.PREPARATION,
                    date=day_before,
                    starts=datetime.time(13, 0),
                    ends=datetime.time(17, 0),
                    note="備品の確認・積込み（備品と会場への運搬は市が手配）",
                ),
                Phase(
                    event=event, kind=Phase.Kind.SETUP, date=date, starts=_shift(date, opens, -60), ends=opens
                ),
                Phase(event=event, kind=Phase.Kind.RECEPTION, date=date, starts=opens, ends=closes),
                Phase(
                    event=event,
                    kind=Phase.Kind.TEARDOWN,
                    date=date,
                    starts=closes,
                    ends=_shift(date, closes, 60),
                ),
            ]
        )
        items = [
            ChecklistItem(
                event=event,
                kind=ChecklistItem.Kind.EQUIPMENT,
                label=label,
                quantity=windows if per == "windows" else None,
                sort_order=i,
            )
            for i, (label, per) in enumerate(DEFAULT_EQUIPMENT)
        ] + [
            ChecklistItem(event=event, kind=ChecklistItem.Kind.SETUP, label=label, sort_order=i)
            for i, label in enumerate(DEFAULT_SETUP)
        ]
        ChecklistItem.objects.bulk_create(items)
        _calendar_sync(by=by, event=event)
        if event.special_day_id:
            event.save(update_fields=["special_day"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=event,
            detail={
                "date": date.isoformat(),
                "windows": windows,
                "calendar": bool(event.special_day_id),
            },
        )
    return event


EVENT_FIELDS = ("venue", "venue_detail", "date", "opens", "closes", "windows", "note")


def event_update(*, by: User, event: OutreachEvent, **fields: Any) -> OutreachEvent:
    """Change the event; windows, the reception phase and the calendar entry follow."""
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = OutreachEvent.objects.select_for_update().get(pk=event.pk)
        if not locked.is_active:
            raise ValidationError("中止した出張申請は変更できません。")
        old_date = locked.date
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, fields[name])
        locked.full_clean(exclude=["special_day"])
        if not changed:
            return locked
        _sync_windows(locked)
        if "date" in changed:
            _refuse_clashes_on_new_date(locked)
        if {"date", "opens", "closes"} & set(changed):
            if "date" in changed:
                # The whole timeline moves with the day (preparation stays the same number of days before).
                for phase in locked.phases.all():
                    phase.date += locked.date - old_date
                    phase.save(update_fields=["date"])
            _sync_reception(locked)
        if {"date", "opens", "closes", "venue"} & set(changed):
            _calendar_sync(by=by, event=locked)
            changed.append("special_day")
        locked.save(update_fields=changed)
        audit_record(actor=by, action=AuditEvent.Action.UPDATE, obj=locked, detail={"fields": changed})
    return locked


def _refuse_clashes_on_new_date(event: OutreachEvent) -> None:
    """Moving an event must not double-book its staff at another event on the new day."""
    members = {a.member_id: a for a in event.assignments.select_related("member")}
    if not members:
        return
    # Lock the people in a fixed order, as staff_assign does, so a concurrent assignment waits.
    list(StaffMember.objects.select_for_update().filter(pk__in=members).order_by("pk"))
    others = (
        StaffAssignment.objects.select_related("event", "member")
        .filter(member_id__in=members, event__date=event.date)
        .exclude(event=event)
        .exclude(event__status=OutreachEvent.Status.CANCELLED)
    )
    clashes = [
        f"{o.member.name}さん（「{o.event.venue}」{o.starts:%H:%M}〜{o.ends:%H:%M}）"
        for o in others
        if o.starts < members[o.member_id].ends and members[o.member_id].starts < o.ends
    ]
    if clashes:
        raise ValidationError(
            {"date": "移動先の日に同じ時間帯の配置があるため変更できません: " + "、".join(clashes)}
        )


def event_cancel(*, by: User, event: OutreachEvent) -> OutreachEvent:
    """Cancel: the calendar entry goes (another event that day may take it), staff are freed for that time."""
    with transaction.atomic():
        locked = OutreachEvent.objects.select_for_update().get(pk=event.pk)
        if not locked.is_active:
            raise ValidationError("この出張申請は既に中止になっています。")
        locked.status = OutreachEvent.Status.CANCELLED
        _calendar_sync(by=by, event=locked)
        locked.save(update_fields=["status", "special_day"])
        for other in OutreachEvent.objects.active().filter(date=locked.date, special_day__isnull=True):
            _calendar_sync(by=by, event=other)
            if other.special_day_id:
                other.save(update_fields=["special_day"])
                break
        audit_record(actor=by, action=AuditEvent.Action.TRANSITION, obj=locked, detail={"to": "cancelled"})
    return locked


def phases_set(
    *,
    by: User,
    event: OutreachEvent,
    phases: dict[str, tuple[datetime.date, datetime.time, datetime.time, str]],
) -> None:
    """Set the timeline: each phase ends after it starts and the four follow one another in order."""
    errors: dict[str, str] = {}
    for kind, (_date, starts, ends, note) in phases.items():
        if kind not in Phase.Kind.values:
            raise ValidationError(f"工程「{kind}」はありません。")
        label = Phase.Kind(kind).label
        if ends <= starts:
            errors[kind] = f"{label}: 終了は開始より後の時刻にしてください。"
        refuse_individual_number(note, field=kind)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = OutreachEvent.objects.select_for_update().get(pk=event.pk)
        current = {p.kind: p for p in locked.phases.all()}
        for kind, (date, starts, ends, note) in phases.items():
            phase = current[kind]
            phase.date, phase.starts, phase.ends, phase.note = date, starts, ends, note
        ordered = [current[k] for k in Phase.ORDER]
        for before, after in zip(ordered, ordered[1:], strict=False):
            if datetime.datetime.combine(after.date, after.starts) < datetime.datetime.combine(
                before.date, before.starts
            ):
                raise ValidationError(
                    {
                        after.kind: f"{after.get_kind_display()}は{before.get_kind_display()}より後に始めてください。"
                    }
                )
        reception = current[Phase.Kind.RECEPTION]
        if reception.date != locked.date:
            raise ValidationError(
                {Phase.Kind.RECEPTION: "受付は実施日に行ってください（実施日は出張申請の編集で変更します）。"}
            )
        for phase in ordered:
            phase.save(update_fields=["date", "starts", "ends", "note"])
        if (reception.starts, reception.ends) != (locked.opens, locked.closes):
            # The reception phase is the event's opening hours: keep the two (and the calendar) in step.
            locked.opens, locked.closes = reception.starts, reception.ends
            locked.full_clean(exclude=["special_day"])
            _calendar_sync(by=by, event=locked)
            locked.save(update_fields=["opens", "closes", "special_day"])
        audit_record(
            actor=by, action=AuditEvent.Action.UPDATE, obj=locked, detail={"timeline": sorted(phases)}
        )


def _default_shift(event: OutreachEvent) -> tuple[datetime.time, datetime.time]:
    phases = {p.kind: p for p in event.phases.filter(date=event.date)}
    starts = phases[Phase.Kind.SETUP].starts if Phase.Kind.SETUP in phases else event.opens
    ends = phases[Phase.Kind.TEARDOWN].ends if Phase.Kind.TEARDOWN in phases else event.closes
    return starts, ends


def _refuse_other_work(
    *, member: StaffMember, date: datetime.date, starts: datetime.time, ends: datetime.time
) -> None:
    """The staffing app's records for that day: a day off, or a shift at an office (not at an outreach venue)."""
    off = Unavailability.objects.filter(member=member, date=date).first()
    if off is not None:
        reason = f"（{off.reason}）" if off.reason else ""
        raise ValidationError(
            {"member": f"{member.name}さんは{date.month}月{date.day}日が勤務不可日です{reason}。"}
        )
    shift = (
        PlanShift.objects.select_related("plan__office")
        .filter(member=member, date=date, start__lt=ends, end__gt=starts)
        .exclude(skill=Skill.OUTREACH)
        .first()
    )
    if shift is not None:
        raise ValidationError(
            {
                "member": f"{member.name}さんは同じ時間帯に{shift.plan.office.name}の"
                f"{shift.get_skill_display()}シフト（{shift.start:%H:%M}〜{shift.end:%H:%M}）があります。"
            }
        )


def staff_assign(
    *,
    by: User,
    event: OutreachEvent,
    member: StaffMember,
    starts: datetime.time | None = None,
    ends: datetime.time | None = None,
    duty: str = "",
) -> StaffAssignment:
    """Assign a trained staff member for a time on the event day; never the same person twice at one time."""
    refuse_individual_number(duty, field="duty")
    with transaction.atomic():
        # Locking the member serialises concurrent assignments of the same person (no double booking by race).
        member = StaffMember.objects.select_for_update().get(pk=member.pk)
        event = OutreachEvent.objects.get(pk=event.pk)
        if not event.is_active:
            raise ValidationError("中止した出張申請には配置できません。")
        reason = untrained_reason(member=member, skill=Skill.OUTREACH)
        if reason:
            raise ValidationError({"member": reason})
        default_starts, default_ends = _default_shift(event)
        starts, ends = starts or default_starts, ends or default_ends
        if ends <= starts:
            raise ValidationError({"ends": "終了は開始より後の時刻にしてください。"})
        _refuse_other_work(member=member, date=event.date, starts=starts, ends=ends)
        if StaffAssignment.objects.filter(event=event, member=member).exists():
            raise ValidationError({"member": f"{member.name}さんは既にこの出張申請に配置されています。"})
        clash = (
            StaffAssignment.objects.select_related("event")
            .filter(member=member, event__date=event.date, starts__lt=ends, ends__gt=starts)
            .exclude(event__status=OutreachEvent.Status.CANCELLED)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {
                    "member": f"{member.name}さんは同じ時間帯に「{clash.event.venue}」"
                    f"（{clash.starts:%H:%M}〜{clash.ends:%H:%M}）に配置済みです。"
                }
            )
        assignment = StaffAssignment(
            event=event, member=member, starts=starts, ends=ends, duty=duty.strip(), assigned_by=by
        )
        assignment.save()
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            obj=assignment,
            detail={"event": event.pk, "member": member.pk},
        )
    return assignment


def staff_unassign(*, by: User, assignment: StaffAssignment) -> None:
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditEvent.Action.DELETE,
            obj=assignment,
            detail={"event": assignment.event_id, "member": assignment.member_id},
        )
        assignment.delete()


def checklist_tick(*, by: User, item: ChecklistItem, checked: bool) -> ChecklistItem:
    """Tick (who and when) or untick one checklist item."""
    with transaction.atomic():
        locked = ChecklistItem.objects.select_for_update().get(pk=item.pk)
        if checked and not locked.is_checked:
            locked.checked_at, locked.checked_by = timezone.now(), by
        elif not checked and locked.is_checked:
            locked.checked_at, locked.checked_by = None, None
        else:
            return locked
        locked.save(update_fields=["checked_at", "checked_by"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=locked,
            detail={"event": locked.event_id, "checked": checked},
        )
    return locked


def checklist_item_add(
    *, by: User, event: OutreachEvent, kind: str, label: str, quantity: int | None = None
) -> ChecklistItem:
    item = ChecklistItem(event=event, kind=kind, label=(label or "").strip(), quantity=quantity)
    last = event.checklist.filter(kind=kind).order_by("-sort_order").first()
    item.sort_order = (last.sort_order + 1) if last else 0
    item.full_clean()
    with transaction.atomic():
        item.save()
        audit_record(
            actor=by, action=AuditEvent.Action.CREATE, obj=item, detail={"event": event.pk, "kind": kind}
        )
    return item


def _refuse_before_the_day(event: OutreachEvent) -> None:
    # Counts and inquiries are what happened at the venue: a tap on a future event is a wrong event picked.
    if event.date > timezone.localdate():
        raise ValidationError(
            f"この出張申請は{event.date.month}月{event.date.day}日の実施です。"
            "受付件数・問合せは当日から記録できます。"
        )


def window_count_adjust(
    *, by: User, event: OutreachEvent, window: int, delta: int, key: uuid.UUID | None = None
) -> WindowCount:
    """+1 or −1 applications at one window; a count never goes below zero. With the tablet's key, a tap sent
    again (a retry after a lost answer, a queue flushed from two tabs) is applied once."""
    if delta not in (1, -1):
        raise ValidationError("件数は1件ずつ増減します。")
    with transaction.atomic():
        row = WindowCount.objects.select_for_update().filter(event=event, window=window).first()
        if row is None:
            raise ValidationError(f"窓口{window}はこの出張申請にありません。")
        # Taps of one window are serialised by the row lock above, so the key check cannot race its insert.
        if key is not None and WindowTap.objects.filter(key=key).exists():
            return row
        if key is not None:
            WindowTap.objects.create(key=key, event=event, window=window, delta=delta, by=by)
        if not OutreachEvent.objects.filter(pk=event.pk).active().exists():
            raise ValidationError("中止した出張申請の件数は変更できません。")
        if delta > 0:
            _refuse_before_the_day(event)
        if row.applications + delta < 0:
            raise ValidationError(f"窓口{window}の受付件数は0件のため、これ以上減らせません。")
        row.applications += delta
        row.save(update_fields=["applications", "updated_at"])
        audit_record(
            actor=by,
            action=AuditEvent.Action.UPDATE,
            obj=row,
            detail={"event": event.pk, "window": window, "delta": delta},
        )
    return row


def inquiry_add(*, by: User, event: OutreachEvent, text: str, window: int | None = None) -> Inquiry:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "問合せ内容を入力してください。"})
    if window is not None and not 1 <= window <= event.windows:
        raise ValidationError({"window": f"窓口は1〜{event.windows}で選んでください。"})
    _refuse_before_the_day(event)
    inquiry = Inquiry(event=event, at=timezone.now(), window=window, text=text, by=by)
    inquiry.full_clean()
    with transaction.atomic():
        inquiry.save()
        audit_record(actor=by, action=AuditEvent.Action.CREATE, obj=inquiry, detail={"event": event.pk})
    return inquiry


def event_summary(*, event: OutreachEvent) -> dict[str, Any]:
    """One event's figures: applications per window, inquiries, staff, checklist progress, timeline."""
    windows = list(event.window_counts.all())
    checklist = list(event.checklist.all())
    reception_minutes = (
        datetime.datetime.combine(event.date, event.closes)
        - datetime.datetime.combine(event.date, event.opens)
    ).seconds // 60
    applications = sum(w.applications for w in windows)
    return {
        "id": event.pk,
        "date": event.date.isoformat(),
        "venue": event.venue,
        "status": event.status,
        "windows": event.windows,
        "applications": applications,
        "by_window": {w.window: w.applications for w in windows},
        "per_hour": round(applications / (reception_minutes / 60), 1) if reception_minutes else 0,
        "inquiries": event.inquiries.count(),
        "staff": event.assignments.count(),
        "checklist_done": sum(1 for c in checklist if c.is_checked),
        "checklist_total": len(checklist),
        "calendar": bool(event.special_day_id),
    }


def month_summary(*, year: int, month: int) -> dict[str, Any]:
    """Outreach events held in a month (cancelled ones left out) for the monthly report."""
    events = list(OutreachEvent.objects.active().in_month(year, month).order_by("date", "opens"))
    items = [event_summary(event=e) for e in events]
    return {
        "year": year,
        "month": month,
        "events": len(events),
        "windows": sum(e.windows for e in events),
        "applications": sum(i["applications"] for i in items),
        "inquiries": sum(i["inquiries"] for i in items),
        "staff_assignments": sum(i["staff"] for i in items),
        "applications_by_venue": {
            f"{datetime.date.fromisoformat(i['date']):%-m/%-d} {i['venue']}": i["applications"] for i in items
        },
        "items": items,
    }


def applications_total(*, event: OutreachEvent) -> int:
    return event.window_counts.aggregate(n=Sum("applications"))["n"] or 0
