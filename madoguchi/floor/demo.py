"""Demo floor counts and Mynaportal assists at the main office for the open days of the last four weeks and today."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.calendar.models import Office
from madoguchi.calendar.services import hours_range

from .models import GuidanceTap, MynaportalAssist, Purpose

# Share of visitors by purpose at the main office (pickups dominate; form help and certificates follow).
WEIGHTS = {
    Purpose.FORM_HELP: 22,
    Purpose.PICKUP: 38,
    Purpose.E_CERTIFICATE: 16,
    Purpose.ADDRESS_CHANGE: 9,
    Purpose.MYNAPORTAL: 8,
    Purpose.OTHER: 7,
}
TOPICS = [
    (MynaportalAssist.Topic.INSURANCE, 5),
    (MynaportalAssist.Topic.PUBLIC_FUND_ACCOUNT, 2),
    (MynaportalAssist.Topic.CANNOT_LOGIN, 2),
    (MynaportalAssist.Topic.OTHER, 1),
]
OUTCOMES = [
    (MynaportalAssist.Outcome.DONE, 6),
    (MynaportalAssist.Outcome.EXPLAINED, 2),
    (MynaportalAssist.Outcome.REFERRED, 1),
    (MynaportalAssist.Outcome.NOT_RESOLVED, 1),
]


def _pick(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def load(*, stdout: Any = None) -> str:
    if GuidanceTap.objects.exists():
        return ""
    office = Office.objects.filter(kind=Office.Kind.MAIN).first()
    user = (
        User.objects.filter(username="takahashi").first() or User.objects.filter(is_superuser=False).first()
    )
    if office is None or user is None:
        return ""
    rng = random.Random(8)
    now = timezone.localtime()
    today = now.date()
    taps, assists = [], []
    tz = timezone.get_current_timezone()
    for day in hours_range(office, today - datetime.timedelta(days=28), today):
        if not day.is_open or day.opens is None or day.closes is None:
            continue
        start = datetime.datetime.combine(day.date, day.opens, tzinfo=tz)
        end = datetime.datetime.combine(day.date, day.closes, tzinfo=tz)
        if day.date == today:
            end = min(end, now)
        span = int((end - start).total_seconds())
        if span <= 0:
            continue
        visitors = rng.randint(70, 130) * span // (8 * 3600 + 45 * 60)
        for _ in range(visitors):
            at = start + datetime.timedelta(seconds=rng.randrange(span))
            purpose = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
            taps.append(GuidanceTap(office=office, purpose=purpose, at=at, day=day.date, by=user))
        for _ in range(rng.randint(3, 9) * span // (8 * 3600 + 45 * 60)):
            follow_up = rng.random() < 0.1
            assists.append(
                MynaportalAssist(
                    at=start + datetime.timedelta(seconds=rng.randrange(span)),
                    office=office,
                    topic=_pick(rng, TOPICS),
                    outcome=MynaportalAssist.Outcome.NOT_RESOLVED if follow_up else _pick(rng, OUTCOMES),
                    minutes=rng.choice([5, 10, 10, 15, 20, 30]),
                    follow_up=follow_up,
                    contact_name="久留米 花子" if follow_up else "",
                    contact_phone="0942-00-0000" if follow_up else "",
                    note="暗証番号の再設定が必要なため後日再来庁" if follow_up else "",
                    by=user,
                )
            )
    GuidanceTap.objects.bulk_create(taps, batch_size=500)
    MynaportalAssist.objects.bulk_create(assists, batch_size=500)
    return f"フロア案内 {len(taps)}人、マイナポータル支援 {len(assists)}件"
