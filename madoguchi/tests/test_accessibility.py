"""axe-core (vendored in tests/vendor, never loaded from the network) on the main pages: no serious or critical
violations. Pages are checked as each role sees them, with a form showing its errors where a page has one."""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SERIOUS = {"serious", "critical"}


@pytest.fixture
def people(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user

    sync_roles()
    make_offices()
    return {
        "operator": make_user("alice", Role.OPERATOR, "Alice"),
        "floor": make_user("chika", Role.FLOOR, "Chika"),
        "back_office": make_user("bob", Role.BACK_OFFICE, "Bob"),
        "manager": make_user("daichi", Role.SITE_MANAGER, "Daichi"),
    }


def serious_violations(page):
    page.evaluate(AXE)  # evaluated by the test driver, so the page's CSP does not apply to it
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    return [v for v in result if v["impact"] in SERIOUS]


def check(page, url, report):
    page.goto(url)
    for v in serious_violations(page):
        report.append((url, v["id"], v["impact"], v["help"], v["nodes"]))


PAGES = {
    "operator": [
        "/",
        "/calls/take/",
        "/calls/callbacks/",
        "/calls/callbacks/new/",
        "/calls/memos/",
        "/calls/",
        "/faq/",
        "/reservations/",
    ],
    "floor": ["/floor/", "/floor/mynaportal/"],
    "back_office": ["/cards/", "/cards/scan/"],
    "manager": ["/calendar/", "/outreach/", "/staffing/", "/incidents/"],
}


def test_the_main_pages_have_no_serious_accessibility_violations(page, login_page, live_server, people):
    report = []
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    check(page, f"{live_server.url}/accounts/login/", report)
    # The login form with its errors (the error summary and the messages).
    page.click("main button[type=submit]")
    check(page, page.url, report)
    for role, urls in PAGES.items():
        page.context.clear_cookies()
        login_page(people[role])
        for url in urls:
            check(page, f"{live_server.url}{url}", report)
        if role == "floor":
            # The Mynaportal form posted empty: error summary + field messages.
            page.goto(f"{live_server.url}/floor/mynaportal/")
            page.click("form button.primary")
            for v in serious_violations(page):
                report.append(("mynaportal (errors)", v["id"], v["impact"], v["help"], v["nodes"]))
    assert report == [], "\n".join(map(str, report))


def test_the_check_itself_finds_a_button_without_a_name_and_low_contrast_text(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    page.evaluate(
        """() => {
        const b = document.createElement('button'); document.querySelector('main').appendChild(b);
        const p = document.createElement('p'); p.textContent = '薄い文字'; p.style.color = '#eeeeee';
        document.querySelector('main').appendChild(p);
    }"""
    )
    found = {v["id"] for v in serious_violations(page)}
    assert {"button-name", "color-contrast"} <= found


def test_every_control_on_the_tablet_pages_is_at_least_44_px_high(page, login_page, live_server, people):
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    login_page(people["floor"])
    page.set_viewport_size({"width": 800, "height": 1280})
    small = []
    for url in ("/floor/", "/floor/mynaportal/"):
        page.goto(f"{live_server.url}{url}")
        small += page.evaluate(
            """(url) => Array.from(document.querySelectorAll(
                'main button, main select, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main a'))
              .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
              .map(el => url + ' ' + el.tagName + ' ' + (el.name || el.textContent.trim().slice(0, 20))
                   + ' ' + Math.round(el.getBoundingClientRect().height))""",
            url,
        )
    assert small == []


def test_ids_are_unique_on_the_callback_page(page, login_page, live_server, people):
    from django.utils import timezone

    from madoguchi.calls.services import callback_create

    cb = callback_create(
        by=people["operator"], phone="0942-30-9000", reason="受取予約の変更", due_at=timezone.now()
    )
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    login_page(people["operator"])
    page.goto(f"{live_server.url}/calls/callbacks/{cb.pk}/")
    duplicates = page.evaluate(
        """() => { const seen = {}; const dup = [];
        document.querySelectorAll('[id]').forEach(e => { if (seen[e.id]) dup.push(e.id); seen[e.id] = 1; });
        return dup; }"""
    )
    assert duplicates == []
