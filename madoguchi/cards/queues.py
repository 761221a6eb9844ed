"""Work queues (read only): what is waiting, how many, how many minutes of work.

Minutes: pre-issuance preparation (set-up, printouts, filing) per card in `received`/`set_up`,
post-issuance per card in `issued`; both rates are settings.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, QuerySet

from madoguchi.calendar.models import Office

from .models import Card

S = Card.State


def minutes_preparation() -> int:
    return int(getattr(settings, "MADOGUCHI_MINUTES_PER_CARD_PREPARATION", 20))


def minutes_post_issuance() -> int:
    return int(getattr(settings, "MADOGUCHI_MINUTES_PER_CARD_POST_ISSUANCE", 11))


@dataclass
class Queue:
    key: str
    label: str
    count: int
    minutes_per_card: int = 0
    per_office: list[tuple[Office, int]] = field(default_factory=list)
    help: str = ""

    @property
    def minutes(self) -> int:
        return self.count * self.minutes_per_card

    @property
    def hours_label(self) -> str:
        if not self.minutes_per_card:
            return ""
        h, m = divmod(self.minutes, 60)
        return f"{h}時間{m:02d}分" if h else f"{m}分"


QUEUE_STATES: dict[str, tuple[str, ...]] = {
    "setup": (S.RECEIVED,),
    "file": (S.SET_UP,),
    "mail": (S.FILED,),
    "ship": (S.PREPARED,),
    "post": (S.ISSUED,),
}


def queue_cards(key: str, *, today: datetime.date, office: Office | None = None) -> QuerySet[Card]:
    """The cards of one queue, sorted by storage location (the pull order)."""
    qs = Card.objects.select_related("pickup_office", "storage_location")
    if key == "holding":
        qs = qs.past_holding(today)
    elif key == "nearing":
        qs = qs.nearing_holding(today)
    elif key == "gaiji":
        qs = qs.open().exclude(gaiji_note="")
    elif key == "ship":
        qs = qs.filter(state=S.PREPARED).exclude(pickup_office__kind=Office.Kind.MAIN)
    elif key in QUEUE_STATES:
        qs = qs.filter(state__in=QUEUE_STATES[key])
    else:
        raise KeyError(key)
    if office is not None:
        qs = qs.filter(pickup_office=office)
    return qs.by_storage()


def _per_office(qs: QuerySet[Card], offices: list[Office]) -> list[tuple[Office, int]]:
    counts = dict(qs.values_list("pickup_office").annotate(n=Count("pk")).values_list("pickup_office", "n"))
    return [(o, counts.get(o.pk, 0)) for o in offices if counts.get(o.pk)]


def booked_notice_numbers(office: Office, date: datetime.date) -> list[str]:
    """Notice numbers booked for pickup at office on date (the reservations app's published interface)."""
    from madoguchi.reservations.services import booked_notice_numbers as reserved

    return [str(n) for n in reserved(office=office, date=date)]


@dataclass(frozen=True)
class Booking:
    time: str  # "09:30" ("" for a booking without a slot time)
    code: str  # the booking code as people read it
    group: int  # the reservation: cards booked together (a family) share it
    size: int  # how many cards that booking holds


def day_bookings(office: Office, date: datetime.date) -> dict[int, Booking]:
    """{card id: its booking} for office/date, from the reservations app's published day list."""
    from madoguchi.reservations.services import day_list

    result: dict[int, Booking] = {}
    for reservation in day_list(office=office, date=date):
        links = [link for link in reservation.card_links.all() if link.is_active]
        start = reservation.slot.start.strftime("%H:%M") if reservation.slot else ""
        for link in links:
            result[link.card_id] = Booking(start, reservation.display_code, reservation.pk, len(links))
    return result


def family_order(cards: list[Card], bookings: dict[int, Booking]) -> list[Card]:
    """Storage order, but the cards of one booking (a family) together, where its first card is filed."""

    def place(card: Card) -> str:
        return card.storage_location.code if card.storage_location else "\uffff"

    first: dict[int, tuple[str, str]] = {}
    for card in cards:
        booking = bookings.get(card.pk)
        group = booking.group if booking else -card.pk
        key = (place(card), card.notice_number)
        first[group] = min(first.get(group, key), key)

    def sort_key(card: Card) -> tuple[tuple[str, str], int, str, str]:
        booking = bookings.get(card.pk)
        group = booking.group if booking else -card.pk
        return (first[group], group, place(card), card.notice_number)

    return sorted(cards, key=sort_key)


def day_pull_list(office: Office, date: datetime.date) -> tuple[list[Card], list[str]]:
    """Cards booked for office/date (sorted by storage location) and the booked numbers with no card."""
    from madoguchi.lib.text import normalize_key

    keys = {normalize_key(n) for n in booked_notice_numbers(office, date)}
    cards = list(
        Card.objects.filter(notice_number__in=keys)
        .select_related("pickup_office", "storage_location")
        .by_storage()
    )
    missing = sorted(keys - {c.notice_number for c in cards})
    return cards, missing


def all_queues(today: datetime.date) -> list[Queue]:
    offices = list(Office.objects.active())
    prep = minutes_preparation()
    post = minutes_post_issuance()
    result = []
    specs = [
        ("setup", "交付前設定待ち", prep, "到着したカード。統合端末で交付前設定を行います。"),
        ("file", "収納待ち", 0, "設定済みのカード。収納場所を決めて収納します。"),
        ("mail", "通知書発送待ち", 0, "収納済みで交付通知書をまだ発送していないカード。"),
        ("ship", "支所へ送付待ち", 0, "当日準備済みで受取庁舎が支所のカード。"),
        ("post", "交付後処理待ち", post, "交付済みで交付日の記録・書類整理が終わっていないカード。"),
        ("nearing", "保管期限が近い（14日以内）", 0, "再通知・電話連絡を検討します。"),
        ("holding", "保管期限切れ", 0, "未受領として返納・廃棄の手続きをします。"),
        (
            "gaiji",
            "要外字確認",
            0,
            "氏名・住所に外字・〓・印刷できない文字があるカード。交付通知書と照合します。",
        ),
    ]
    for key, label, minutes, help_text in specs:
        qs = queue_cards(key, today=today)
        result.append(
            Queue(
                key=key,
                label=label,
                count=qs.count(),
                minutes_per_card=minutes,
                per_office=_per_office(qs.order_by(), offices),
                help=help_text,
            )
        )
    # Preparation minutes cover cards not yet filed, i.e. set-up cards too (filing is part of it).
    result[1].minutes_per_card = 0
    return result


def state_counts() -> dict[str, int]:
    counts = dict(Card.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {state: counts.get(state, 0) for state in S.values}
