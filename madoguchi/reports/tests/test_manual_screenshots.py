"""In a real browser: the screenshot command's core logs in as each role, photographs its screens from a live
server, and the manual PDF then embeds those photographs under their sections."""

import io

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    sync_roles()
    make_offices()
    return {
        "operator": make_user("mika", Role.OPERATOR, "Mika"),
        "director": make_user("emi", Role.DIRECTOR, "Emi"),
    }


def test_screens_are_photographed_from_the_live_server_and_printed_in_the_manual(
    browser, live_server, people
):
    from pypdf import PdfReader

    from madoguchi.accounts.testing import PASSWORD
    from madoguchi.reports.manual import manual_pdf
    from madoguchi.reports.models import ManualScreenshot
    from madoguchi.reports.screenshots import store_screenshots, take_screenshots
    from madoguchi.reports.services import ReportError

    # The first request imports every app (OR-Tools, Sudachi): warm the server up first.
    warm = browser.new_page()
    warm.goto(f"{live_server.url}/accounts/login/", timeout=90_000)
    warm.close()
    lines: list[str] = []
    captured = take_screenshots(
        browser=browser,
        base_url=live_server.url,
        password=PASSWORD,
        users={role: user.username for role, user in people.items()},
        keys=["calls.take", "reports.monthly"],
        month="2026-10",
        report=lines.append,
    )
    shots = store_screenshots(captured)
    assert [s.key for s in shots] == ["calls.take", "reports.monthly"]
    assert lines == ["通話受付: /calls/take/", "月報: /reports/monthly/?month=2026-10"]
    assert all((s.width, s.height) == (1280, 800) for s in shots)
    assert ManualScreenshot.objects.count() == 2

    with pytest.raises(ReportError, match="でログインできませんでした"):
        take_screenshots(
            browser=browser,
            base_url=live_server.url,
            password="wrong",
            users={"operator": "mika"},
            keys=["calls.take"],
        )

    content = manual_pdf(printed_at=shots[0].taken_at)
    reader = PdfReader(io.BytesIO(content))
    images = [(img.image.width, img.image.height) for page in reader.pages for img in page.images]
    assert images == [(1280, 800), (1280, 800)]
    text = "\n".join(page.extract_text() for page in reader.pages).replace("\u3000", " ")
    assert "図1 通話受付の画面" in text
    assert "図2 月報の画面" in text


def test_the_command_refuses_a_server_that_is_not_on_this_machine():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="デモ用データのサーバーに対してだけ"):
        call_command("manual_screenshots", "--base-url", "http://192.0.2.10:8000")
    with pytest.raises(CommandError, match="ROLE=USERNAME"):
        call_command("manual_screenshots", "--base-url", "http://127.0.0.1:8102", "--user", "boss")
