from __future__ import annotations

import pytest

from madoguchi.accounts.roles import sync_roles
from madoguchi.accounts.testing import make_user
from madoguchi.faq import search

from .helpers import approved


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_operator_finds_an_answer_as_they_type_and_opens_it(login_page, live_server):
    sync_roles()
    search.clear_cache()
    make_user("daichi", "site_manager", "Daichi")
    make_user("fumio", "city_staff", "Fumio")
    operator = make_user("alice", "operator", "Alice")
    entry = approved(None, "暗証番号", "暗証番号を忘れたとき", "市民課の窓口で再設定します。", is_sample=True)
    approved(None, "受取予約", "受取の予約", "電話で予約します。")
    page = login_page(operator)
    page.goto(f"{live_server.url}/faq/")
    page.locator("h1").click()  # leave the autofocused box, then come back with the shortcut
    page.keyboard.press("/")  # the shortcut puts the cursor in the search box
    page.keyboard.type("あんしょう")
    first = page.locator("#faq-results .faq-hit-question").first
    first.wait_for()
    assert page.input_value("#faq-q") == "あんしょう"
    assert first.inner_text() == "暗証番号を忘れたとき"
    assert "サンプル（市の承認待ち）" in page.locator("#faq-results").inner_text()
    page.keyboard.press("ArrowDown")  # from the box to the first result, by keyboard alone
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/faq/{entry.pk}/")
    assert "市民課の窓口で再設定します。" in page.inner_text("main")
