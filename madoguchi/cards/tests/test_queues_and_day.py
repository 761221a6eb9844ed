from __future__ import annotations

import datetime
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase

from ..models import Card
from ..queues import all_queues, day_pull_list
from .factories import make_card, make_location

S = Card.State


class QueueTests(BaseTestCase):
    @override_settings(MADOGUCHI_MINUTES_PER_CARD_PREPARATION=30, MADOGUCHI_MINUTES_PER_CARD_POST_ISSUANCE=7)
    def test_queues_count_cards_and_estimate_minutes_from_the_settings(self) -> None:
        for _ in range(3):
            make_card(self.main_office)
        make_card(self.branch_office)
        make_card(self.main_office, state=S.ISSUED)
        make_card(self.branch_office, state=S.PREPARED)
        make_card(self.main_office, state=S.PREPARED)  # main office: nothing to ship
        queues = {q.key: q for q in all_queues(timezone.localdate())}
        self.assertEqual((queues["setup"].count, queues["setup"].minutes), (4, 120))
        self.assertEqual(queues["setup"].hours_label, "2時間00分")
        self.assertEqual(
            dict((o.code, n) for o, n in queues["setup"].per_office), {"honcho": 3, "tanushimaru": 1}
        )
        self.assertEqual((queues["post"].count, queues["post"].minutes), (1, 7))
        self.assertEqual(queues["ship"].count, 1)

    def test_the_pull_list_pdf_is_sorted_by_storage_location(self) -> None:
        late = make_card(self.main_office, state=S.SET_UP, storage_location=make_location("B", "01"))
        early = make_card(self.main_office, state=S.SET_UP, storage_location=make_location("A", "09"))
        self.login(self.back_office)
        page = self.client.get(reverse("cards:queue", args=["file"])).content.decode()
        self.assertLess(page.index(early.notice_number), page.index(late.notice_number))
        pdf = self.client.get(reverse("cards:queue_pdf", args=["file"]))
        self.assertTrue(pdf.content.startswith(b"%PDF"))


class DayPreparationTests(BaseTestCase):
    def test_the_day_list_reads_the_reservations_and_names_booked_numbers_without_a_card(self) -> None:
        a = make_card(self.main_office, state=S.NOTICE_MAILED, storage_location=make_location("C", "01"))
        b = make_card(self.main_office, state=S.FILED, storage_location=make_location("A", "01"))
        day = datetime.date(2026, 11, 25)
        with mock.patch(
            "madoguchi.cards.queues.booked_notice_numbers",
            return_value=[a.notice_number, b.notice_number, "ZZZ000001"],
        ) as booked:
            cards, missing = day_pull_list(self.main_office, day)
            booked.assert_called_once_with(self.main_office, day)
            self.login(self.back_office)
            page = self.client.get(
                reverse("cards:day"), {"office": "honcho", "date": "令和8年11月25日"}
            ).content.decode()
        self.assertEqual(cards, [b, a])
        self.assertEqual(missing, ["ZZZ000001"])
        self.assertIn("予約 2件（未準備 2枚）", page)
        self.assertIn("ZZZ000001", page)


class PrintoutTests(BaseTestCase):
    def test_the_card_sheets_are_a_two_page_a4_pdf_in_japanese_and_audited(self) -> None:
        import io

        from pypdf import PdfReader

        from madoguchi.accounts.models import AuditEvent

        card = make_card(self.main_office, applicant_name="筑後 一郎")
        self.login(self.back_office)
        response = self.client.get(reverse("cards:card_pdf", args=[card.pk]))
        reader = PdfReader(io.BytesIO(response.content))
        self.assertEqual(len(reader.pages), 2)
        self.assertAlmostEqual(float(reader.pages[0].mediabox.width), 595.3, places=0)
        first = reader.pages[0].extract_text()
        self.assertIn("本人確認書類チェックシート", first)
        self.assertIn(card.notice_number, first)
        self.assertIn("申請者情報シート", reader.pages[1].extract_text())
        self.assertTrue(
            AuditEvent.objects.filter(action=AuditEvent.Action.PRINT, actor=self.back_office).exists()
        )


class DayPrepareActionTests(BaseTestCase):
    def test_the_booked_cards_are_marked_prepared_and_the_others_left_alone(self) -> None:
        ready = make_card(self.main_office, state=S.NOTICE_MAILED)
        held = make_card(self.main_office, state=S.ON_HOLD)
        numbers = [ready.notice_number, held.notice_number]
        with mock.patch("madoguchi.cards.queues.booked_notice_numbers", return_value=numbers):
            self.login(self.back_office)
            response = self.client.post(
                reverse("cards:day"), {"office": "honcho", "date": "2026-11-25"}, follow=True
            )
            self.assertContains(response, "1枚を当日準備済にしました（状態のため対象外 1枚）")
            self.login(self.city_staff)
            refused = self.client.post(reverse("cards:day"), {"office": "honcho", "date": "2026-11-25"})
            self.assertEqual(refused.status_code, 403)
        ready.refresh_from_db()
        held.refresh_from_db()
        self.assertEqual((ready.state, held.state), (S.PREPARED, S.ON_HOLD))

    def test_an_unreadable_date_prepares_nothing_and_the_page_says_which_day_it_shows(self) -> None:
        ready = make_card(self.main_office, state=S.NOTICE_MAILED)
        with mock.patch("madoguchi.cards.queues.booked_notice_numbers", return_value=[ready.notice_number]):
            self.login(self.back_office)
            response = self.client.post(
                reverse("cards:day"), {"office": "honcho", "date": "2026/13/1"}, follow=True
            )
            self.assertContains(response, "「2026/13/1」は日付として読めません。何も変更していません。")
            page = self.client.get(reverse("cards:day"), {"office": "honcho", "date": "2026/13/1"})
            self.assertContains(page, "は日付として読めません。")
            pdf = self.client.post(reverse("cards:day_pdf"), {"office": "honcho", "date": "2026/13/1"})
            self.assertEqual(pdf.status_code, 400)
        ready.refresh_from_db()
        self.assertEqual(ready.state, S.NOTICE_MAILED)


class PaperTests(BaseTestCase):
    def test_the_day_pull_list_has_barcodes_times_booking_codes_and_keeps_a_family_together(self) -> None:
        import io

        from pypdf import PdfReader

        from madoguchi.reservations.services import reservation_book
        from madoguchi.reservations.tests.helpers import open_day, set_capacity, slot_on

        from ..queues import day_bookings, day_pull_list, family_order

        set_capacity(self.main_office, 4)
        day = open_day(self.main_office)
        mother = make_card(self.main_office, state=S.FILED, storage_location=make_location("A", "01"))
        other = make_card(self.main_office, state=S.FILED, storage_location=make_location("B", "01"))
        child = make_card(
            self.main_office,
            state=S.FILED,
            storage_location=make_location("C", "01"),
            applicant_kana="くるめ じろう",
        )
        family = reservation_book(
            cards=[mother, child], slot=slot_on(self.main_office, day), by=self.operator, channel="phone"
        )
        reservation_book(
            cards=[other], slot=slot_on(self.main_office, day, 1), by=self.operator, channel="phone"
        )
        cards, _missing = day_pull_list(self.main_office, day)
        bookings = day_bookings(self.main_office, day)
        self.assertEqual(family_order(cards, bookings), [mother, child, other])
        self.login(self.back_office)
        pdf = self.client.get(
            reverse("cards:day_pdf"), {"office": "honcho", "date": day.isoformat(), "what": "list"}
        )
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        self.assertIn(family.display_code, text)
        self.assertIn("（2枚）", text)
        self.assertIn("クルメ ジロウ", text)  # kana printed as katakana
        self.assertIn(bookings[mother.pk].time, text)

        # The whole batch of sheets (two pages a card) is a background job; its file has every booked card.
        from django.core.files.storage import default_storage

        from madoguchi.jobs.testing import run_queued_jobs

        started = self.client.post(
            reverse("cards:day_pdf"), {"office": "honcho", "date": day.isoformat(), "what": "sheets"}
        )
        self.assertEqual(started.status_code, 302)
        [job] = [j for j in run_queued_jobs() if j.kind == "cards.day_sheets"]
        self.assertEqual((job.state, job.result_summary), ("done", {"枚数": 3}))
        with default_storage.open(job.result_file) as fh:
            sheets = PdfReader(io.BytesIO(fh.read()))
        self.assertIn(mother.notice_number, "".join(p.extract_text() for p in sheets.pages))

    def test_names_the_font_cannot_show_print_a_visible_marker_and_the_sheet_says_why(self) -> None:
        import io

        from pypdf import PdfReader

        from ..printouts import card_sheets_pdf, grouped_id

        card = make_card(
            self.main_office,
            applicant_name="𠀀田 太郎",  # U+20000 is outside the print font
            gaiji_note="氏名に印刷できない文字（U+20000）があります",
        )
        text = PdfReader(io.BytesIO(card_sheets_pdf([card]))).pages[0].extract_text()
        self.assertIn("〓田 太郎", text)
        self.assertIn("要外字確認", text)
        self.assertIn(grouped_id(card.application_id), text)
        self.assertEqual(grouped_id("12345678901234567890123"), "1234 5678 9012 3456 7890 123")


class GaijiQueueTests(BaseTestCase):
    def test_cards_flagged_for_gaiji_have_their_own_queue_and_a_badge(self) -> None:
        flagged = make_card(self.main_office, gaiji_note="氏名に〓（外字の代替）があります")
        make_card(self.main_office)
        counts = {q.key: q.count for q in all_queues(timezone.localdate())}
        self.assertEqual(counts["gaiji"], 1)
        self.login(self.back_office)
        page = self.client.get(reverse("cards:queue", args=["gaiji"])).content.decode()
        self.assertIn(flagged.notice_number, page)
        self.assertIn("要外字確認", page)

    def test_the_day_screen_shows_each_cards_time_and_booking_code_with_the_family_together(self) -> None:
        from madoguchi.reservations.services import reservation_book
        from madoguchi.reservations.tests.helpers import open_day, set_capacity, slot_on

        set_capacity(self.main_office, 4)
        day = open_day(self.main_office)
        mother = make_card(self.main_office, state=S.FILED, storage_location=make_location("A", "01"))
        other = make_card(self.main_office, state=S.FILED, storage_location=make_location("B", "01"))
        child = make_card(self.main_office, state=S.FILED, storage_location=make_location("C", "01"))
        family = reservation_book(
            cards=[mother, child], slot=slot_on(self.main_office, day), by=self.operator, channel="phone"
        )
        single = reservation_book(
            cards=[other], slot=slot_on(self.main_office, day, 1), by=self.operator, channel="phone"
        )
        self.login(self.back_office)
        page = self.client.get(
            reverse("cards:day"), {"office": "honcho", "date": day.isoformat()}
        ).content.decode()
        table = page[page.index('id="day-pull-list"') :]
        # The family's two cards come together (the child's row follows the mother's), then the other booking.
        self.assertLess(table.index(mother.notice_number), table.index(child.notice_number))
        self.assertLess(table.index(child.notice_number), table.index(other.notice_number))
        self.assertIn(f"{family.display_code}（家族 2枚）", table)
        self.assertIn(single.display_code, table)
        self.assertIn(family.slot.start.strftime("%H:%M"), table)
        self.assertIn('class="family-continued"', table)
