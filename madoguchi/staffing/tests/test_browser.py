"""A site manager plans a month by keyboard: solve with Alt+S, read the heat map, try the Erlang calculator."""

from __future__ import annotations

import importlib

import pytest
from playwright.sync_api import expect

from madoguchi.jobs.testing import run_queued_jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIGHT = {"cards_preparation": 300, "cards_post_issuance": 300, "floor_staff": 1}


@pytest.fixture
def manager_and_plan(db, settings):
    from django.apps import apps

    from madoguchi.accounts.roles import Role, sync_roles
    from madoguchi.accounts.testing import make_offices, make_user
    from madoguchi.staffing.demo import create_team
    from madoguchi.staffing.services import month_plan_create, month_plan_forecast

    settings.MADOGUCHI_STAFFING_SOLVER_SECONDS = 8
    # TransactionTestCase flushes the data migrations' rows: seed the courses and shift templates again.
    for name in ("0002_seed_training_courses", "0004_seed_shift_templates"):
        importlib.import_module(f"madoguchi.staffing.migrations.{name}").seed(apps, None)
    sync_roles()
    offices = make_offices()
    user = make_user("daichi", Role.SITE_MANAGER, "Daichi")
    create_team(16)
    plan = month_plan_create(office=offices["honcho"], year=2026, month=4)
    month_plan_forecast(plan=plan, overrides=LIGHT)
    return user, plan


def test_a_site_manager_solves_april_and_reads_the_heat_map_by_keyboard(
    manager_and_plan, login_page, page, live_server
) -> None:
    user, plan = manager_and_plan
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    login_page(user)
    page.goto(f"{live_server.url}/staffing/plans/{plan.pk}/")
    expect(page.locator("#plan-status")).to_have_text("必要人数算出済み")
    page.keyboard.press("Alt+s")
    # Solving is a background job: the request answers at once with the roster page; a worker (here: the test
    # itself, between requests) solves, and the plan then shows the result.
    page.wait_for_url(f"{live_server.url}/staffing/rosters/{plan.year}/{plan.month}/")
    [job] = [job for job in run_queued_jobs() if job.kind == "staffing.solve"]
    assert job.state == "done", job.error_message
    page.goto(f"{live_server.url}/staffing/plans/{plan.pk}/")
    expect(page.locator("#solve-stats")).to_be_visible(timeout=60_000)
    expect(page.locator("#plan-status")).to_contain_text("シフト作成済み")
    page.keyboard.press("Alt+2")
    page.wait_for_url(f"{live_server.url}/staffing/plans/{plan.pk}/heatmap/")
    expect(page.locator("#skill-select")).to_be_focused()
    page.select_option("#skill-select", "back_office")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#heatmap-table caption")).to_contain_text("交付事務")
    assert (
        page.locator(
            "#heatmap-table td.hm-exact, #heatmap-table td.hm-over1, #heatmap-table td.hm-over2"
        ).count()
        > 0
    )
    page.keyboard.press("Alt+3")
    expect(page.locator("#day-shifts")).to_contain_text("休憩")


def test_the_erlang_calculator_answers_by_keyboard(manager_and_plan, login_page, page, live_server) -> None:
    user, _plan = manager_and_plan
    page.goto(f"{live_server.url}/accounts/login/", timeout=60_000)
    login_page(user)
    page.goto(f"{live_server.url}/staffing/erlang/")
    page.fill("#id_calls_per_hour", "30")
    page.fill("#id_aht_seconds", "240")
    page.fill("#id_target", "5")
    page.locator("#id_target").press("Enter")
    expect(page.locator("#erlang-message")).to_contain_text("目標を満たす最少人数は5人です")
    expect(page.locator("#erlang-load")).to_have_text("2.000")
