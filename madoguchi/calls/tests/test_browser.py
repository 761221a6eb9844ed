"""In a real browser, by keyboard: an operator takes a call end to end (FAQ search, category, outcome, end)."""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def operator(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user
    from madoguchi.calls.services import categories_seed

    sync_roles()
    make_offices()
    categories_seed()  # a transactional test may run after a flush that removed the seeded categories
    return make_user("alice", Role.OPERATOR, "Alice")


def _load_faq_demo() -> None:
    """The FAQ app's own sample entries (the FAQ pane searches them)."""
    from madoguchi.faq import demo as faq_demo

    faq_demo.load()


def test_an_operator_takes_a_call_end_to_end_by_keyboard_within_15_seconds(login_page, live_server, operator):
    from madoguchi.calls.integrations import reservation_url
    from madoguchi.calls.models import Call, Callback

    _load_faq_demo()
    page = login_page(operator)
    page.goto(f"{live_server.url}/calls/take/")
    assert page.locator("#call-timer").inner_text() == "待機中"
    began = time.monotonic()
    # The search box has focus: typing what the caller asks starts the call and the FAQ answers.
    page.keyboard.type("暗証番号を忘れた")
    page.wait_for_function("document.getElementById('call-desk').dataset.mode === 'running'")
    page.wait_for_selector("#faq-results .faq-hits li details")
    assert "暗証番号" in page.locator("#faq-results").inner_text()
    assert reservation_url(operator)
    assert page.locator('[data-shortcut="alt+y"]').count() == 1  # the reservation flow is one key away
    page.keyboard.press("Alt+l")
    page.keyboard.press("4")
    page.keyboard.press("Alt+k")
    page.keyboard.press("3")  # 3 カード
    page.keyboard.press("Alt+m")
    page.keyboard.type("再設定は窓口で、と案内")
    page.keyboard.press("Alt+o")
    page.keyboard.press("1")  # 1 解決
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".messages .success")
    elapsed = time.monotonic() - began
    assert "通話を記録しました" in page.locator(".messages").inner_text()
    assert elapsed < 15, f"logging took {elapsed:.1f} s"

    call = Call.objects.get()
    assert call.line == 4
    assert call.subcategory.name == "カード"
    assert call.category == "card_inquiry"
    assert call.outcome == "resolved"
    assert call.note == "再設定は窓口で、と案内"
    assert call.operator == operator
    assert call.duration_seconds is not None and call.duration_seconds < 60
    assert not Callback.objects.exists()
    # Ready for the next call, on the same line.
    assert page.locator("#call-timer").inner_text() == "待機中"
    assert page.locator("#id_line").input_value() == "4"


def test_a_callback_is_taken_in_the_same_flow(login_page, live_server, operator):
    from madoguchi.calls.models import Callback

    page = login_page(operator)
    page.goto(f"{live_server.url}/calls/take/")
    page.keyboard.press("Alt+n")  # the call starts before anything is typed
    page.keyboard.press("Alt+k")
    page.keyboard.press("4")  # 受取予約（新規）
    page.keyboard.press("Alt+o")
    page.keyboard.press("3")  # 3 折り返しが必要: the callback fields appear and the phone field has focus
    page.wait_for_selector("#callback-fields:not([hidden])")
    page.keyboard.type("090-1234-5678")
    page.keyboard.press("Tab")
    page.keyboard.type("久留米 太郎")
    page.keyboard.press("Tab")
    page.keyboard.type("家族3人分の予約枠を確認して折り返す")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".messages .success")
    callback = Callback.objects.get()
    assert callback.phone == "090-1234-5678"
    assert callback.reason == "家族3人分の予約枠を確認して折り返す"
    page.goto(f"{live_server.url}/calls/callbacks/")
    assert f"No.{callback.pk}" in page.locator("table.callbacks-table").inner_text()


def test_a_refused_call_puts_the_keyboard_on_the_first_field_to_fix(login_page, live_server, operator):
    from madoguchi.calls.models import Call

    page = login_page(operator)
    page.goto(f"{live_server.url}/calls/take/")
    page.keyboard.press("Alt+n")
    page.keyboard.press("Alt+m")
    page.keyboard.type("個人番号 1234-5678-9018 を言われた")
    page.keyboard.press("Alt+o")
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#call-form .has-error")
    page.wait_for_timeout(300)  # past the page's own autofocus
    # No category was chosen: the category select is the first field to fix, and it has the focus.
    assert page.evaluate("document.activeElement.id") == "id_subcategory"
    page.keyboard.press("4")
    page.keyboard.press("Alt+m")
    page.keyboard.press("Control+a")
    page.keyboard.type("予約の案内をした")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".messages .success")
    assert Call.objects.get().note == "予約の案内をした"
