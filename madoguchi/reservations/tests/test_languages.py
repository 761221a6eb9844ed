"""The resident pages speak seven languages through Django's gettext catalogues (madoguchi/locale), keep the
chosen language through the flow and into the mails, and the pickup page books from a month calendar, with
family members added before the time and a waiting list for full days."""

from __future__ import annotations

import ast
import datetime
import gettext
import re
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from madoguchi.accounts.testing import BaseTestCase

from ..models import Reservation, Slot, WaitlistEntry
from .helpers import open_day, ready_card, set_capacity, slot_on

LOCALE = Path(settings.LOCALE_PATHS[0])
BIRTH = datetime.date(1975, 3, 2)
# The sign-in label "Notice number" as each catalogue says it.
NOTICE_NUMBER = {
    "ja": "交付通知書番号",
    "ja-x-easy": "交付通知書番号（こうふつうちしょばんごう）",
    "en": "Notice number",
    "zh-hans": "交付通知书编号",
    "ko": "교부통지서 번호",
    "vi": "Số giấy thông báo",
    "pt-br": "Número do aviso",
}


def po_entries(path: Path) -> dict[str, list[str]]:
    """msgid (or msgid + NUL + msgid_plural) → its msgstr forms, from a .po file; '#, fuzzy' marks an entry."""
    entries: dict[str, list[str]] = {}
    for block in path.read_text().strip().split("\n\n")[1:]:
        fields: dict[str, list[str]] = {}
        key = ""
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#"):
                fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
                continue
            m = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
            if m:
                key = m.group(1)
                fields[key] = [m.group(2)]
            else:
                fields[key].append(line)
        text = {k: "".join(ast.literal_eval(part) for part in v) for k, v in fields.items()}
        msgid = text["msgid"] + ("\x00" + text["msgid_plural"] if "msgid_plural" in text else "")
        forms = [v for k, v in sorted(text.items()) if k.startswith("msgstr")]
        entries[msgid] = [] if fuzzy else forms
    return entries


class CatalogueTests(BaseTestCase):
    def test_every_language_has_a_complete_catalogue_and_its_compiled_file_matches_it(self):
        ja = po_entries(LOCALE / "ja" / "LC_MESSAGES" / "django.po")
        self.assertGreater(len(ja), 150)
        for code, _name in settings.LANGUAGES:
            with self.subTest(code):
                folder = LOCALE / translation.to_locale(code) / "LC_MESSAGES"
                entries = po_entries(folder / "django.po")
                self.assertEqual(set(entries), set(ja), "every catalogue has the same messages")
                empty = [m for m, forms in entries.items() if not forms or not all(forms)]
                self.assertEqual(empty, [], "untranslated or fuzzy")
                with (folder / "django.mo").open("rb") as fh:
                    compiled = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
                for msgid, forms in entries.items():
                    if "\x00" in msgid:
                        for i, form in enumerate(forms):
                            self.assertEqual(compiled[(msgid.split("\x00")[0], i)], form, msgid)
                    else:
                        self.assertEqual(compiled[msgid], forms[0], f"{code}: .mo is older than .po: {msgid}")

    def test_placeholders_survive_every_translation(self):
        for code, _name in settings.LANGUAGES:
            entries = po_entries(LOCALE / translation.to_locale(code) / "LC_MESSAGES" / "django.po")
            for msgid, forms in entries.items():
                wanted = set(re.findall(r"%\(\w+\)s", msgid))
                for form in forms:
                    self.assertEqual(set(re.findall(r"%\(\w+\)s", form)), wanted, f"{code}: {msgid}")


class LanguageTests(BaseTestCase):
    def setUp(self):
        cache.clear()
        set_capacity(self.main_office, 2)
        self.card = ready_card(self.main_office, birth_date=BIRTH)
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)

    def test_the_sign_in_page_speaks_each_language_chosen_with_the_switcher(self):
        start = reverse("reservations:public_start")
        for code, _name in settings.LANGUAGES:
            with self.subTest(code):
                switched = self.client.get(reverse("reservations:public_lang"), {"lang": code, "next": start})
                self.assertRedirects(switched, start)
                page = self.client.get(start)
                self.assertContains(page, f'<html lang="{code}">')
                self.assertContains(page, NOTICE_NUMBER[code])
                self.assertEqual(page["Content-Language"], code)
                for (
                    other,
                    _n,
                ) in settings.LANGUAGES:  # the switcher lists every language, marked with its own tag
                    self.assertContains(page, f'lang="{other}" hreflang="{other}"')

    def test_a_browser_asking_for_chinese_korean_or_brazilian_portuguese_gets_it(self):
        start = reverse("reservations:public_start")
        for header, code in (("zh-CN,zh;q=0.9", "zh-hans"), ("ko-KR,ko;q=0.8", "ko"), ("pt-BR", "pt-br")):
            with self.subTest(header):
                page = self.client.get(start, headers={"Accept-Language": header})
                self.assertContains(page, NOTICE_NUMBER[code])

    def test_a_language_that_does_not_exist_is_refused_with_the_list_and_no_cookie(self):
        response = self.client.get(reverse("reservations:public_lang"), {"lang": "xx-nope"})
        self.assertContains(response, "「xx-nope」という言語はありません", status_code=400)
        self.assertContains(response, "Tiếng Việt", status_code=400)
        self.assertNotIn(settings.LANGUAGE_COOKIE_NAME, response.cookies)
        english = self.client.get(
            reverse("reservations:public_lang"), {"lang": "klingon"}, headers={"Accept-Language": "en"}
        )
        self.assertContains(english, "The language “klingon” is not available", status_code=400)

    def test_staff_screens_stay_japanese_whatever_the_language_cookie(self):
        self.client.get(reverse("reservations:public_lang"), {"lang": "ko"})
        self.login(self.operator)
        response = self.client.get(reverse("reservations:operator"))
        self.assertEqual(response["Content-Language"], "ja")

    def test_a_korean_booking_keeps_its_language_into_the_confirmation_mail(self):
        self.client.get(reverse("reservations:public_lang"), {"lang": "ko"})
        self.client.post(
            reverse("reservations:public_start"),
            {"notice_number": self.card.notice_number, "birth_date": "1975/3/2"},
        )
        self.client.post(reverse("reservations:public_book"), {"slot": self.slot.pk})
        done = self.client.post(
            reverse("reservations:public_book"), {"confirm": "1", "email": "a@example.jp"}
        )
        self.assertRedirects(done, reverse("reservations:public_done"))
        r = Reservation.objects.get()
        self.assertEqual(r.language, "ko")
        self.assertContains(self.client.get(reverse("reservations:public_done")), "예약이 완료되었습니다")
        message = mail.outbox[-1]
        self.assertIn("[예약 완료]", message.subject)
        self.assertIn(f"예약번호: {r.display_code}", message.body)

    def test_a_full_slot_is_refused_in_english_not_in_the_engines_japanese(self):
        Slot.objects.filter(pk=self.slot.pk).update(capacity=0)
        self.client.post(
            reverse("reservations:public_start"),
            {"notice_number": self.card.notice_number, "birth_date": "1975/3/2"},
            headers={"Accept-Language": "en"},
        )
        response = self.client.post(
            reverse("reservations:public_book"),
            {"slot": self.slot.pk},
            headers={"Accept-Language": "en"},
            follow=True,
        )
        self.assertContains(response, "This time is full. Please choose another time.")
        self.assertNotContains(response, "満席")

    def test_a_renewal_is_explained_in_vietnamese_with_the_builtin_types_words_translated(self):
        page = self.client.get(
            reverse("reservations:public_apply"), {"type": "certificate"}, headers={"Accept-Language": "vi"}
        )
        self.assertContains(page, "Gia hạn / cấp lại chứng thư điện tử")
        self.assertContains(page, "Giấy thông báo hết hạn (nếu đã nhận)")  # 持ち物
        bad = self.client.post(
            reverse("reservations:public_apply"),
            {"type": "certificate", "name": "Nguyen An", "birth_date": "1990/1/1", "phone": "12", "people": "1",
             "email": "an@example.jp", "office": str(self.main_office.pk)},
            headers={"Accept-Language": "vi"},
        )  # fmt: skip
        self.assertContains(bad, "Số điện thoại: nhập 10 hoặc 11 chữ số", status_code=400)


class PickupCalendarAndWaitlistTests(BaseTestCase):
    def setUp(self):
        cache.clear()
        set_capacity(self.main_office, 2)
        self.mother = ready_card(self.main_office, birth_date=BIRTH)
        self.child = ready_card(self.main_office, birth_date=datetime.date(2015, 6, 1))
        self.day = open_day(self.main_office)
        self.slot = slot_on(self.main_office, self.day)
        self.client.post(
            reverse("reservations:public_start"),
            {"notice_number": self.mother.notice_number, "birth_date": "1975/3/2"},
        )

    def test_the_family_is_added_before_the_time_and_the_calendar_then_counts_both(self):
        page = self.client.get(reverse("reservations:public_manage"))
        html = page.content.decode()
        self.assertLess(html.index('id="fam_notice"'), html.index('class="month-calendar"'))
        self.assertContains(page, f'href="?date={self.day:%Y-%m-%d}#times"')
        self.client.post(
            reverse("reservations:public_manage"),
            {"notice_number": self.child.notice_number, "birth_date": "2015/6/1"},
        )
        day = self.client.get(reverse("reservations:public_manage"), {"date": self.day.isoformat()})
        self.assertContains(day, "2人分")
        self.assertContains(day, f'name="slot" value="{self.slot.pk}"')
        self.client.post(reverse("reservations:public_book"), {"slot": self.slot.pk})
        self.client.post(reverse("reservations:public_book"), {"confirm": "1", "email": ""})
        r = Reservation.objects.get()
        self.assertEqual((r.status, r.party_size), (Reservation.Status.BOOKED, 2))

    def test_the_sign_in_page_shows_where_the_number_is_on_the_notice(self):
        self.client.post(reverse("reservations:public_logout"))
        page = self.client.get(reverse("reservations:public_start"))
        self.assertContains(page, "notice-number.svg")
        self.assertContains(page, "右上")

    def test_a_family_waits_on_a_full_day_and_gets_the_freed_place_in_its_language(self):
        from madoguchi.jobs.testing import run_queued_jobs

        from ..services import reservation_book, reservation_cancel

        Slot.objects.filter(office=self.main_office, date=self.day).exclude(pk=self.slot.pk).delete()
        others = [ready_card(self.main_office, birth_date=datetime.date(1960, 1, 1)) for _ in range(2)]
        taken = reservation_book(cards=others, slot=self.slot, by=self.operator, channel="phone")
        self.client.post(
            reverse("reservations:public_manage"),
            {"notice_number": self.child.notice_number, "birth_date": "2015/6/1"},
        )
        full = self.client.get(
            reverse("reservations:public_manage"),
            {"date": self.day.isoformat()},
            headers={"Accept-Language": "en"},
        )
        self.assertContains(full, "is fully booked")
        self.assertContains(full, "Join the waiting list for this day")
        joined = self.client.post(
            reverse("reservations:public_waitlist"),
            {"date": self.day.isoformat(), "email": "family@example.jp"},
            headers={"Accept-Language": "en"},
        )
        self.assertContains(joined, "You are on the waiting list")
        entry = WaitlistEntry.objects.get()
        self.assertEqual((entry.people, entry.language), (2, "en"))
        self.assertEqual(sorted(entry.card_ids), sorted([self.mother.pk, self.child.pk]))

        with self.captureOnCommitCallbacks(execute=True):
            reservation_cancel(reservation=taken, by=self.operator, channel="phone")
        run_queued_jobs()
        offer = mail.outbox[-1]
        self.assertIn("[Waiting list] A place became free", offer.subject)
        link = re.search(r"https?://[^/\s]+(/reservations/web/verify/[^\s]+/)", offer.body).group(1)
        held = Reservation.objects.get(status=Reservation.Status.HELD)
        self.assertEqual(held.party_size, 2)
        self.client.post(link)
        held.refresh_from_db()
        self.assertEqual(held.status, Reservation.Status.BOOKED)
        entry.refresh_from_db()
        self.assertEqual(entry.status, WaitlistEntry.Status.BOOKED)
        self.assertIn("[Booking confirmed]", mail.outbox[-1].subject)

    def test_a_card_already_booked_cannot_join_a_waiting_list(self):
        from ..services import reservation_book

        other = slot_on(self.main_office, self.day, 1)
        reservation_book(cards=[self.mother], slot=other, by=self.operator, channel="phone")
        response = self.client.post(
            reverse("reservations:public_waitlist"), {"date": self.day.isoformat(), "email": "m@example.jp"}
        )
        self.assertEqual(response.status_code, 302)
        page = self.client.get(response["Location"])
        self.assertContains(page, "すでに予約があります")
        self.assertFalse(WaitlistEntry.objects.exists())
