"""Demo outreach events for FY2026: four Sundays at shopping facilities (two held, two to come), trained staff
from the staffing demo team, ticked checklists, counts per window and inquiries."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.calendar.services import in_new_year_break

from . import services
from .models import ChecklistItem, Inquiry, OutreachEvent, WindowCount

T = datetime.time
EVENTS = [
    (datetime.date(2026, 5, 17), "ゆめタウン久留米", "1階 センターコート", T(10), T(16), 4),
    (datetime.date(2026, 8, 23), "イオンモール久留米", "2階 イベントスペース", T(10), T(16), 4),
    (datetime.date(2026, 11, 15), "ゆめタウン久留米", "1階 センターコート", T(10), T(16), 3),
    (datetime.date(2027, 2, 14), "イオンモール久留米", "1階 センターコート", T(11), T(16), 4),
]
INQUIRIES = [
    "子どもの申請に必要な書類は何か",
    "電子証明書の更新もここでできるか",
    "受取はどこの庁舎でできるか",
    "暗証番号を忘れた場合の手続き",
    "保険証としての利用登録の方法",
    "顔写真は持参が必要か",
]


def _next_free_sunday(today: datetime.date) -> datetime.date:
    """A Sunday one to three weeks ahead that is not the month's last Sunday (a holiday issuance day in the demo),
    so the dashboard always has an event coming up."""
    day = today + datetime.timedelta(days=7 + (6 - today.weekday()) % 7)
    while (day + datetime.timedelta(days=7)).month != day.month or in_new_year_break(day):
        day += datetime.timedelta(days=7)
    return day


def load(*, stdout: Any = None) -> str:
    if OutreachEvent.objects.exists():
        return ""
    soon = _next_free_sunday(timezone.localdate())
    events = sorted(
        EVENTS
        + (
            []
            if soon in {e[0] for e in EVENTS}
            else [(soon, "西鉄久留米駅前 商業施設", "1階 催事場", T(10), T(15), 2)]
        )
    )
    manager = User.objects.filter(username="tanaka").first()
    worker = User.objects.filter(username="takahashi").first() or manager
    if manager is None or worker is None:
        return ""
    from madoguchi.staffing.services import trained_members

    rng = random.Random(4)
    staff = trained_members(skill="outreach")
    today = timezone.localdate()
    assigned = 0
    for date, venue, detail, opens, closes, windows in events:
        event = services.event_create(
            by=manager,
            venue=venue,
            venue_detail=detail,
            date=date,
            opens=opens,
            closes=closes,
            windows=windows,
        )
        for i, member in enumerate(staff[: windows + 1]):
            duty = "責任者・案内" if i == 0 else "受付"
            try:
                services.staff_assign(by=manager, event=event, member=member, duty=duty)
                assigned += 1
            except ValidationError:
                continue
        held = date < today
        items = list(event.checklist.all())
        done = items if held else items[: len(items) // 2]
        start = timezone.make_aware(datetime.datetime.combine(date - datetime.timedelta(days=1), T(14)))
        ChecklistItem.objects.filter(pk__in=[i.pk for i in done]).update(checked_at=start, checked_by=worker)
        if held:
            for row in event.window_counts.all():
                WindowCount.objects.filter(pk=row.pk).update(applications=rng.randint(14, 32))
            Inquiry.objects.bulk_create(
                [
                    Inquiry(
                        event=event,
                        at=timezone.make_aware(datetime.datetime.combine(date, T(10 + k, rng.randrange(60)))),
                        window=rng.randint(1, windows),
                        text=text,
                        by=worker,
                    )
                    for k, text in enumerate(rng.sample(INQUIRIES, 4))
                ]
            )
    return f"出張申請 {len(events)}回（従事者の配置 {assigned}件）"
