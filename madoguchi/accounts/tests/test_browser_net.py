"""The one htmx error layer in Chromium: a failed request shows what happened and can be retried; an expired
session leads to the login page and back to the same page."""

import pytest
from playwright.sync_api import expect

from madoguchi.accounts.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def operator(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    sync_roles()
    make_offices()
    return make_user("alice", Role.OPERATOR, "Alice")


def test_a_request_sent_while_offline_shows_a_failure_and_the_retry_sends_it_again(
    login_page, live_server, operator
):
    page = login_page(operator)
    page.goto(f"{live_server.url}/calendar/?month=2026-09")
    banner = page.locator("#net-error")
    expect(banner).to_be_hidden()
    page.context.set_offline(True)
    page.click("text=翌月 →")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("通信できませんでした")
    expect(page.locator("h2:has-text('2026年9月')")).to_be_visible()  # nothing swapped
    page.context.set_offline(False)
    page.get_by_role("button", name="再試行").click()
    expect(page.locator("h2:has-text('2026年10月')")).to_be_visible()
    expect(banner).to_be_hidden()


def test_a_server_error_is_shown_in_words_and_the_retry_succeeds_once_the_server_recovers(
    login_page, live_server, operator
):
    page = login_page(operator)
    page.goto(f"{live_server.url}/calendar/?month=2026-09")
    failing = {"on": True}

    def maybe_fail(route):
        if failing["on"]:
            route.fulfill(status=500, body="boom")
        else:
            route.continue_()

    page.route("**/calendar/?month=2026-10*", maybe_fail)
    page.click("text=翌月 →")
    expect(page.locator("#net-error")).to_contain_text("サーバーでエラーが発生しました（500）")
    assert "boom" not in page.locator("main").inner_text()
    failing["on"] = False
    page.get_by_role("button", name="再試行").click()
    expect(page.locator("h2:has-text('2026年10月')")).to_be_visible()


def test_after_the_session_expires_the_next_click_opens_the_login_page_and_leads_back(
    login_page, live_server, operator
):
    from django.contrib.sessions.models import Session

    page = login_page(operator)
    page.goto(f"{live_server.url}/calendar/?month=2026-09")
    Session.objects.all().delete()  # the idle timeout ended the session on the server
    page.click("text=翌月 →")
    page.wait_for_url("**/accounts/login/?next=*")
    assert page.locator("form #id_username").count() == 1
    assert (
        page.locator("main form").count() == 1
    )  # the whole login page, not a login form inside the calendar
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/calendar/?month=2026-09")
    expect(page.locator("h2:has-text('2026年9月')")).to_be_visible()


def test_polling_requests_carry_the_poll_header(login_page, live_server, operator):
    page = login_page(operator)
    page.goto(f"{live_server.url}/calendar/?month=2026-09")
    # A timer-driven element, as the call desk and the job progress use.
    page.evaluate(
        """() => {
        const d = document.createElement('div');
        d.setAttribute('hx-get', '/calendar/?month=2026-09');
        d.setAttribute('hx-trigger', 'every 1s');
        d.setAttribute('hx-swap', 'none');
        document.querySelector('main').appendChild(d);
        htmx.process(d);
    }"""
    )
    with page.expect_request(lambda r: "X-Madoguchi-Poll".lower() in r.headers) as info:
        pass
    assert info.value.headers["x-madoguchi-poll"] == "1"
