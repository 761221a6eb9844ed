"""In a real browser: an operator logs in and sees today's hours; city staff are refused an operator-only page."""

import pytest

from madoguchi.accounts.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def personas(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    sync_roles()
    make_offices()
    return {
        "operator": make_user("alice", Role.OPERATOR, "Alice"),
        "city_staff": make_user("fumio", Role.CITY_STAFF),
    }


def test_an_operator_logs_in_with_the_keyboard_and_sees_todays_opening_hours(page, live_server, personas):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.keyboard.type("alice")  # the username field has autofocus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h2#hours-heading").inner_text() == "本日の開庁時間"
    rows = page.locator("#today-hours tbody tr")
    assert rows.count() == 2
    assert "本庁" in rows.nth(0).inner_text()


def test_city_staff_are_refused_an_operator_only_page(login_page, live_server, personas):
    # Taking a call (the call desk) is operator work: city staff read call records but never take calls.
    page = login_page(personas["city_staff"])
    response = page.goto(f"{live_server.url}/calls/take/")
    assert response.status == 403
    assert "権限がありません" in page.content()
    assert "通話受付" not in page.locator("nav.site-nav").inner_text()
    page.context.clear_cookies()
    operator_page = login_page(personas["operator"])
    assert operator_page.goto(f"{live_server.url}/calls/take/").status == 200


def test_no_page_breaks_the_content_security_policy(login_page, live_server, personas):
    page = login_page(personas["operator"])
    violations = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.goto(f"{live_server.url}/calendar/?month=2026-09")
    assert page.evaluate("typeof window.htmx") == "object"
    page.evaluate("window.__not_reloaded = true")
    page.click("text=翌月 →")  # htmx swaps the grid in place and pushes the URL
    page.wait_for_selector("h2:has-text('2026年10月')")
    assert page.evaluate("window.__not_reloaded") is True
    assert "month=2026-10" in page.url
    assert violations == []
