"""Residents on a phone (390 × 844) in a real browser, in Japanese and in English: a family books a card pickup
from the month calendar and cancels through the e-mailed link; a resident books a certificate renewal and confirms
the e-mail; a resident joins the waiting list of a full day and gets the freed place. Every resident page passes
axe-core (the engine bundled by axe-playwright-python, offline) with no serious or critical violation."""

from __future__ import annotations

import datetime
import re

import pytest

from .test_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def axe_check(page, name: str, seen: list[str]) -> None:
    """axe-core on the page as shown: no serious or critical violation (WCAG 2.x A/AA rules and best practice)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["testEngine"]["name"] == "axe-core"
    assert results.response["passes"], "axe-core checked nothing"
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name}: {bad}"
    seen.append(name)


@pytest.fixture
def world(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    from ..services import slots_sync, window_dates
    from .helpers import ready_card, set_capacity

    sync_roles()
    offices = make_offices()
    main = offices["honcho"]
    set_capacity(main, 4)
    first, last = window_dates(public=False)
    slots_sync(office=main, start=first, end=last)  # what the sync job does
    return {
        "operator": make_user("alice", Role.OPERATOR, "Alice"),
        "office": main,
        "mother": ready_card(main, birth_date=datetime.date(1980, 5, 17)),
        "child": ready_card(main, birth_date=datetime.date(2014, 2, 3)),
    }


@pytest.fixture
def phone(browser, live_server):
    def open_phone(locale: str):
        context = browser.new_context(
            locale=locale, timezone_id="Asia/Tokyo", viewport=PHONE, is_mobile=True, has_touch=True
        )
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(f"{live_server.url}/reservations/web/", timeout=60_000)  # the first answer can be slow
        return pg

    return open_phone


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def choose_language(page, code: str) -> None:
    page.click(f'.lang-switch a[hreflang="{code}"]')
    page.wait_for_selector(f'html[lang="{code}"]')


@pytest.mark.parametrize(
    ("locale", "lang", "words"),
    [
        (
            "ja-JP",
            "ja",
            {"book": "予約する", "cancel": "予約を取り消す", "cancelled": "予約を取り消しました"},
        ),
        ("en-US", "en", {"book": "Book", "cancel": "Cancel the booking", "cancelled": "has been cancelled"}),
    ],
)
def test_a_family_books_a_pickup_on_a_phone_and_cancels_through_the_emailed_link(
    phone, live_server, world, tmp_path, locale, lang, words
):
    from django.core import mail

    from ..models import Reservation

    checked: list[str] = []
    page = phone(locale)
    assert page.get_attribute("html", "lang") == lang  # Accept-Language chose it
    assert page.locator(".notice-figure img").is_visible()  # where the number is on the postcard
    axe_check(page, "start", checked)
    page.screenshot(path=str(shot(tmp_path, f"reservations-web-start-{lang}")), full_page=True)
    page.fill("#id_notice_number", world["mother"].notice_number)
    page.fill("#id_birth_date", "1980/5/17")
    page.click("form.card button.primary")
    page.wait_for_selector(".month-calendar")
    assert world["mother"].notice_number not in page.url
    # The family member first (before any time is chosen), then the calendar counts two people.
    page.fill("#fam_notice", world["child"].notice_number)
    page.fill("#fam_birth", "2014/2/3")
    page.click("details.family button[type=submit]")
    page.wait_for_selector("text=" + world["child"].notice_number)
    axe_check(page, "calendar", checked)
    page.screenshot(path=str(shot(tmp_path, f"reservations-web-calendar-{lang}")), full_page=True)
    page.click(".month-calendar a.day-link:not(.full-day) >> nth=0")
    page.wait_for_selector(".slot-button")
    axe_check(page, "times", checked)
    page.click(".slot-button >> nth=0")
    page.fill("#id_email", "hanako@example.jp")
    axe_check(page, "hold", checked)
    page.click(f"button[name=confirm]:has-text('{words['book']}')")
    page.wait_for_selector("#ref-code")
    axe_check(page, "done", checked)
    page.screenshot(path=str(shot(tmp_path, f"reservations-web-done-{lang}")), full_page=True)
    r = Reservation.objects.get()
    assert (r.display_code, r.party_size, r.language) == (page.inner_text("#ref-code"), 2, lang)
    message = mail.outbox[-1]
    assert r.display_code in message.body and message.attachments[0][2] == "text/calendar"
    link = re.search(r"https?://\S+", message.body).group(0)
    # A fresh phone (the resident's mail app): the link shows a button and changes nothing by itself.
    other = phone(locale)
    other.goto(live_server.url + path_of(link))
    assert Reservation.objects.get().status == "booked"
    other.click("form button.primary")
    other.click(f"text={words['cancel']}")
    assert Reservation.objects.get().status == "booked"
    other.click("form button.primary")
    other.wait_for_selector(f"text={words['cancelled']}")
    assert Reservation.objects.get().status == "cancelled"
    assert checked == ["start", "calendar", "times", "hold", "done"]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "ja",
            {"type": "電子証明書の更新・再発行", "show": "空いている日を見る", "confirm": "予約を確定する"},
        ),
        (
            "en",
            {
                "type": "Electronic certificate renewal",
                "show": "Show the free days",
                "confirm": "Confirm the booking",
            },
        ),
    ],
)
def test_a_resident_books_a_certificate_renewal_on_a_phone_and_confirms_the_email(
    phone, live_server, world, tmp_path, lang, words
):
    from django.core import mail

    from ..models import Reservation

    checked: list[str] = []
    page = phone("ja-JP")
    choose_language(page, lang)  # the switcher, kept through the flow by its cookie
    page.click("a[href$='/reservations/web/apply/']")
    page.click(f"text={words['type']}")
    axe_check(page, "type", checked)
    page.fill("#ap-notice", "EXP-000123")
    page.fill("#ap-birth", "1960/4/1")
    page.fill("#ap-email", "taro@example.jp")
    page.click(f"text={words['show']}")
    page.wait_for_selector(".month-calendar")
    axe_check(page, "calendar", checked)
    page.click(".month-calendar button:not(.full-day) >> nth=0")
    page.wait_for_selector(".slot-button")
    page.screenshot(path=str(shot(tmp_path, f"reservations-web-renewal-{lang}")), full_page=True)
    page.click(".slot-button >> nth=0")
    page.wait_for_selector("[role=status]")
    axe_check(page, "sent", checked)
    held = Reservation.objects.get()
    assert (held.status, held.language, held.appointment_type.code) == ("held", lang, "certificate")
    link = re.search(r"https?://\S+/verify/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + path_of(link))
    axe_check(page, "verify", checked)
    page.click(f"button:has-text('{words['confirm']}')")
    page.wait_for_selector(".ref-code")
    held.refresh_from_db()
    assert held.status == "booked"
    assert page.get_attribute("html", "lang") == lang
    assert ".ics" in mail.outbox[-1].attachments[0][0]


def test_a_resident_joins_the_waiting_list_of_a_full_day_and_gets_the_freed_place(
    phone, live_server, world, tmp_path
):
    from django.core import mail

    from madoguchi.jobs.testing import run_queued_jobs

    from ..models import Reservation, Slot
    from ..services import reservation_book, reservation_cancel, slots_sync, window_dates
    from .helpers import ready_card, set_capacity

    office = world["office"]
    set_capacity(office, 1)  # one person per time, so a day fills up (the nightly sync keeps it)
    slots_sync(office=office, start=window_dates(public=False)[0], end=window_dates(public=False)[1])
    day = (
        Slot.objects.filter(office=office, date__gte=window_dates(public=True)[0])
        .order_by("date")
        .first()
        .date
    )
    taken = []
    for slot in Slot.objects.filter(office=office, date=day).order_by("start"):
        card = ready_card(office, birth_date=datetime.date(1970, 1, 1))
        taken.append(reservation_book(cards=[card], slot=slot, by=world["operator"], channel="phone"))

    checked: list[str] = []
    page = phone("en-US")
    page.fill("#id_notice_number", world["mother"].notice_number)
    page.fill("#id_birth_date", "1980/5/17")
    page.click("form.card button.primary")
    page.click(".month-calendar a.full-day >> nth=0")
    page.wait_for_selector("text=is fully booked")
    axe_check(page, "full day", checked)
    page.fill("#wait_email", "hanako@example.jp")
    page.click("text=Join the waiting list for this day")
    page.wait_for_selector("text=You are on the waiting list")
    axe_check(page, "joined", checked)

    reservation_cancel(reservation=taken[-1], by=world["operator"], channel="phone")  # a place is freed
    run_queued_jobs()
    offer = mail.outbox[-1]
    assert offer.subject.startswith("[Waiting list] A place became free")
    link = re.search(r"https?://\S+/verify/\S+/", offer.body).group(0)
    page.goto(live_server.url + path_of(link))
    page.click("button:has-text('Confirm the booking')")
    page.wait_for_selector(".ref-code")
    page.screenshot(path=str(shot(tmp_path, "reservations-web-waitlist-en")), full_page=True)
    booked = Reservation.objects.get(card_links__card=world["mother"])
    assert (booked.status, booked.date, booked.slot_id) == ("booked", day, taken[-1].slot_id)
