"""In a real browser: an operator sees a card's address and phone masked and reveals one with the keyboard (htmx)."""

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def card(db):
    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user
    from madoguchi.cards.tests.factories import make_card

    sync_roles()
    offices = make_offices()
    operator = make_user("alice", Role.OPERATOR, "Alice")
    return operator, make_card(
        offices["honcho"], address="福岡県久留米市城南町15番地3", phone="090-1234-5678"
    )


def test_an_operator_reveals_the_phone_with_the_keyboard_and_it_is_audited(
    login_page, live_server, card, tmp_path
):
    from madoguchi.accounts.models import AuditEvent

    operator, c = card
    page = login_page(operator)
    page.goto(f"{live_server.url}/cards/{c.pk}/")
    facts = page.locator("dl.facts")
    assert "福岡県久留米市●●●" in facts.inner_text()
    assert "090-****-5678" in facts.inner_text()
    button = page.get_by_role("button", name="電話番号を表示（閲覧を記録します）")
    button.focus()
    page.keyboard.press("Enter")
    revealed = page.locator(f"span.revealed#reveal-cards-card-{c.pk}-phone")
    revealed.wait_for()
    assert revealed.inner_text() == "090-1234-5678"
    assert (
        page.evaluate("document.activeElement.id") == f"reveal-cards-card-{c.pk}-phone"
    )  # focus stays there
    assert "福岡県久留米市●●●" in facts.inner_text()  # only what was asked for
    assert page.url.endswith(f"/cards/{c.pk}/")  # swapped in place, no navigation
    event = AuditEvent.objects.filter(detail__reveal="phone").get()
    assert (event.actor_id, event.object_id) == (operator.pk, str(c.pk))
    # MADOGUCHI_SCREENSHOTS=1 writes the picture into docs/screenshots/ (committed); otherwise a temp folder.
    shots = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
    page.locator("main").screenshot(
        path=(shots if os.environ.get("MADOGUCHI_SCREENSHOTS") else tmp_path) / "security-reveal.png"
    )
