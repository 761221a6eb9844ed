import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.outreach import services

from .factories import make_event


class OutreachWidgetTests(BaseTestCase):
    def test_it_lists_events_of_the_next_30_days_with_preparation_progress(self):
        today = timezone.localdate()
        soon = make_event(by=self.site_manager, venue="近い会場", date=today + datetime.timedelta(days=5))
        make_event(by=self.site_manager, venue="遠い会場", date=today + datetime.timedelta(days=40))
        cancelled = make_event(
            by=self.site_manager, venue="中止の会場", date=today + datetime.timedelta(days=3)
        )
        services.event_cancel(by=self.site_manager, event=cancelled)
        services.checklist_tick(by=self.floor, item=soon.checklist.first(), checked=True)
        html = render_to_string("outreach/_dashboard.html", {})
        self.assertIn("近い会場", html)
        self.assertIn("あと5日", html)
        self.assertIn(f"備品設営チェック 1/{soon.checklist.count()}", html)
        self.assertNotIn("遠い会場", html)
        self.assertNotIn("中止の会場", html)

    def test_nothing_is_shown_without_an_upcoming_event(self):
        self.assertEqual(render_to_string("outreach/_dashboard.html", {}).strip(), "")
