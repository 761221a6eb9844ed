"""In a real browser: the director picks a month by keyboard, the report (with its charts) replaces the old one
by htmx, and submitting it shows the submission."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def director(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    from .factories import load_calls

    sync_roles()
    make_offices()
    load_calls({"2026-04": [7, 5, 2, 14]})
    return make_user("emi", Role.DIRECTOR, "Emi")


def test_the_director_opens_a_month_and_submits_it(page, login_page, live_server, director):
    # The first request imports every app (OR-Tools, Sudachi): warm the server up before the 10 s login.
    page.goto(f"{live_server.url}/accounts/login/", timeout=90_000)
    page = login_page(director)
    page.goto(f"{live_server.url}/reports/monthly/?month=2026-03")
    assert page.locator("#month-input").evaluate("el => el === document.activeElement")
    page.fill("#month-input", "2026-04")
    page.press("#month-input", "Enter")
    try:
        page.wait_for_selector("#report-title:has-text('令和8年4月')", timeout=30_000)
    except Exception:
        page.screenshot(path="/tmp/reports-browser-fail.png")
        raise
    assert "month=2026-04" in page.url
    row = page.locator("#s-call_table tbody tr").first
    assert row.inner_text().split() == ["4月", "7", "5", "2", "14"]
    page.locator("#charts-heading").scroll_into_view_if_needed()
    img = page.locator(".report-charts img").first
    img.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.click("text=この月報を市へ提出済にする")
    page.wait_for_selector("text=提出済:")
    assert "月報を提出済にしました" in page.locator(".messages").inner_text()
