from django.template.loader import render_to_string

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.floor import services


class FloorWidgetTests(BaseTestCase):
    def test_it_counts_todays_visitors_without_the_undone_ones(self):
        services.guidance_tap(by=self.floor, office=self.main_office, purpose="pickup")
        services.guidance_tap(by=self.floor, office=self.branch_office, purpose="pickup")
        services.guidance_tap(by=self.floor, office=self.main_office, purpose="other")
        services.guidance_undo(by=self.floor, office=self.main_office)
        services.assist_record(by=self.floor, office=self.main_office, topic="insurance", outcome="done")
        html = render_to_string("floor/_dashboard.html", {})
        self.assertIn("案内 <strong>2</strong> 人", html)
        self.assertIn("マイナポータル支援 <strong>1</strong> 件", html)
