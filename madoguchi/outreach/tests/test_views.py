import datetime

from madoguchi.accounts.roles import Role
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calendar.models import SpecialDay
from madoguchi.outreach import services
from madoguchi.outreach.models import Inquiry, OutreachEvent, StaffAssignment

from .factories import SATURDAY, make_event, make_member

STAFF = {Role.OPERATOR, Role.BACK_OFFICE, Role.FLOOR, Role.SITE_MANAGER, Role.DIRECTOR}
MANAGERS = {Role.SITE_MANAGER, Role.DIRECTOR}

FORM = {
    "venue": "ゆめタウン久留米",
    "venue_detail": "1階 センターコート",
    "date": "令和8年6月13日",
    "opens": "10:00",
    "closes": "16:00",
    "windows": "4",
    "note": "",
}


class OutreachRoleMatrixTests(BaseTestCase):
    def setUp(self):
        self.event = make_event(by=self.site_manager)
        self.base = f"/outreach/{self.event.pk}"

    def test_who_may_open_each_screen(self):
        self.assert_role_matrix("/outreach/", STAFF | {Role.CITY_STAFF})
        self.assert_role_matrix(f"{self.base}/", STAFF | {Role.CITY_STAFF})
        self.assert_role_matrix(f"{self.base}/summary/", STAFF | {Role.CITY_STAFF})
        self.assert_role_matrix(f"{self.base}/inquiries/", STAFF | {Role.CITY_STAFF})
        self.assert_role_matrix(f"{self.base}/day/", STAFF)
        self.assert_role_matrix("/outreach/new/", MANAGERS)
        self.assert_role_matrix(f"{self.base}/edit/", MANAGERS)
        self.assert_role_matrix(f"{self.base}/timeline/", MANAGERS)

    def test_who_may_post(self):
        self.assert_role_matrix(f"{self.base}/staff/", MANAGERS, method="post", ok_status=400)
        self.assert_role_matrix(f"{self.base}/checklist/add/", MANAGERS, method="post", ok_status=302)
        item = self.event.checklist.first()
        self.assert_role_matrix(
            f"{self.base}/checklist/{item.pk}/", STAFF, method="post", data={"checked": "1"}, ok_status=302
        )
        self.assert_role_matrix(
            f"{self.base}/day/count/", STAFF, method="post", data={"window": "1", "delta": "1"}, ok_status=302
        )
        self.assertEqual(self.event.window_counts.get(window=1).applications, 5)
        self.assert_role_matrix(f"{self.base}/day/inquiry/", STAFF, method="post", ok_status=400)
        self.assert_role_matrix(f"{self.base}/cancel/", MANAGERS, method="post", ok_status=302)


class EventScreenTests(BaseTestCase):
    def test_a_manager_registers_an_event_with_a_wareki_date(self):
        self.login(self.site_manager)
        response = self.client.post("/outreach/new/", FORM, follow=True)
        event = OutreachEvent.objects.get()
        self.assertEqual(event.date, SATURDAY)
        self.assertContains(response, "本庁の特別開庁としてカレンダーに登録しました")
        self.assertTrue(SpecialDay.objects.filter(date=SATURDAY, kind="outreach").exists())

    def test_five_windows_are_refused_with_a_clear_message(self):
        self.login(self.site_manager)
        response = self.client.post("/outreach/new/", {**FORM, "windows": "5"})
        self.assertContains(response, "出張申請は最大4窓口", status_code=400)
        self.assertFalse(OutreachEvent.objects.exists())

    def test_an_unreadable_date_is_explained(self):
        self.login(self.site_manager)
        response = self.client.post("/outreach/new/", {**FORM, "date": "6月13日ごろ"})
        self.assertContains(response, "日付として読めません", status_code=400)

    def test_an_untrained_member_is_refused_on_the_page_with_the_reason(self):
        event = make_event(by=self.site_manager)
        member = make_member("未修了 太郎", trained=False)
        self.login(self.director)
        response = self.client.get(f"/outreach/{event.pk}/")
        self.assertContains(response, "未修了 太郎（出張申請の研修未修了）")
        response = self.client.post(f"/outreach/{event.pk}/staff/", {"member": member.pk})
        self.assertContains(response, "出張申請に必要な研修", status_code=400)
        self.assertFalse(StaffAssignment.objects.exists())

    def test_a_member_who_does_not_do_outreach_is_labelled_so_not_as_untrained(self):
        event = make_event(by=self.site_manager)
        make_member("窓口 花子", skills=["back_office"])
        self.login(self.site_manager)
        response = self.client.get(f"/outreach/{event.pk}/")
        self.assertContains(response, "窓口 花子（出張申請の担当外）")

    def test_a_double_booking_is_refused_on_the_page(self):
        first = make_event(by=self.site_manager)
        second = make_event(by=self.site_manager, venue="イオンモール久留米")
        member = make_member("松本 さくら")
        services.staff_assign(by=self.site_manager, event=first, member=member)
        self.login(self.site_manager)
        response = self.client.post(f"/outreach/{second.pk}/staff/", {"member": member.pk})
        self.assertContains(response, "同じ時間帯に「ゆめタウン久留米」", status_code=400)
        response = self.client.post(
            f"/outreach/{second.pk}/staff/",
            {"member": member.pk, "starts": "17:00", "ends": "18:00", "duty": "撤収"},
        )
        self.assertRedirects(response, f"/outreach/{second.pk}/")

    def test_the_timeline_form_refuses_phases_out_of_order(self):
        event = make_event(by=self.site_manager)
        self.login(self.site_manager)
        data = {}
        for kind, (d, s, e) in {
            "preparation": ("2026/6/12", "13:00", "17:00"),
            "setup": ("2026/6/13", "09:00", "10:00"),
            "reception": ("2026/6/13", "10:00", "16:00"),
            "teardown": ("2026/6/13", "08:00", "08:30"),
        }.items():
            data.update({f"{kind}-date": d, f"{kind}-starts": s, f"{kind}-ends": e, f"{kind}-note": ""})
        response = self.client.post(f"/outreach/{event.pk}/timeline/", data)
        self.assertContains(response, "撤収は受付より後に始めてください。", status_code=400)
        data["teardown-starts"], data["teardown-ends"] = "16:00", "17:30"
        response = self.client.post(f"/outreach/{event.pk}/timeline/", data)
        self.assertRedirects(response, f"/outreach/{event.pk}/")
        self.assertEqual(event.phases.get(kind="teardown").ends, datetime.time(17, 30))

    def test_a_checklist_tick_by_htmx_shows_who_ticked(self):
        event = make_event(by=self.site_manager)
        item = event.checklist.first()
        self.login(self.floor)
        response = self.client.post(
            f"/outreach/{event.pk}/checklist/{item.pk}/", {"checked": "1"}, headers={"HX-Request": "true"}
        )
        self.assertContains(response, "Chika")
        self.assertContains(response, 'aria-pressed="true"')
        self.assertNotContains(response, "<html")


class DayScreenTests(BaseTestCase):
    def test_the_day_page_has_one_counter_per_window_with_shortcuts(self):
        event = make_event(by=self.site_manager, windows=3)
        self.login(self.floor)
        response = self.client.get(f"/outreach/{event.pk}/day/")
        self.assertContains(response, "窓口3")
        self.assertNotContains(response, "窓口4")
        self.assertContains(response, 'data-shortcut="3"')
        self.assertContains(response, 'data-shortcut="alt+3"')

    def test_plus_and_minus_by_htmx_and_a_refused_minus_at_zero(self):
        event = make_event(by=self.site_manager)
        self.login(self.floor)
        url = f"/outreach/{event.pk}/day/count/"
        response = self.client.post(url, {"window": "2", "delta": "1"}, headers={"HX-Request": "true"})
        self.assertContains(response, "窓口2: +1（1件）")
        self.assertContains(response, '<strong id="windows-total">1</strong>', html=False)
        response = self.client.post(url, {"window": "1", "delta": "-1"}, headers={"HX-Request": "true"})
        self.assertContains(response, "窓口1の受付件数は0件のため、これ以上減らせません。")
        self.assertEqual(event.window_counts.get(window=1).applications, 0)

    def test_an_inquiry_with_an_individual_number_is_refused_and_a_clean_one_is_kept(self):
        event = make_event(by=self.site_manager)
        self.login(self.floor)
        url = f"/outreach/{event.pk}/day/inquiry/"
        response = self.client.post(url, {"text": "123456789018 の件", "window": ""})
        self.assertContains(response, "マイナンバーは記録できません", status_code=400)
        self.assertFalse(Inquiry.objects.exists())
        response = self.client.post(url, {"text": "電子証明書の更新もできるか", "window": "2"})
        self.assertRedirects(response, f"/outreach/{event.pk}/day/")
        self.assertEqual(Inquiry.objects.get().window, 2)

    def test_the_summary_shows_the_counts(self):
        event = make_event(by=self.site_manager)
        for _ in range(3):
            services.window_count_adjust(by=self.floor, event=event, window=1, delta=1)
        self.login(self.city_staff)
        response = self.client.get(f"/outreach/{event.pk}/summary/")
        self.assertContains(response, '<strong id="summary-applications">3</strong>', html=False)
        self.assertContains(response, "令和8年6月13日")

    def test_every_inquiry_is_counted_paged_and_exported_none_cut_off(self):
        event = make_event(by=self.site_manager)
        at = datetime.datetime(2026, 6, 13, 10, 0, tzinfo=datetime.UTC)
        Inquiry.objects.bulk_create(
            Inquiry(event=event, at=at + datetime.timedelta(seconds=i), text=f"質問{i}", by=self.floor)
            for i in range(350)
        )
        self.login(self.floor)
        day = self.client.get(f"/outreach/{event.pk}/day/")
        self.assertContains(day, "新しい20件を表示（全350件）")
        listing = self.client.get(f"/outreach/{event.pk}/inquiries/")
        self.assertContains(listing, "350件中 1–50件")
        self.assertContains(self.client.get(f"/outreach/{event.pk}/summary/?page=7"), "350件中 301–350件")
        export = self.client.get(f"/outreach/{event.pk}/inquiries/", {"export": "csv"})
        self.assertEqual(len(export.content.decode("utf-8-sig").splitlines()), 351)
