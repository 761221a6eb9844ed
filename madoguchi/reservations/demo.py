"""Demo bookings for the next three weeks, through the real booking engine (so counters, events and audit rows
are as in production). Scale: the demo has ~3,000 cards (about a tenth of Kurume's year), so about two thirds
of the cards waiting for pickup get a booking, mostly in the next days, some as families; today's list has
arrivals; one capacity cut leaves two bookings to follow up."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import Any

from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.calendar.models import Office
from madoguchi.cards.models import Card

from .models import OfficeSlotSettings, Reservation, Slot
from .services import (
    BookingError,
    capacity_override_set,
    reservation_book,
    reservation_cancel,
    reservation_change,
    reservation_check_in,
    slots_sync,
    window_dates,
)

# Windows × visitors per window per 30-minute slot: the main office has the most counters.
CAPACITY = {"honcho": (3, 2)}
DEFAULT_CAPACITY = (1, 2)


def load(*, stdout: Any = None) -> str:  # noqa: C901 — one seeded generator: split, the draw order (the demo) would change
    if Reservation.objects.exists():
        return ""
    offices = list(Office.objects.active())
    if not offices:
        return ""
    for office in offices:
        windows, per = CAPACITY.get(office.code, DEFAULT_CAPACITY)
        OfficeSlotSettings.objects.update_or_create(
            office=office, defaults={"slot_minutes": 30, "windows": windows, "people_per_window": per}
        )
    rng = random.Random(20261124)
    operator = User.objects.filter(username="sato").first()
    counter_user = User.objects.filter(username="takahashi").first() or operator
    manager = User.objects.filter(username="tanaka").first() or operator
    now = timezone.now()
    today = timezone.localdate(now)
    start, end = window_dates(public=False, today=today)
    end = min(end, today + datetime.timedelta(days=21))
    slots_by_office: dict[int, list[Slot]] = {}
    for office in offices:
        slots_sync(office=office, start=start, end=end)
        slots_by_office[office.pk] = list(
            Slot.objects.filter(office=office, date__range=(start, end), is_open=True).order_by("starts_at")
        )
    cards = list(Card.objects.bookable().select_related("pickup_office").order_by("pk"))
    rng.shuffle(cards)
    cards = cards[: int(len(cards) * 0.68)]
    by_office: dict[int, list] = defaultdict(list)
    for card in cards:
        by_office[card.pickup_office_id].append(card)
    # Bookings made "yesterday" so that today's early slots may be filled too.
    made_at = now - datetime.timedelta(days=1)
    booked = families = web = 0
    made: list[Reservation] = []
    for office_id, office_cards in by_office.items():
        slots = slots_by_office.get(office_id) or []
        if not slots:
            continue
        # Nearer days are busier: weight slots by 1/(days ahead + 2); Thursday evenings are popular.
        weights = [
            (1.0 / ((s.date - today).days + 2)) * (1.8 if s.start >= datetime.time(17, 0) else 1.0)
            for s in slots
        ]
        i = 0
        while i < len(office_cards):
            size = 2 if rng.random() < 0.15 and i + 1 < len(office_cards) else 1
            group = office_cards[i : i + size]
            i += size
            for _ in range(6):
                slot = rng.choices(slots, weights)[0]
                channel = rng.choice(["phone", "phone", "phone", "web", "web"])
                try:
                    r = reservation_book(
                        cards=group,
                        slot=slot,
                        by=operator if channel == "phone" else None,
                        channel=channel,
                        email=f"resident{rng.randrange(10**5):05d}@example.jp" if channel == "web" else "",
                        language="en" if channel == "web" and rng.random() < 0.05 else "ja",
                        now=made_at if slot.starts_at > made_at else now,
                    )
                except BookingError:
                    continue
                made.append(r)
                booked += 1
                families += size > 1
                web += channel == "web"
                break
    # History: a few changes and cancellations by phone.
    changed = cancelled = 0
    for r in rng.sample(made, min(len(made), 25)):
        if r.date <= today:
            continue
        later = [s for s in slots_by_office[r.office_id] if s.date > r.date and s.free >= r.party_size]
        try:
            if later and rng.random() < 0.6:
                reservation_change(reservation=r, slot=rng.choice(later), by=operator, channel="phone")
                changed += 1
            else:
                reservation_cancel(reservation=r, by=operator, channel="phone", note="都合が悪くなったため")
                cancelled += 1
        except BookingError:
            continue
    # Today at the counter: the visitors of the slots already begun have arrived.
    arrived = 0
    if counter_user is not None:
        for r in Reservation.objects.filter(date=today, status=Reservation.Status.BOOKED).select_related(
            "slot"
        ):
            if r.slot and r.slot.starts_at <= now and rng.random() < 0.8:
                reservation_check_in(reservation=r, by=counter_user, now=now)
                arrived += 1
    # A site manager closes one window for training on a booked day: those bookings need a phone call.
    follow = 0
    main = next((o for o in offices if o.kind == Office.Kind.MAIN), offices[0])
    target = (
        Reservation.objects.filter(
            office=main, status=Reservation.Status.BOOKED, date__gt=today + datetime.timedelta(days=2)
        )
        .select_related("slot")
        .order_by("-slot__booked", "date")
        .first()
    )
    if target is not None and manager is not None and target.slot is not None:
        cut = max(0, target.slot.booked - 2)
        result = capacity_override_set(
            office=main,
            date=target.date,
            start=target.slot.start,
            capacity=cut,
            by=manager,
            reason="研修のため窓口を1つ休止",
        )
        follow = len(result.affected)
    return (
        f"予約 {booked}件（家族 {families}件・Web {web}件）、変更 {changed}件・取消 {cancelled}件、"
        f"本日の来庁受付 {arrived}件、要対応 {follow}件"
    )
