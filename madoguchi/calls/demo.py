"""FY2026 to date: calls at the spec's volumes on the calendar's opening days and hours, roll-overs when the
staffed lines are busy, the callbacks they cause, and office phone memos. Bulk inserts keep it fast."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import Any

from django.utils import timezone

from .models import Call, Callback, CallbackAttempt, CallCategory, PhoneMemo, ReportColumn
from .services import CALLBACK_DUE_MINUTES, phone_key

FY_START = datetime.date(2026, 4, 1)
# The spec's FY2025 table (予約, カードに関する問合せ, その他) by month; FY2026 runs a little higher.
FY2025 = {
    4: (1096, 738, 66),
    5: (1290, 717, 96),
    6: (1306, 761, 85),
    7: (1400, 785, 138),
    8: (1222, 751, 93),
    9: (1313, 680, 95),
    10: (1467, 970, 103),
    11: (1685, 916, 98),
}
DEFAULT_MONTH = (1350, 780, 95)
GROWTH = 1.05
# Roll-overs are calls that never reached us: the answered calls should still match the table.
ANSWERED_SHARE = 0.96

WEEKDAY_WEIGHT = {0: 1.3, 1: 1.05, 2: 1.0, 3: 1.0, 4: 0.95, 5: 0.55, 6: 0.5}
# Half-hour arrival profile from opening: a morning peak, a lunch dip, an afternoon peak, a tail.
PROFILE = [
    1.0,
    1.5,
    1.6,
    1.4,
    1.3,
    1.2,
    1.0,
    0.7,
    0.7,
    1.2,
    1.3,
    1.2,
    1.0,
    0.9,
    0.8,
    0.6,
    0.5,
    0.4,
    0.35,
    0.3,
    0.25,
]

SUBCATEGORY_WEIGHTS: dict[str, dict[str, float]] = {
    ReportColumn.RESERVATION: {"受取予約（新規）": 0.6, "受取予約（変更）": 0.25, "受取予約（取消）": 0.15},
    ReportColumn.CARD_INQUIRY: {
        "通知カード・個人番号通知書": 0.12,
        "カード": 0.38,
        "電子証明書": 0.3,
        "必要書類・持ち物": 0.2,
    },
    ReportColumn.OTHER: {"制度全般": 0.45, "マイナポータル": 0.35, "その他": 0.2},
}
MEAN_SECONDS: dict[str, int] = {
    ReportColumn.RESERVATION: 290,
    ReportColumn.CARD_INQUIRY: 230,
    ReportColumn.OTHER: 190,
}
NOTES: dict[str, list[str]] = {
    ReportColumn.RESERVATION: [
        "家族2名分の予約",
        "平日夜間の枠を希望",
        "休日交付日の予約",
        "変更は前日までと案内",
    ],
    ReportColumn.CARD_INQUIRY: [
        "電子証明書の更新手続きを案内",
        "暗証番号の再設定は窓口と案内",
        "交付通知書の再発行について",
        "必要書類（本人確認書類）を案内",
        "カードの紛失：停止の連絡先を案内",
    ],
    ReportColumn.OTHER: ["保険証ひも付けの操作を案内", "マイナポータルのログイン方法", "制度の概要を説明"],
}
CALLBACK_REASONS = [
    "転出時のカードの扱いを確認して回答",
    "代理人受取に必要な書類を確認して回答",
    "交付通知書が届かない件、発送状況を確認して回答",
    "特急発行の対象か確認して回答",
]
MEMOS = [
    ("市民課 交付担当", "県から照会の件で折り返し希望"),
    ("保険年金課", "保険証ひも付けの問合せ、担当者へ転送希望"),
    ("市民課 係長", "来週の休日交付の人員について確認したい"),
    ("総務課", "郵便物の受取について連絡あり"),
]
FAMILY = ["久留米", "田中", "佐藤", "中村", "松尾", "古賀", "原田", "石橋", "井上", "野口"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "健", "由美", "翔", "陽子"]


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.55:
        return f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    return f"0942-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _staffed_lines(local: datetime.datetime) -> int:
    """Operators on the phones (lines answered): breaks at lunch, more at the peaks, never all 6."""
    t = local.hour * 60 + local.minute
    if 12 * 60 <= t < 13 * 60:
        return 3
    if 9 * 60 <= t < 11 * 60 or 13 * 60 + 30 <= t < 15 * 60:
        return 5
    return 4


def load(*, stdout: Any = None) -> str:  # noqa: C901 — one seeded simulation: split, the draw order (the demo) would change
    if Call.objects.exists():
        return ""
    from madoguchi.accounts.models import User
    from madoguchi.calendar.models import Office
    from madoguchi.calendar.services import opening_days

    office = Office.objects.active().filter(kind=Office.Kind.MAIN).first()
    if office is None:
        return ""
    rng = random.Random(20260401)
    now = timezone.now()
    today = timezone.localdate()
    if today < FY_START:
        return ""
    categories = {c.name: c for c in CallCategory.objects.all()}
    operators: list[User | None] = list(User.objects.filter(groups__name="operator").order_by("pk")) or [None]
    office_staff = list(
        User.objects.filter(groups__name__in=["floor", "operator", "back_office"]).order_by("pk")
    ) or list(User.objects.order_by("pk")[:1])
    managers = list(User.objects.filter(groups__name__in=["site_manager", "director"]).order_by("pk"))

    last_of_year = datetime.date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    days = opening_days(office, FY_START, last_of_year - datetime.timedelta(days=1))
    by_month: dict[tuple[int, int], list] = defaultdict(list)
    for day in days:
        by_month[(day.date.year, day.date.month)].append(day)
    tz = timezone.get_current_timezone()

    calls: list[Call] = []
    pending_callbacks: list[tuple[int, str, datetime.datetime, str]] = []  # (call index, source, at, phone)
    serial = 0
    for (_year, month), month_days in sorted(by_month.items()):
        target = [round(n * GROWTH / ANSWERED_SHARE) for n in FY2025.get(month, DEFAULT_MONTH)]
        weights = []
        for day in month_days:
            minutes = (
                datetime.datetime.combine(day.date, day.closes)
                - datetime.datetime.combine(day.date, day.opens)
            ).seconds / 60
            weights.append(WEEKDAY_WEIGHT[day.date.weekday()] * minutes)
        total_weight = sum(weights)
        for day, weight in zip(month_days, weights, strict=True):
            if day.date > today:
                break
            opens = datetime.datetime.combine(day.date, day.opens, tzinfo=tz)
            closes = datetime.datetime.combine(day.date, day.closes, tzinfo=tz)
            slots = max(1, int((closes - opens).total_seconds() // 1800))
            profile = [PROFILE[min(i, len(PROFILE) - 1)] for i in range(slots)]
            arrivals: list[tuple[datetime.datetime, str]] = []
            for column, month_total in zip(ReportColumn.values, target, strict=True):
                expected = month_total * weight / total_weight
                count = max(0, int(rng.gauss(expected, expected**0.5)))
                for _ in range(count):
                    slot = rng.choices(range(slots), weights=profile)[0]
                    at = opens + datetime.timedelta(seconds=slot * 1800 + rng.randint(0, 1799))
                    if at < closes:
                        arrivals.append((at, column))
            arrivals.sort()
            busy_until = [opens] * 6
            for at, column in arrivals:
                if at > now:
                    break
                serial += 1
                duration = max(40, int(rng.lognormvariate(0, 0.5) * MEAN_SECONDS[column] * 0.88))
                staffed = _staffed_lines(timezone.localtime(at))
                free = [i for i in range(staffed) if busy_until[i] <= at]
                is_cti = rng.random() < 0.7
                phone = _phone(rng) if is_cti or rng.random() < 0.1 else ""
                call = Call(
                    source=Call.Source.CTI if is_cti else Call.Source.MANUAL,
                    cti_call_id=f"demo-{at:%Y%m%d}-n{serial}" if is_cti else None,
                    direction=Call.Direction.INBOUND,
                    started_at=at,
                    phone=phone,
                    phone_hash=phone_key(phone) if phone else "",
                    our_number="0942-30-9000" if is_cti else "",
                )
                if not free:
                    # Every staffed line busy: the call rolls over to a city line and needs a callback.
                    call.status = Call.Status.OVERFLOWED
                    call.ended_at = at + datetime.timedelta(seconds=rng.randint(15, 40))
                    call.phone = call.phone or _phone(rng)
                    call.phone_hash = phone_key(call.phone)
                    calls.append(call)
                    pending_callbacks.append((len(calls) - 1, Callback.Source.OVERFLOW, at, call.phone))
                    continue
                line = free[0]
                answered = at + datetime.timedelta(seconds=rng.randint(3, 15))
                ended = answered + datetime.timedelta(seconds=duration)
                busy_until[line] = ended + datetime.timedelta(seconds=30)  # wrap-up before the next call
                name = _pick(rng, SUBCATEGORY_WEIGHTS[column])
                if column == ReportColumn.RESERVATION:
                    outcome = rng.choices(["booked", "resolved", "callback"], weights=[85, 10, 5])[0]
                else:
                    outcome = rng.choices(["resolved", "callback", "handed_to_city"], weights=[90, 4, 6])[0]
                call.line = line + 1
                if ended > now:
                    if is_cti:  # still on the phone: a CTI call in progress, logged when it ends
                        call.answered_at, call.status = answered, Call.Status.ACTIVE
                        calls.append(call)
                    continue  # a hand-entered call exists only once it is logged
                if is_cti:
                    call.answered_at = answered
                else:
                    call.started_at = answered  # the operator starts the timer on answering
                call.ended_at, call.status, call.duration_seconds = ended, Call.Status.ENDED, duration
                call.subcategory = categories.get(name)
                call.category = column if call.subcategory else ""
                call.outcome = outcome if call.subcategory else ""
                call.operator = operators[(serial + line) % len(operators)]
                call.note = rng.choice(NOTES[column]) if rng.random() < 0.15 else ""
                call.reservation_ref = f"R{rng.randint(100000, 999999)}" if outcome == "booked" else ""
                call.logged_at = ended + datetime.timedelta(seconds=20)
                calls.append(call)
                if outcome == "callback" and call.logged_at:
                    cb_phone = call.phone or _phone(rng)
                    pending_callbacks.append((len(calls) - 1, Callback.Source.UNRESOLVED, ended, cb_phone))
    Call.objects.bulk_create(calls, batch_size=1000)

    # Callbacks: the old ones were made and closed, today's are in the queue (some overdue).
    open_days = [d for d in days if d.date <= today]

    def due_after(at: datetime.datetime) -> datetime.datetime:
        due = at + datetime.timedelta(minutes=CALLBACK_DUE_MINUTES)
        local = timezone.localtime(at)
        for d in open_days:
            if d.date < local.date() or d.opens is None or d.closes is None:
                continue
            closes = datetime.datetime.combine(d.date, d.closes, tzinfo=tz)
            opens = datetime.datetime.combine(d.date, d.opens, tzinfo=tz)
            if d.date == local.date() and due <= closes:
                return due
            if d.date > local.date():
                return opens + datetime.timedelta(minutes=CALLBACK_DUE_MINUTES)
        return due

    callbacks: list[Callback] = []
    attempts_plan: list[list[tuple[datetime.datetime, str]]] = []
    recent = now - datetime.timedelta(minutes=150)
    for index, source, at, phone in pending_callbacks:
        call = calls[index]
        due = due_after(at)
        owner = call.operator or operators[index % len(operators)]
        cb = Callback(
            call=call,
            source=source,
            phone=phone,
            phone_hash=phone_key(phone),
            name=f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}" if source == Callback.Source.UNRESOLVED else "",
            reason=(
                "他回線（市の回線）へ転送された入電への折り返し"
                if source == Callback.Source.OVERFLOW
                else rng.choice(CALLBACK_REASONS)
            ),
            due_at=due,
            created_at=at,
            created_by=call.operator,
            owner=owner,
        )
        plan: list[tuple[datetime.datetime, str]] = []
        if at < recent and owner is not None:
            tries = rng.choices([1, 2, 3], weights=[75, 18, 7])[0]
            moment = at + datetime.timedelta(minutes=rng.randint(5, 25))
            for n in range(tries):
                last = n == tries - 1
                reached = last and (tries < 3 or rng.random() < 0.5)
                plan.append(
                    (moment, "reached" if reached else rng.choice(["no_answer", "busy", "voicemail"]))
                )
                moment += datetime.timedelta(minutes=rng.randint(20, 90))
            cb.status = Callback.Status.CLOSED
            cb.outcome = (
                Callback.Outcome.RESOLVED if plan[-1][1] == "reached" else Callback.Outcome.UNREACHABLE
            )
            cb.closed_at, cb.closed_by = plan[-1][0], owner
        callbacks.append(cb)
        attempts_plan.append(plan)
    Callback.objects.bulk_create(callbacks, batch_size=1000)
    attempts = [
        CallbackAttempt(callback=cb, at=moment, by=cb.owner, outcome=outcome)
        for cb, plan in zip(callbacks, attempts_plan, strict=True)
        for moment, outcome in plan
    ]
    CallbackAttempt.objects.bulk_create(attempts, batch_size=1000)

    # Office phone memos for the last two weeks of opening days.
    memos = []
    for day in open_days[-10:] if office_staff else []:  # a memo needs the staff member who took it
        if day.opens is None:
            continue
        for _ in range(rng.randint(2, 4)):
            at = datetime.datetime.combine(day.date, day.opens, tzinfo=tz) + datetime.timedelta(
                minutes=rng.randint(10, 450)
            )
            if at > now:
                continue
            for_whom, message = rng.choice(MEMOS)
            memo = PhoneMemo(
                kind=rng.choice([PhoneMemo.Kind.OUTSIDE, PhoneMemo.Kind.INTERNAL]),
                received_at=at,
                for_whom=for_whom,
                caller_name=f"{rng.choice(FAMILY)} 様",
                caller_phone=_phone(rng),
                message=message,
                taken_by=rng.choice(office_staff),
            )
            if at < now - datetime.timedelta(hours=4):
                memo.status = PhoneMemo.Status.DONE
                memo.handed_to, memo.handed_over_at, memo.handed_over_by = (
                    for_whom,
                    at + datetime.timedelta(minutes=5),
                    memo.taken_by,
                )
                memo.done_at = at + datetime.timedelta(minutes=rng.randint(30, 240))
                memo.done_by = managers[0] if managers else memo.taken_by
            elif rng.random() < 0.5:
                memo.status = PhoneMemo.Status.HANDED_OVER
                memo.handed_to, memo.handed_over_at, memo.handed_over_by = (
                    for_whom,
                    at + datetime.timedelta(minutes=5),
                    memo.taken_by,
                )
            memos.append(memo)
    PhoneMemo.objects.bulk_create(memos)

    overflow = sum(1 for c in calls if c.status == Call.Status.OVERFLOWED)
    open_count = sum(1 for c in callbacks if c.status == Callback.Status.OPEN)
    return (
        f"通話 {len(calls)}件（他回線へ転送 {overflow}件）、折り返し {len(callbacks)}件（未完了 {open_count}件）、"
        f"架電 {len(attempts)}件、電話メモ {len(memos)}件"
    )
