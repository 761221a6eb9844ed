"""In Chromium: a CTI call answered on extension 201 pops up on the desk of the operator signed in there, and
not on the other operator's desk; a roll-over shows on both."""

import datetime
import json

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def operators(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    sync_roles()
    make_offices()
    return make_user("alice", Role.OPERATOR, "Alice"), make_user("eri", Role.OPERATOR, "Eri")


def post_event(client, **event):
    from django.utils import timezone

    event.setdefault("time", timezone.now().isoformat())
    response = client.post(
        "/api/cti/events",
        data=json.dumps(event),
        content_type="application/json",
        headers={"Authorization": "Bearer test-cti-token"},
    )
    assert response.status_code == 200, response.content


def test_a_cti_call_pops_up_only_on_the_desk_of_the_operator_who_answered(browser, live_server, operators):
    from django.test import Client
    from django.utils import timezone

    from madoguchi.accounts.testing import PASSWORD

    desks = []
    for user, extension in zip(operators, ("201", "202"), strict=True):
        context = browser.new_context(
            locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1366, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/calls/take/")
        page.fill("#seat-extension", extension)
        page.get_by_role("button", name="内線にサインイン").click()
        expect(page.locator(".seat-form")).to_contain_text(f"内線 {extension} にサインイン中")
        desks.append(page)
    alice, eri = desks

    pbx = Client()
    started = timezone.now() - datetime.timedelta(seconds=10)
    post_event(
        pbx,
        event="newCall",
        callId="B-1",
        line=3,
        direction="inbound",
        time=started.isoformat(),
        **{"from": "090-1234-0001", "to": "0942300000"},
    )
    post_event(pbx, event="answer", callId="B-1", line=3, extension="201")
    post_event(pbx, event="overflow", callId="B-2", **{"from": "090-1234-0002"})

    mine = alice.locator("#active-calls li.mine")
    expect(mine).to_contain_text("回線3", timeout=30_000)  # polled every 5 s
    expect(mine).to_contain_text("内線201")
    expect(eri.locator("#active-calls")).to_contain_text("未担当のあふれ呼", timeout=30_000)
    expect(eri.locator("#active-calls .rollovers li a")).to_have_count(1, timeout=30_000)
    expect(alice.locator("#active-calls .rollovers li a")).to_have_count(1, timeout=30_000)
    assert "回線3" not in eri.locator("#active-calls .active-calls").inner_text()
    for page in desks:
        page.context.close()
