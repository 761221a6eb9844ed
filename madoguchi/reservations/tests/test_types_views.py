"""予約の種類 (site managers) and the phone desk for every type not tied to a card."""

from __future__ import annotations

from django.urls import reverse

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.testing import BaseTestCase

from ..models import AppointmentType, Reservation
from ..services import appointment_type_get
from .helpers import open_day, set_capacity, slot_on

MANAGERS = {"site_manager", "director"}
BOOKERS = {"operator", "back_office", "floor", "site_manager"}


class TypeScreenTests(BaseTestCase):
    def test_only_managers_see_the_types(self):
        self.assert_role_matrix(reverse("reservations:types"), MANAGERS)

    def test_the_list_shows_every_built_in_type(self):
        self.login(self.site_manager)
        response = self.client.get(reverse("reservations:types"))
        for name in ("電子証明書の更新・再発行", "暗証番号の再設定", "券面事項の変更"):
            self.assertContains(response, name)

    def test_a_city_adds_a_type_with_what_to_bring_and_it_is_audited(self):
        self.login(self.site_manager)
        response = self.client.post(
            reverse("reservations:type_new"),
            {
                "code": "kigen-henko",
                "name": "在留期間の変更に伴う有効期限変更",
                "description": "",
                "duration_slots": 1,
                "offices": [self.main_office.pk],
                "bring_items": "マイナンバーカード\n在留カード",
                "identification": "name_birth_phone",
                "web_bookable": "on",
                "max_people": 1,
                "min_days_ahead": 1,
                "max_days_ahead": 14,
                "is_active": "on",
                "sort_order": 60,
            },
        )
        self.assertRedirects(response, reverse("reservations:types"))
        added = AppointmentType.objects.get(code="kigen-henko")
        self.assertEqual(added.bring_list, ["マイナンバーカード", "在留カード"])
        self.assertEqual(list(added.offices.all()), [self.main_office])
        self.assertTrue(AuditEvent.objects.filter(object_type="reservations.appointmenttype").exists())

    def test_a_window_ending_before_it_starts_says_where(self):
        self.login(self.site_manager)
        pin = appointment_type_get("pin_reset")
        response = self.client.post(
            reverse("reservations:type_edit", args=[pin.pk]),
            {
                "code": "pin_reset",
                "name": pin.name,
                "duration_slots": 1,
                "identification": "name_birth_phone",
                "max_people": 1,
                "min_days_ahead": 10,
                "max_days_ahead": 3,
                "sort_order": 1,
            },
        )
        self.assertContains(response, "「何日後まで」は「何日後から」以上", status_code=200)


class AppointmentDeskTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 2)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)
        self.renewal = appointment_type_get("certificate")
        self.url = reverse("reservations:appointment_desk")

    def data(self, **extra):
        return {
            "appointment_type": self.renewal.pk,
            "office": self.main_office.pk,
            "name": "久留米 太郎",
            "birth_date": "1960/4/1",
            "phone": "0942-30-9000",
            "people": 1,
            "date": self.day.strftime("%Y/%m/%d"),
            **extra,
        }

    def test_every_booking_role_opens_the_desk(self):
        self.assert_role_matrix(self.url, BOOKERS)

    def test_an_operator_finds_slots_sees_what_to_bring_and_books_a_renewal(self):
        self.login(self.operator)
        response = self.client.post(self.url, self.data())
        self.assertContains(response, "有効期限通知書（届いた方）")
        self.assertContains(response, f'value="{self.slot.pk}"')
        response = self.client.post(self.url, self.data(slot=self.slot.pk))
        r = Reservation.objects.get()
        self.assertRedirects(response, reverse("reservations:detail", args=[r.code]))
        self.assertEqual((r.appointment_type, r.party_size), (self.renewal, 1))
        detail = self.client.get(reverse("reservations:detail", args=[r.code]))
        self.assertContains(detail, "電子証明書の更新・再発行")
        self.assertContains(detail, "久留米 太郎")

    def test_a_wrong_phone_number_says_so_and_books_nothing(self):
        self.login(self.operator)
        response = self.client.post(self.url, self.data(phone="12", slot=self.slot.pk))
        self.assertContains(response, "電話番号")
        self.assertFalse(Reservation.objects.exists())
