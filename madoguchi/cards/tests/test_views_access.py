"""Role × view matrix for every cards screen (GET)."""

from __future__ import annotations

from django.urls import reverse

from madoguchi.accounts.testing import BaseTestCase

from ..models import Card, Shipment
from ..services import shipment_create
from .factories import make_card

BACK = {"back_office", "site_manager"}
READERS = BACK | {"director", "city_staff"}
CARD_READERS = READERS | {"operator"}


class CardViewsAccessTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.card = make_card(cls.main_office)
        branch_card = make_card(cls.branch_office, state=Card.State.PREPARED)
        cls.shipment = shipment_create(office=cls.branch_office, cards=[branch_card], by=cls.back_office)

    def test_queues_are_for_back_office_managers_and_the_city(self) -> None:
        self.assert_role_matrix(reverse("cards:queues"), READERS)
        self.assert_role_matrix(reverse("cards:queue", args=["setup"]), READERS)
        self.assert_role_matrix(reverse("cards:day"), READERS)
        self.assert_role_matrix(reverse("cards:holding"), READERS)

    def test_card_search_and_page_are_readable_by_operators_too(self) -> None:
        self.assert_role_matrix(reverse("cards:search"), CARD_READERS)
        self.assert_role_matrix(reverse("cards:detail", args=[self.card.pk]), CARD_READERS)

    def test_work_screens_are_back_office_only(self) -> None:
        for name in ("cards:scan", "cards:import", "cards:post_issuance", "cards:locations"):
            self.assert_role_matrix(reverse(name), BACK)
        self.assert_role_matrix(reverse("cards:post_card", args=[self.card.pk]), BACK)

    def test_printouts_need_the_print_permission(self) -> None:
        self.assert_role_matrix(reverse("cards:card_pdf", args=[self.card.pk]), BACK)
        self.assert_role_matrix(reverse("cards:queue_pdf", args=["setup"]), BACK)
        self.assert_role_matrix(reverse("cards:shipment_pdf", args=[self.shipment.pk]), BACK)
        self.assert_role_matrix(reverse("cards:day_pdf") + f"?office={self.main_office.code}&what=list", BACK)
        # the whole sheet batch is a background job: the request answers with its page
        self.assert_role_matrix(
            reverse("cards:day_pdf"),
            BACK,
            method="post",
            data={"office": self.main_office.code, "what": "sheets"},
            ok_status=302,
        )

    def test_the_sheet_batch_is_not_started_by_a_link(self) -> None:
        self.login(self.back_office)
        response = self.client.get(
            reverse("cards:day_pdf"), {"office": self.main_office.code, "what": "sheets"}
        )
        self.assertEqual(response.status_code, 405)
        from madoguchi.jobs.models import Job

        self.assertFalse(Job.objects.filter(kind="cards.day_sheets").exists())

    def test_shipments_are_visible_to_readers_and_managed_by_back_office(self) -> None:
        self.assert_role_matrix(reverse("cards:shipments"), READERS)
        self.assert_role_matrix(reverse("cards:shipment", args=[self.shipment.pk]), READERS)
        self.assertEqual(Shipment.objects.count(), 1)

    def test_myna_assist_is_for_floor_back_office_and_readers(self) -> None:
        self.assert_role_matrix(reverse("cards:assist_list"), READERS | {"floor"})
        self.assert_role_matrix(reverse("cards:assist_export"), BACK)

    def test_scan_posts_are_refused_without_the_permission(self) -> None:
        self.assert_role_matrix(
            reverse("cards:scan_apply"),
            BACK,
            method="post",
            data={"step": "set_up", "notice_number": "ZZZ000000"},
        )
