from django.utils import timezone

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.roles import Role
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.floor import services
from madoguchi.floor.models import GuidanceTap, MynaportalAssist

WORKERS = {Role.FLOOR, Role.SITE_MANAGER, Role.DIRECTOR}


class FloorRoleMatrixTests(BaseTestCase):
    def test_who_may_open_the_floor_pages(self):
        self.assert_role_matrix("/floor/", WORKERS | {Role.CITY_STAFF})
        self.assert_role_matrix("/floor/mynaportal/", WORKERS | {Role.CITY_STAFF})

    def test_who_may_tap_and_undo(self):
        self.assert_role_matrix(
            "/floor/tap/", WORKERS, method="post", data={"purpose": "pickup"}, ok_status=302
        )
        self.assertEqual(GuidanceTap.objects.counted().count(), 3)
        # Each worker takes back their own tap; the others are refused.
        self.assert_role_matrix("/floor/undo/", WORKERS, method="post", ok_status=302)
        self.assertEqual(GuidanceTap.objects.counted().count(), 0)

    def test_city_staff_may_read_but_not_record_an_assist(self):
        self.login(self.city_staff)
        response = self.client.post("/floor/mynaportal/", {"topic": "insurance", "outcome": "done"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(MynaportalAssist.objects.exists())


class FloorBoardTests(BaseTestCase):
    def test_the_board_shows_six_purpose_buttons_with_shortcuts(self):
        self.login(self.floor)
        response = self.client.get("/floor/")
        for label in ["申請書の記載案内", "受取", "電子証明書", "住所変更など", "マイナポータル", "その他"]:
            self.assertContains(response, label)
        self.assertContains(response, 'data-shortcut="6"')
        self.assertContains(response, 'data-shortcut="u"')

    def test_an_htmx_tap_returns_the_counts_and_the_new_button_count(self):
        self.login(self.floor)
        response = self.client.post(
            "/floor/tap/", {"purpose": "pickup", "office": "honcho"}, headers={"HX-Request": "true"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<html")
        self.assertContains(response, "「受取」を1件記録しました")
        self.assertContains(response, '<strong id="floor-total">1</strong>', html=False)
        self.assertContains(response, 'id="count-pickup" aria-label="本日1人" hx-swap-oob="true">1<')

    def test_undo_with_nothing_to_undo_says_so_and_counts_stay_at_zero(self):
        self.login(self.floor)
        response = self.client.post("/floor/undo/", {"office": "honcho"}, headers={"HX-Request": "true"})
        self.assertContains(response, "取り消せる記録がありません")
        self.assertContains(response, '<strong id="floor-total">0</strong>', html=False)

    def test_a_past_day_is_read_only_and_city_staff_see_no_buttons(self):
        services.guidance_tap(by=self.floor, office=self.main_office, purpose="pickup")
        self.login(self.city_staff)
        response = self.client.get("/floor/")
        self.assertNotContains(response, 'name="purpose"')
        self.assertContains(response, '<strong id="floor-total">1</strong>', html=False)
        self.login(self.floor)
        response = self.client.get("/floor/", {"date": "2026/4/1"})
        self.assertContains(response, "閲覧のみ")
        self.assertNotContains(response, 'name="purpose"')

    def test_a_bad_date_is_explained(self):
        self.login(self.floor)
        response = self.client.get("/floor/", {"date": "2026/2/30"})
        self.assertContains(response, "存在しない日付です")


class MynaportalViewTests(BaseTestCase):
    def test_floor_staff_record_an_assist(self):
        self.login(self.floor)
        response = self.client.post(
            "/floor/mynaportal/?office=honcho",
            {"office": "honcho", "topic": "insurance", "outcome": "done", "minutes": "12", "note": ""},
        )
        self.assertRedirects(response, "/floor/mynaportal/?office=honcho")
        assist = MynaportalAssist.objects.get()
        self.assertEqual((assist.topic, assist.minutes, assist.office), ("insurance", 12, self.main_office))

    def test_a_contact_without_follow_up_is_refused_with_a_reason(self):
        self.login(self.floor)
        response = self.client.post(
            "/floor/mynaportal/",
            {"topic": "insurance", "outcome": "done", "contact_name": "久留米 太郎"},
        )
        self.assertContains(
            response, "後日の連絡が不要な場合は、氏名・電話番号を記録しないでください。", status_code=400
        )
        self.assertFalse(MynaportalAssist.objects.exists())

    def test_contacts_are_shown_to_floor_staff_with_an_audit_row_and_hidden_from_the_city(self):
        services.assist_record(
            by=self.floor,
            office=self.main_office,
            topic="cannot_login",
            outcome="not_resolved",
            follow_up=True,
            contact_name="久留米 太郎",
            contact_phone="0942-30-9000",
        )
        today = timezone.localdate().isoformat()
        self.login(self.city_staff)
        response = self.client.get("/floor/mynaportal/", {"date": today})
        self.assertContains(response, "ログインできない")
        self.assertNotContains(response, "久留米 太郎")
        self.assertFalse(
            AuditEvent.objects.filter(action="list", object_type="floor.mynaportalassist").exists()
        )
        self.login(self.floor)
        response = self.client.get("/floor/mynaportal/", {"date": today})
        self.assertContains(response, "久留米 太郎")
        self.assertTrue(
            AuditEvent.objects.filter(action="list", object_type="floor.mynaportalassist").exists()
        )
