"""The outreach day page on a 10-inch tablet at the venue: +1/−1 per window, never below zero, keyboard too."""

import datetime
import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 800, "height": 1280}
LANDSCAPE = {"width": 1280, "height": 800}


def shot_path(tmp_path: Path, name: str) -> Path:
    if os.environ.get("MADOGUCHI_SCREENSHOTS"):
        return Path(__file__).resolve().parents[3] / "docs" / "screenshots" / f"{name}.png"
    return tmp_path / f"{name}.png"


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
def event(people):
    from madoguchi.outreach import services

    return services.event_create(
        by=people["manager"],
        venue="ゆめタウン久留米",
        date=datetime.date(2026, 6, 13),
        opens=datetime.time(10),
        closes=datetime.time(16),
        windows=4,
    )


@pytest.fixture
def tablet_login(login_page, page, live_server):
    """login_page, after one patient first request: the live server's first answer (static finders) can be slow."""
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    return login_page


def tops(page, selector):
    loc = page.locator(selector)
    return [round(loc.nth(i).bounding_box()["y"]) for i in range(loc.count())]


def counts(event):
    return dict(event.window_counts.values_list("window", "applications"))


def test_staff_count_applications_per_window_in_portrait(tablet_login, live_server, people, event, tmp_path):
    page = tablet_login(people["floor"])
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.set_viewport_size(PORTRAIT)
    page.goto(f"{live_server.url}/outreach/{event.pk}/day/")
    y = tops(page, ".window-card")
    assert len(y) == 4 and y[0] == y[1] and y[2] > y[0]  # two windows a row in portrait

    page.get_by_role("button", name="窓口1 ＋1").click()
    page.wait_for_selector("text=窓口1: +1（1件）")
    page.get_by_role("button", name="窓口1 ＋1").click()
    page.wait_for_selector("text=窓口1: +1（2件）")
    page.keyboard.press("3")
    page.wait_for_selector("text=窓口3: +1（1件）")
    page.get_by_role("button", name="窓口2 −1").click()
    page.wait_for_selector("text=窓口2の受付件数は0件のため、これ以上減らせません。")
    page.keyboard.press("Alt+1")
    page.wait_for_selector("text=窓口1: −1（1件）")
    assert page.locator("#windows-total").inner_text() == "2"
    assert counts(event) == {1: 1, 2: 0, 3: 1, 4: 0}
    page.screenshot(path=str(shot_path(tmp_path, "outreach-day-portrait")))
    assert violations == []


def test_the_day_page_shows_four_windows_a_row_in_landscape(
    tablet_login, live_server, people, event, tmp_path
):
    page = tablet_login(people["floor"])
    page.set_viewport_size(LANDSCAPE)
    page.goto(f"{live_server.url}/outreach/{event.pk}/day/")
    y = tops(page, ".window-card")
    assert len(set(y)) == 1
    last = page.locator(".window-card").nth(3).bounding_box()
    assert last["y"] + last["height"] <= LANDSCAPE["height"]
    page.get_by_role("button", name="窓口4 ＋1").click()
    page.wait_for_selector("text=窓口4: +1（1件）")
    page.fill("#id_text", "電子証明書の更新もできるか")
    page.select_option("#id_window", "4")
    page.get_by_role("button", name="問合せを記録").click()
    page.wait_for_selector("text=問合せを記録しました。")
    assert event.inquiries.get().window == 4
    page.screenshot(path=str(shot_path(tmp_path, "outreach-day-landscape")))
