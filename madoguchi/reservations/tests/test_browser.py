"""The operator books a family, changes and cancels by keyboard alone, in a real browser.
(The residents' flows on a phone are in test_resident_browser.py.)"""

from __future__ import annotations

import datetime
import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(tmp_path: Path, name: str) -> Path:
    # MADOGUCHI_SCREENSHOTS=1 writes into docs/screenshots/ (committed); otherwise a temp folder.
    if os.environ.get("MADOGUCHI_SCREENSHOTS"):
        return Path(__file__).resolve().parents[3] / "docs" / "screenshots" / f"{name}.png"
    return tmp_path / f"{name}.png"


@pytest.fixture
def world(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    from .helpers import ready_card, set_capacity

    sync_roles()
    offices = make_offices()
    main = offices["honcho"]
    set_capacity(main, 4)
    from madoguchi.reservations.services import slots_sync, window_dates

    slots_sync(
        office=main, start=window_dates(public=False)[0], end=window_dates(public=False)[1]
    )  # the sync job
    return {
        "operator": make_user("alice", Role.OPERATOR, "Alice"),
        "office": main,
        "mother": ready_card(main, birth_date=datetime.date(1980, 5, 17)),
        "child": ready_card(main, birth_date=datetime.date(2014, 2, 3)),
    }


@pytest.fixture
def patient(page, live_server):
    page.goto(
        f"{live_server.url}/accounts/login/", timeout=60_000
    )  # first answer (static finders) can be slow
    return page


def test_the_operator_books_changes_and_cancels_by_keyboard_alone(
    patient, login_page, live_server, world, tmp_path
):
    from madoguchi.reservations.models import Reservation

    page = login_page(world["operator"])
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/reservations/")
    started = time.monotonic()
    # Focus starts in the notice number field; Tab, Tab reaches the birth date; Enter searches.
    page.keyboard.type(world["mother"].notice_number)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("S55.5.17")
    page.keyboard.press("Enter")
    page.wait_for_selector(".slot-button")
    page.keyboard.type(world["child"].notice_number)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("平成26年2月3日")
    page.keyboard.press("Enter")
    expect(page.locator("#desk tbody tr")).to_have_count(2)
    page.screenshot(path=str(shot(tmp_path, "reservations-operator-desk")), full_page=True)
    page.keyboard.press("Alt+1")
    page.wait_for_selector("#ref-code")
    elapsed = time.monotonic() - started
    code = page.inner_text("#ref-code")
    assert elapsed < 30, elapsed
    r = Reservation.objects.get()
    assert (r.display_code, r.party_size, r.status) == (code, 2, "booked")
    page.screenshot(path=str(shot(tmp_path, "reservations-detail")), full_page=True)
    first_slot = r.slot_id
    # Change: Alt+1 picks the first other free slot.
    page.keyboard.press("Alt+1")
    page.wait_for_selector("text=に変更しました")
    r.refresh_from_db()
    assert r.slot_id != first_slot
    # Cancel: Alt+X, then accept the confirmation.
    page.once("dialog", lambda d: d.accept())
    page.keyboard.press("Alt+x")
    page.wait_for_selector("text=を取り消しました")
    r.refresh_from_db()
    assert r.status == "cancelled"
    assert csp == []
