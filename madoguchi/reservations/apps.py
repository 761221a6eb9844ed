from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig

from madoguchi.accounts.roles import Role

if TYPE_CHECKING:
    from madoguchi.cards.models import Card

_VIEW = ["reservations.view_reservation", "reservations.view_slot", "reservations.view_daylist"]
_BOOK = ["reservations.book_reservation"]
_COUNTER = ["reservations.counter_reservation"]
_MANAGE = [
    "reservations.manage_slots",
    "reservations.manage_appointment_types",
    "reservations.view_appointmenttype",
]


class ReservationsConfig(AppConfig):
    name = "madoguchi.reservations"
    label = "reservations"
    verbose_name = "受取予約"
    role_permissions = {
        # Operators take bookings on the phone; the counter (back office, floor) checks visitors in and issues.
        Role.OPERATOR: _VIEW + _BOOK,
        Role.BACK_OFFICE: _VIEW + _BOOK + _COUNTER,
        Role.FLOOR: _VIEW + _BOOK + _COUNTER,
        Role.SITE_MANAGER: _VIEW + _BOOK + _COUNTER + _MANAGE,
        Role.DIRECTOR: _VIEW + _MANAGE,
        # The city reads (lists, follow-up) but does not book.
        Role.CITY_STAFF: _VIEW,
        # Administrators manage accounts and settings; they neither book nor read bookings (docs/security.md).
    }
    nav_items = [
        ("受取予約", "reservations:operator", "reservations.book_reservation"),
        ("申請・更新などの予約", "reservations:appointment_desk", "reservations.book_reservation"),
        ("予約一覧（当日）", "reservations:day_list", "reservations.view_daylist"),
        ("予約枠・定員", "reservations:slots", "reservations.manage_slots"),
        ("予約の種類", "reservations:types", "reservations.manage_appointment_types"),
        ("予約の取込・出力", "reservations:exchange", "reservations.manage_slots"),
    ]
    dashboard_widgets = [("reservations/_dashboard.html", "reservations.view_daylist")]

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from madoguchi.accounts.reveal import reveal_register
        from madoguchi.cards.services import register_transition_guard

        from . import signals
        from .models import Reservation
        from .services import builtin_types_ensure

        signals.connect()
        # The built-in appointment types exist after every migrate (and a test database flush).
        post_migrate.connect(builtin_types_ensure, sender=self, dispatch_uid="reservations.builtin_types")
        register_transition_guard(refuse_closing_a_booked_card)
        # Operators see the caller's phone masked until 「表示」 (audited): docs/security.md.
        reveal_register(
            Reservation,
            fields=("person_phone", "reminder_mobile"),
            permission="reservations.view_reservation",
        )


def refuse_closing_a_booked_card(card: Card, to_state: str) -> str | None:
    """A card someone booked to collect is not closed (unclaimed, returned, destroyed) under them."""
    from madoguchi.cards.services import CLOSING_STATES
    from madoguchi.lib.jdates import format_date

    from .services import active_reservation_for

    if to_state not in CLOSING_STATES:
        return None
    booking = active_reservation_for(card)
    if booking is None:
        return None
    return (
        f"カード {card.notice_number}（予約 {booking.display_code}、{format_date(booking.date)}）は受取予約があるため"
        f"「{card.State(to_state).label}」にできません。予約を取り消してから処理してください。"
    )
