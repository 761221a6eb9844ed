"""Least privilege (issue 12, point 7; docs/security.md "role × personal data"): who sees what of a resident."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.roles import Role, role_permissions
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls import services as calls_services
from madoguchi.calls.models import PhoneMemo
from madoguchi.cards.tests.factories import make_card
from madoguchi.reservations.models import Reservation
from madoguchi.reservations.services import Person, appointment_book, appointment_type_get, reservation_book
from madoguchi.reservations.tests.helpers import open_day, ready_card, set_capacity, slot_on

ADDRESS = "福岡県久留米市城南町15番地3"
PHONE = "090-1234-5678"
HTMX = {"HX-Request": "true"}

# What an administrator may hold: accounts, settings (calendar, call categories, FAQ search synonyms, FAQ set-up)
# and the job monitor. Nothing that reads or works on residents' cases.
ADMIN_APPS_ALLOWED = {"accounts", "calendar", "faq", "jobs"}
ADMIN_CALLS_ALLOWED = {"calls.view_callcategory", "calls.add_callcategory", "calls.change_callcategory"}
# City staff read and approve: no permission that writes.
CITY_READ_PREFIXES = ("view_", "approve_", "receive_", "export_")
CITY_READ_EXTRA = {"staffing.use_erlang"}  # a calculator: computes, stores nothing


class RoleDeclarationTests(BaseTestCase):
    def test_an_administrator_holds_no_business_permission(self):
        admin = role_permissions()[Role.ADMIN]
        business = sorted(
            p for p in admin if p.split(".")[0] not in ADMIN_APPS_ALLOWED and p not in ADMIN_CALLS_ALLOWED
        )
        self.assertEqual(business, [])
        self.assertNotIn("accounts.view_full_contact", admin)
        self.assertNotIn("accounts.view_resident_names", admin)
        self.assertIn("accounts.manage_accounts", admin)

    def test_city_staff_hold_only_reading_and_approving(self):
        writes = sorted(
            p
            for p in role_permissions()[Role.CITY_STAFF]
            if not p.split(".")[1].startswith(CITY_READ_PREFIXES) and p not in CITY_READ_EXTRA
        )
        self.assertEqual(writes, [])

    def test_who_sees_full_contact_details_and_names(self):
        perms = role_permissions()
        full = {r for r in Role if "accounts.view_full_contact" in perms[r]}
        names = {r for r in Role if "accounts.view_resident_names" in perms[r]}
        self.assertEqual(full, {Role.BACK_OFFICE, Role.SITE_MANAGER, Role.DIRECTOR, Role.CITY_STAFF})
        self.assertEqual(
            names, {Role.OPERATOR, Role.BACK_OFFICE, Role.SITE_MANAGER, Role.DIRECTOR, Role.CITY_STAFF}
        )

    def test_an_administrator_opens_no_business_screen(self):
        self.login(self.admin)
        for url in (
            reverse("cards:search"),
            reverse("cards:queues"),
            reverse("reservations:operator"),
            reverse("reservations:day_list"),
            reverse("reservations:slots"),
            reverse("staffing:staff"),
            reverse("calls:list"),
            reverse("calls:callbacks"),
        ):
            self.assertEqual(self.client.get(url).status_code, 403, url)
        self.assertEqual(self.client.get(reverse("accounts:staff_list")).status_code, 200)
        self.assertEqual(self.client.get(reverse("calls:categories")).status_code, 200)


class CardMaskingTests(BaseTestCase):
    def setUp(self):
        self.card = make_card(self.main_office, address=ADDRESS, phone=PHONE)
        self.url = reverse("cards:detail", args=[self.card.pk])

    def reveal_url(self, field):
        return reverse("accounts:reveal", args=["cards.card", self.card.pk, field])

    def test_an_operator_sees_the_address_and_phone_masked_with_a_reveal_button(self):
        self.login(self.operator)
        response = self.client.get(self.url)
        self.assertContains(response, "福岡県久留米市●●●")
        self.assertContains(response, "090-****-5678")
        self.assertNotContains(response, "城南町")
        self.assertNotContains(response, "1234")
        self.assertContains(response, f'hx-post="{self.reveal_url("address")}"')
        self.assertContains(response, 'aria-label="住所を表示（閲覧を記録します）"')
        self.assertContains(response, 'aria-label="電話番号を表示（閲覧を記録します）"')
        self.assertContains(response, self.card.applicant_name)  # names: operators book by phone

    def test_pressing_reveal_shows_the_value_and_audits_the_field_name_only(self):
        self.login(self.operator)
        before = AuditEvent.objects.count()
        response = self.client.post(self.reveal_url("address"), headers=HTMX)
        self.assertContains(response, ADDRESS)
        self.assertNotContains(response, "<html")
        self.assertContains(response, f'id="reveal-cards-card-{self.card.pk}-address"')
        self.assertEqual(AuditEvent.objects.count(), before + 1)
        event = AuditEvent.objects.order_by("-seq").first()
        assert event is not None
        self.assertEqual(
            (event.action, event.object_type, event.object_id, event.detail, event.actor),
            (AuditEvent.Action.VIEW, "cards.card", str(self.card.pk), {"reveal": "address"}, self.operator),
        )
        self.assertNotIn("城南町", str(event.detail) + event.path)

    def test_reveal_without_javascript_answers_a_page_with_a_way_back(self):
        self.login(self.operator)
        response = self.client.post(
            self.reveal_url("phone"), headers={"Referer": f"http://testserver{self.url}"}
        )
        self.assertContains(response, PHONE)
        self.assertContains(response, "<html")
        self.assertContains(response, f'href="http://testserver{self.url}"')
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_the_back_office_and_the_city_see_the_address_as_stored(self):
        for persona in (self.back_office, self.site_manager, self.city_staff):
            self.login(persona)
            response = self.client.get(self.url)
            self.assertContains(response, ADDRESS)
            self.assertContains(response, PHONE)
            self.assertNotContains(response, "●●●")

    def test_only_registered_fields_can_be_revealed(self):
        self.login(self.operator)
        self.assertEqual(self.client.post(self.reveal_url("applicant_name")).status_code, 404)
        self.assertEqual(self.client.post(self.reveal_url("birth_date")).status_code, 404)
        self.assertEqual(
            self.client.post(
                reverse("accounts:reveal", args=["accounts.user", self.operator.pk, "phone"])
            ).status_code,
            404,
        )
        self.assertEqual(
            self.client.post(reverse("accounts:reveal", args=["cards.card", 0, "address"])).status_code, 404
        )

    def test_reveal_needs_the_permission_to_read_the_record_and_a_post(self):
        for persona in (self.floor, self.admin, self.nobody):
            self.login(persona)
            self.assertEqual(self.client.post(self.reveal_url("address")).status_code, 403, persona.username)
        self.login(self.operator)
        self.assertEqual(self.client.get(self.reveal_url("address")).status_code, 405)
        self.assertFalse(AuditEvent.objects.filter(detail__reveal="address").exists())


class CallbackAndMemoMaskingTests(BaseTestCase):
    def setUp(self):
        self.callback = calls_services.callback_create(
            by=self.operator,
            phone=PHONE,
            reason="予約の変更について",
            due_at=timezone.now() + datetime.timedelta(hours=1),
        )

    def test_an_operator_reveals_the_number_to_call_back(self):
        self.login(self.operator)
        page = self.client.get(reverse("calls:callback_detail", args=[self.callback.pk]))
        self.assertContains(page, "090-****-5678")
        self.assertNotContains(page, PHONE)
        url = reverse("accounts:reveal", args=["calls.callback", self.callback.pk, "phone"])
        self.assertContains(self.client.post(url, headers=HTMX), PHONE)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="view",
                object_type="calls.callback",
                object_id=str(self.callback.pk),
                detail={"reveal": "phone"},
            ).exists()
        )

    def test_a_site_manager_sees_the_number(self):
        self.login(self.site_manager)
        self.assertContains(self.client.get(reverse("calls:callback_detail", args=[self.callback.pk])), PHONE)

    def test_phone_memos_mask_the_callers_number_for_the_floor(self):
        memo = PhoneMemo.objects.create(
            kind="outside",
            for_whom="市民課",
            caller_name="県庁 山田",
            caller_phone="092-000-1111",
            message="折り返し",
            taken_by=self.floor,
            received_at=timezone.now(),
        )
        self.login(self.floor)
        page = self.client.get(reverse("calls:memos"))
        self.assertContains(page, "092-***-1111")
        url = reverse("accounts:reveal", args=["calls.phonememo", memo.pk, "caller_phone"])
        self.assertContains(page, url)
        self.assertContains(self.client.post(url, headers=HTMX), "092-000-1111")
        self.login(self.city_staff)
        self.assertContains(self.client.get(reverse("calls:memos")), "092-000-1111")


class BookingTests(BaseTestCase):
    def setUp(self):
        set_capacity(self.main_office, 3)
        self.day = open_day(self.main_office, ahead=0)
        self.slot = slot_on(self.main_office, self.day)
        self.card = ready_card(
            self.main_office, applicant_name="筑後 一郎", birth_date=datetime.date(1975, 3, 3)
        )
        self.pickup = reservation_book(cards=[self.card], slot=self.slot, by=self.operator, channel="phone")
        self.renewal = appointment_book(
            appointment_type=appointment_type_get("certificate"),
            slot=self.slot,
            by=self.operator,
            channel="phone",
            person=Person(name="久留米 花子", birth_date=datetime.date(1962, 7, 7), phone=PHONE),
        )
        Reservation.objects.filter(pk=self.renewal.pk).update(email="hanako@example.jp")

    def test_an_operator_sees_the_bookers_phone_masked(self):
        self.login(self.operator)
        page = self.client.get(reverse("reservations:detail", args=[self.renewal.code]))
        self.assertContains(page, "久留米 花子")
        self.assertContains(page, "090-****-5678")
        self.assertNotContains(page, PHONE)
        url = reverse("accounts:reveal", args=["reservations.reservation", self.renewal.pk, "person_phone"])
        self.assertContains(self.client.post(url, headers=HTMX), PHONE)

    def test_an_operator_reveals_the_reminder_mobile_number_too(self):
        Reservation.objects.filter(pk=self.renewal.pk).update(reminder_mobile="08011112222")
        self.login(self.operator)
        page = self.client.get(reverse("reservations:detail", args=[self.renewal.code]))
        self.assertContains(page, "080****2222")
        url = reverse(
            "accounts:reveal", args=["reservations.reservation", self.renewal.pk, "reminder_mobile"]
        )
        self.assertContains(page, url)
        self.assertContains(self.client.post(url, headers=HTMX), "08011112222")

    def test_floor_staff_see_codes_times_and_counts_but_no_names(self):
        self.login(self.floor)
        for code in (self.pickup.code, self.renewal.code):
            page = self.client.get(reverse("reservations:detail", args=[code]))
            self.assertEqual(page.status_code, 200)
            self.assertNotContains(page, "筑後 一郎")
            self.assertNotContains(page, "久留米 花子")
            self.assertNotContains(page, "昭和")  # no birth date either
            self.assertNotContains(page, "5678")
            self.assertNotContains(page, "hanako@example.jp")
        self.assertContains(
            self.client.get(reverse("reservations:detail", args=[self.pickup.code])), self.card.notice_number
        )
        day = self.client.get(
            reverse("reservations:day_list"), {"office": self.main_office.code, "date": self.day.isoformat()}
        )
        self.assertContains(day, self.pickup.display_code)
        self.assertContains(day, self.renewal.display_code)
        self.assertNotContains(day, "筑後 一郎")
        self.assertNotContains(day, "久留米 花子")
        self.assertNotContains(day, "<th>氏名</th>")
        found = self.client.post(
            reverse("reservations:operator"),
            {"action": "find", "notice_number": self.card.notice_number, "birth_date": "1975-03-03"},
        )
        self.assertContains(found, self.card.notice_number)
        self.assertNotContains(found, "筑後 一郎")

    def test_the_back_office_at_the_counter_sees_the_names(self):
        self.login(self.back_office)
        day = self.client.get(
            reverse("reservations:day_list"), {"office": self.main_office.code, "date": self.day.isoformat()}
        )
        self.assertContains(day, "筑後 一郎")
        self.assertContains(day, "久留米 花子")


# Path parameters for the POST walk: objects that do not exist (404 before any write) and a real month.
FILLS = {"int": "1", "ym": "2026-04", "uuid": "00000000-0000-0000-0000-000000000001"}


class CityStaffWriteNothingTests(BaseTestCase):
    """City staff read and approve only: a POST to any staff screen (other than approving) writes nothing."""

    # Tables a read may write: the audit trail (and its chain head), the session, throttles and caches.
    READ_SIDE_EFFECTS = (
        "accounts_auditevent",
        "accounts_auditchainhead",
        "django_session",
        "madoguchi_cache",
    )
    # What the city does: approve FAQ entries, the operations plan and retention runs, receive the monthly report;
    # its FAQ searches are logged (no personal data); the FAQ and operations manuals and the monthly report's draft
    # files are built as jobs (reads).
    APPROVALS = {
        "faq:transition",
        "faq:search",
        "faq:answered",
        "faq:manual",
        "reports:manual_download",
        "reports:monthly_download",
        "reports:plan_decide",
        "reports:monthly_receive",
        "retention:approve",
        "retention:dry_run",
    }

    def test_a_post_to_any_staff_screen_writes_nothing_for_city_staff(self):
        import re

        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.urls import get_resolver

        from .test_url_access import PUBLIC_VIEW_PREFIXES, PUBLIC_VIEWS, walk

        self.login(self.city_staff)
        writes = []
        for route, name, _callback in walk(get_resolver().url_patterns):
            if (
                route.startswith(("api/", "static/"))
                or name in PUBLIC_VIEWS
                or name.startswith(PUBLIC_VIEW_PREFIXES)
            ):
                continue
            # Their own account: signing out, changing their password, enrolling their authenticator.
            own = ("accounts:logout", "accounts:password_change", "accounts:two_factor")
            if name in self.APPROVALS or name in own:
                continue
            url = "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: FILLS.get(m.group(1) or "", "x"), route)
            with CaptureQueriesContext(connection) as queries:
                self.client.post(url, {})
            for q in queries.captured_queries:
                sql = q["sql"].lstrip().upper()
                if sql.startswith(("INSERT", "UPDATE", "DELETE")) and not any(
                    t.upper() in sql for t in self.READ_SIDE_EFFECTS
                ):
                    writes.append(f"{name} {url}: {q['sql'][:120]}")
        self.assertEqual(writes, [])
