"""The floor guidance board on a 10-inch tablet, portrait and landscape: one tap counts, undo, keyboard."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 800, "height": 1280}
LANDSCAPE = {"width": 1280, "height": 800}


def shot_path(tmp_path: Path, name: str) -> Path:
    # MADOGUCHI_SCREENSHOTS=1 writes the pictures into docs/screenshots/ (committed); otherwise a temp folder.
    if os.environ.get("MADOGUCHI_SCREENSHOTS"):
        return Path(__file__).resolve().parents[3] / "docs" / "screenshots" / f"{name}.png"
    return tmp_path / f"{name}.png"


@pytest.fixture
def floor_user(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    sync_roles()
    make_offices()
    return make_user("chika", Role.FLOOR, "Chika")


@pytest.fixture
def tablet_login(login_page, page, live_server):
    """login_page, after one patient first request: the live server's first answer (static finders) can be slow."""
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    return login_page


def tops(page, selector):
    return [
        round(page.locator(selector).nth(i).bounding_box()["y"])
        for i in range(page.locator(selector).count())
    ]


def test_a_floor_guide_counts_visitors_by_tap_and_key_and_undoes_in_portrait(
    tablet_login, live_server, floor_user, tmp_path
):
    from madoguchi.floor.models import GuidanceTap

    page = tablet_login(floor_user)
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.set_viewport_size(PORTRAIT)
    page.goto(f"{live_server.url}/floor/")
    # Portrait: two big buttons a row (1 and 2 side by side, 3 below them).
    y = tops(page, ".floor-button")
    assert len(y) == 6 and y[0] == y[1] and y[2] > y[0]
    assert page.locator(".floor-button").first.bounding_box()["height"] >= 150
    # The menu above the page must not push the buttons off the first screen of a portrait tablet.
    last = page.locator(".floor-button").nth(5).bounding_box()
    assert last["y"] + last["height"] <= PORTRAIT["height"]

    page.get_by_role("button", name="受取").click()
    page.wait_for_selector("text=「受取」を1件記録しました")
    assert page.locator("#count-pickup").inner_text() == "1"
    page.keyboard.press("2")  # the same purpose by its shortcut
    expect(page.locator("#count-pickup")).to_have_text("2")
    page.keyboard.press("5")
    expect(page.locator("#count-mynaportal")).to_have_text("1")
    assert page.locator("#floor-total").inner_text() == "3"
    page.screenshot(path=str(shot_path(tmp_path, "floor-portrait")))

    for expected in ("2", "1", "0"):
        page.keyboard.press("u")
        expect(page.locator("#floor-total")).to_have_text(expected)
    page.keyboard.press("u")
    page.wait_for_selector("text=取り消せる記録がありません")
    assert page.locator("#floor-total").inner_text() == "0"
    assert GuidanceTap.objects.counted().count() == 0
    assert GuidanceTap.objects.count() == 3
    assert violations == []


def test_the_board_shows_three_buttons_a_row_in_landscape(tablet_login, live_server, floor_user, tmp_path):
    page = tablet_login(floor_user)
    page.set_viewport_size(LANDSCAPE)
    page.goto(f"{live_server.url}/floor/")
    y = tops(page, ".floor-button")
    assert y[0] == y[1] == y[2] and y[3] > y[0]
    # All six buttons fit on the screen without scrolling.
    last = page.locator(".floor-button").nth(5).bounding_box()
    assert last["y"] + last["height"] <= LANDSCAPE["height"]
    page.get_by_role("button", name="申請書の記載案内").click()
    page.wait_for_selector("text=「申請書の記載案内」を1件記録しました")
    # One row per opening hour of today (from the calendar; none on a closed day) plus the hour just counted.
    rows = page.locator("table.floor-hours tbody tr")
    assert rows.count() >= 1
    page.screenshot(path=str(shot_path(tmp_path, "floor-landscape")))


def test_the_mynaportal_form_is_readable_and_starts_focused_on_a_portrait_tablet(
    tablet_login, live_server, floor_user
):
    page = tablet_login(floor_user)
    page.set_viewport_size(PORTRAIT)
    page.goto(f"{live_server.url}/floor/mynaportal/")
    assert page.evaluate("document.activeElement.name") == "topic"
    # Form and list one above the other in portrait, not two squeezed columns.
    form = page.locator("#mp-form-heading").bounding_box()
    listing = page.locator("#assists").bounding_box()
    assert listing["y"] > form["y"] + form["height"]
    # The key hint in the blue button is readable (not white on white).
    color, background = page.locator("button.primary kbd").evaluate(
        "k => [getComputedStyle(k).color, getComputedStyle(k).backgroundColor]"
    )
    assert color != background
