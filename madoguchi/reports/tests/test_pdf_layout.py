"""The printed report reads like a document: the appendix heading row is at the top of every page and
nowhere else, and each row gives the local (Asia/Tokyo) time the item was handled."""

from __future__ import annotations

import datetime
import io

from pypdf import PdfReader

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.reports import services
from madoguchi.reports.render.pdf import report_pdf
from madoguchi.reservations.models import Reservation, ReservationEvent


class AppendixLayoutTest(BaseTestCase):
    def test_the_heading_row_repeats_at_page_tops_only_and_rows_carry_the_local_time(self) -> None:
        day = datetime.date(2026, 4, 10)
        reservations = Reservation.objects.bulk_create(
            [
                Reservation(
                    code=f"Z{i:05d}",
                    office=self.main_office,
                    date=day,
                    status="booked",
                    channel="phone",
                    is_walk_in=True,
                )
                for i in range(260)
            ]
        )
        # 01:30 UTC is 10:30 in Tokyo: the appendix must say 10:30.
        utc = datetime.datetime(2026, 4, 3, 1, 30, tzinfo=datetime.UTC)
        ReservationEvent.objects.bulk_create(
            [ReservationEvent(reservation=r, at=utc, kind="book", channel="phone") for r in reservations]
        )
        data = services.monthly_report_build(year=2026, month=4, today=datetime.date(2026, 5, 10))
        self.assertEqual(len(data.appendix.rows), 260)
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(data))).pages]
        appendix_pages = [t for t in pages if "Z00" in t]
        self.assertGreaterEqual(len(appendix_pages), 4)
        for text in appendix_pages:
            self.assertEqual(text.count("対応日時"), 1)
            body = text.split("対応日時", 1)[1]
            self.assertNotIn("種類", body)  # no heading row further down the page
        listed = "".join(appendix_pages)
        self.assertEqual(sum(listed.count(f"Z{i:05d}") for i in range(260)), 260)
        self.assertIn("令和8年4月3日 10:30", listed)
        self.assertNotIn("令和8年4月3日 01:30", listed)
