"""The floor tablet keeps counting through a network outage, a lost answer and a session expiry, with exact
final counts (each tap counted once, none lost); the outreach counters hold taps the same way; kiosk mode."""

import datetime
from collections import Counter

import pytest
from playwright.sync_api import expect

from madoguchi.accounts.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    sync_roles()
    make_offices()
    return {
        "floor": make_user("chika", Role.FLOOR, "Chika"),
        "manager": make_user("daichi", Role.SITE_MANAGER, "Daichi"),
    }


@pytest.fixture
def tablet(login_page, page, live_server, people):
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    login_page(people["floor"])
    page.set_viewport_size({"width": 1280, "height": 800})
    return page


def counted():
    from madoguchi.floor.models import GuidanceTap

    return Counter(GuidanceTap.objects.counted().values_list("purpose", flat=True))


def test_the_floor_tablet_keeps_counting_through_an_outage_a_lost_answer_and_a_session_expiry(
    tablet, live_server, people
):
    from django.contrib.sessions.models import Session

    page = tablet
    page.goto(f"{live_server.url}/floor/")
    page.keyboard.press("2")
    expect(page.locator("#floor-status")).to_contain_text("「受取」を1件記録しました")

    # 1. The network goes down: three taps and an undo wait on the tablet, the counts go up at once.
    page.context.set_offline(True)
    for key in ("1", "1", "2", "3", "u"):
        page.keyboard.press(key)
    expect(page.locator("[data-queue-pending]")).to_have_text("未送信 5件（端末に保存中）")
    expect(page.locator("#floor-status")).to_contain_text("通信できません")
    assert page.locator("#count-form_help").inner_text() == "2"
    assert page.locator("#count-pickup").inner_text() == "2"
    assert counted() == Counter({"pickup": 1})
    page.context.set_offline(False)
    expect(page.locator("[data-queue-pending]")).to_be_hidden(timeout=20_000)
    # The undo was sent after the taps, in order: it took back the e-certificate tap.
    expect(page.locator("#floor-total")).to_have_text("4")
    assert counted() == Counter({"pickup": 2, "form_help": 2})

    # 2. The server counts a tap but its answer is lost: the tablet sends the same tap again, counted once.
    lost = {"n": 0}

    def lose_first_answer(route):
        if lost["n"] == 0:
            lost["n"] += 1
            route.fetch()  # the server handles it...
            route.abort()  # ...and the tablet never hears back
        else:
            route.continue_()

    page.route("**/floor/tap/", lose_first_answer)
    page.keyboard.press("4")
    expect(page.locator("[data-queue-pending]")).to_be_hidden(timeout=20_000)
    expect(page.locator("#count-address_change")).to_have_text("1")
    page.unroute("**/floor/tap/")
    assert counted()["address_change"] == 1

    # 3. The session ends (idle timeout): the next taps lead to the login page and are sent after logging in.
    Session.objects.all().delete()
    page.keyboard.press("5")
    page.wait_for_url("**/accounts/login/?next=*")
    page.fill("#id_username", people["floor"].username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/floor/")
    expect(page.locator("[data-queue-pending]")).to_be_hidden(timeout=20_000)
    expect(page.locator("#count-mynaportal")).to_have_text("1")
    expect(page.locator("#floor-total")).to_have_text("6")
    assert counted() == Counter({"pickup": 2, "form_help": 2, "address_change": 1, "mynaportal": 1})
    assert page.evaluate("window.localStorage.getItem('madoguchi.queue.v1')") == "[]"


def test_the_outreach_counters_hold_taps_while_offline_and_send_each_once(
    login_page, page, live_server, people
):
    from madoguchi.outreach import services

    event = services.event_create(
        by=people["manager"],
        venue="ゆめタウン久留米",
        date=datetime.date(2026, 6, 13),
        opens=datetime.time(10),
        closes=datetime.time(16),
        windows=2,
    )
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    login_page(people["floor"])
    page.goto(f"{live_server.url}/outreach/{event.pk}/day/")
    page.context.set_offline(True)
    for key in ("1", "1", "1", "Alt+1", "2"):
        page.keyboard.press(key)
    expect(page.locator("#wcount-1")).to_have_text("2")
    expect(page.locator("#windows-total")).to_have_text("3")
    expect(page.locator("[data-queue-pending]")).to_have_text("未送信 5件（端末に保存中）")
    page.context.set_offline(False)
    expect(page.locator("[data-queue-pending]")).to_be_hidden(timeout=20_000)
    expect(page.locator("#windows-total")).to_have_text("3")
    rows = {w.window: w.applications for w in event.window_counts.all()}
    assert rows == {1: 2, 2: 1}


def test_kiosk_mode_hides_the_menus_and_stays_on_after_a_reload(tablet, live_server):
    page = tablet
    page.goto(f"{live_server.url}/floor/")
    assert page.locator(".site-nav").is_visible()
    page.get_by_role("button", name="全画面（キオスク）").click()
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    page.reload()
    expect(page.locator(".site-nav")).to_be_hidden()
    page.get_by_role("button", name="全画面を終了").click()
    expect(page.locator(".site-nav")).to_be_visible()
