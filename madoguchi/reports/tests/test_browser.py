"""In a real browser: the director picks a month by keyboard, the report (with its charts) replaces the old one
by htmx, enters the contract, closes the month with a commentary and submits it (a background job); the page then
lists the 初版 with its files."""

import os
from pathlib import Path

import pytest

# MADOGUCHI_SCREENSHOTS=docs/screenshots writes the screens this test passes through (for the docs).
SCREENSHOTS = Path(os.environ["MADOGUCHI_SCREENSHOTS"]) if os.environ.get("MADOGUCHI_SCREENSHOTS") else None

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
    # The contract the 鑑 is addressed from, entered on its screen.
    page.goto(f"{live_server.url}/reports/contract/")
    for field, value in {
        "city_name": "試験市",
        "addressee": "試験市長",
        "section": "市民課",
        "contractor": "株式会社テスト窓口",
        "representative": "代表取締役 試験 一郎",
        "contract_name": "マイナンバーカード窓口業務委託",
        "period_start": "2026-04-01",
        "period_end": "2027-03-31",
    }.items():
        page.fill(f"#id_{field}", value)
    page.click("text=保存する")
    page.wait_for_selector("text=契約情報を保存しました")
    # Month close: nothing to fix in April; the director writes the commentary and closes.
    page.goto(f"{live_server.url}/reports/monthly/2026-04/close/")
    page.fill("#special-notes", "4月は年度初めの繁忙期のため6回線で対応した。")
    page.click("text=保存する")
    page.wait_for_selector("text=特記事項等を保存しました")
    page.click("text=令和8年4月を締める")
    page.wait_for_selector("text=締め済み:")
    if SCREENSHOTS:
        page.screenshot(path=str(SCREENSHOTS / "reports-month-close.png"), full_page=True)
    page.goto(f"{live_server.url}/reports/monthly/?month=2026-04")
    page.click("text=鑑と別紙を作成して市へ提出する")
    page.wait_for_url("**/jobs/**")
    from madoguchi.jobs.testing import run_queued_jobs

    job = next(j for j in run_queued_jobs() if j.kind == "reports.monthly_submit")
    assert job.state == "done", job.error_message
    page.goto(f"{live_server.url}/reports/monthly/?month=2026-04")
    page.wait_for_selector("text=提出した版")
    assert "初版" in page.locator("table:has-text('提出した版')").inner_text()
