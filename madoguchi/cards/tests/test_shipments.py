from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

from madoguchi.accounts.testing import BaseTestCase

from ..models import Card, Shipment
from ..services import shipment_close, shipment_create, shipment_receive_card
from .factories import make_card

S = Card.State


class ShipmentTests(BaseTestCase):
    def make_shipment(self, n: int = 3) -> tuple[Shipment, list[Card]]:
        cards = [make_card(self.branch_office, state=S.PREPARED) for _ in range(n)]
        return shipment_create(office=self.branch_office, cards=cards, by=self.back_office), cards

    def test_creating_a_shipment_marks_every_card_shipped(self) -> None:
        shipment, cards = self.make_shipment()
        self.assertEqual(shipment.items.count(), 3)
        self.assertEqual({c.state for c in Card.objects.filter(pk__in=[c.pk for c in cards])}, {S.SHIPPED})

    def test_a_card_for_another_office_makes_the_whole_shipment_fail(self) -> None:
        good = make_card(self.branch_office, state=S.PREPARED)
        wrong = make_card(self.main_office, state=S.PREPARED)
        with self.assertRaises(ValidationError):
            shipment_create(office=self.branch_office, cards=[good, wrong], by=self.back_office)
        good.refresh_from_db()
        self.assertEqual(good.state, S.PREPARED)
        self.assertFalse(Shipment.objects.exists())

    def test_receiving_card_by_card_and_closing_complete_is_received(self) -> None:
        shipment, cards = self.make_shipment(2)
        for card in cards:
            shipment_receive_card(shipment=shipment, notice_number=card.notice_number, by=self.back_office)
        shipment = shipment_close(shipment=shipment, by=self.back_office)
        self.assertEqual(shipment.status, Shipment.Status.RECEIVED)
        self.assertEqual(
            {c.state for c in Card.objects.filter(pk__in=[c.pk for c in cards])}, {S.RECEIVED_AT_BRANCH}
        )

    def test_a_missing_card_and_an_unexpected_card_are_a_mismatch(self) -> None:
        shipment, cards = self.make_shipment(2)
        shipment_receive_card(shipment=shipment, notice_number=cards[0].notice_number, by=self.back_office)
        with self.assertRaisesMessage(ValidationError, "含まれていません"):
            shipment_receive_card(shipment=shipment, notice_number="XYZ123456", by=self.back_office)
        with self.assertRaisesMessage(ValidationError, "受領済み"):
            shipment_receive_card(
                shipment=shipment, notice_number=cards[0].notice_number, by=self.back_office
            )
        shipment = shipment_close(shipment=shipment, by=self.back_office)
        self.assertEqual(shipment.status, Shipment.Status.MISMATCH)
        self.assertEqual(shipment.unexpected_numbers, ["XYZ123456"])
        cards[1].refresh_from_db()
        self.assertEqual(cards[1].state, S.SHIPPED)

    def test_receive_all_receives_the_rest(self) -> None:
        shipment, cards = self.make_shipment(3)
        shipment = shipment_close(shipment=shipment, by=self.back_office, receive_rest=True)
        self.assertEqual(shipment.status, Shipment.Status.RECEIVED)
        self.assertEqual(shipment.items.filter(received_at=None).count(), 0)

    def test_the_shipment_screens_create_receive_and_print(self) -> None:
        cards = [make_card(self.branch_office, state=S.PREPARED) for _ in range(2)]
        self.login(self.back_office)
        response = self.client.post(
            reverse("cards:shipments"), {"office": self.branch_office.pk, "card": [c.pk for c in cards]}
        )
        shipment = Shipment.objects.get()
        self.assertRedirects(response, reverse("cards:shipment", args=[shipment.pk]))
        fragment = self.client.post(
            reverse("cards:shipment", args=[shipment.pk]),
            {"action": "scan", "notice_number": cards[0].notice_number},
            HTTP_HX_REQUEST="true",
        ).content.decode()
        self.assertIn("を受領しました", fragment)
        self.assertIn("未受領 1枚", fragment)
        pdf = self.client.get(reverse("cards:shipment_pdf", args=[shipment.pk]))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
