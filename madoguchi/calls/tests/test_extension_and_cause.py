"""The answering extension and how a CTI call ended are shown in the call list, and counted by month on the
monthly page (answered, busy, no answer, caller hung up, no end received yet)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from madoguchi.accounts.testing import BaseTestCase
from madoguchi.calls import selectors
from madoguchi.calls.models import Call


def cti_call(call_id: str, *, cause: str = "", extension: str = "", when: datetime.datetime) -> Call:
    return Call.objects.create(
        source=Call.Source.CTI,
        cti_call_id=call_id,
        line=1,
        started_at=when,
        status=Call.Status.ENDED if cause else Call.Status.ACTIVE,
        extension=extension,
        hangup_cause=cause,
    )


class ExtensionAndCauseTests(BaseTestCase):
    def setUp(self):
        self.now = timezone.now() - datetime.timedelta(minutes=5)
        cti_call("A", cause="answered", extension="201", when=self.now)
        cti_call("B", cause="busy", when=self.now)
        cti_call("C", cause="caller_hung_up", when=self.now)
        cti_call("D", cause="answered", extension="202", when=self.now)
        cti_call("E", when=self.now)  # still on the line: no hangup yet

    def test_the_call_list_shows_the_extension_and_the_end_of_each_call(self):
        self.login(self.operator)
        page = self.client.get("/calls/").content.decode()
        self.assertIn('<th scope="col">内線</th>', page)
        self.assertIn("<td>201</td>", page)
        self.assertIn("<td>話し中</td>", page)
        self.assertIn("<td>呼出中に相手が切断</td>", page)

    def test_hangup_causes_are_counted_per_month_with_every_cause_present(self):
        local = timezone.localtime(self.now)
        counts = selectors.hangup_cause_counts(year=local.year, month=local.month)
        self.assertEqual(
            counts, {"answered": 2, "busy": 1, "no_answer": 0, "caller_hung_up": 1, "unknown": 1}
        )

    def test_the_monthly_page_has_the_table_of_causes(self):
        self.login(self.site_manager)
        local = timezone.localdate()
        fy = local.year if local.month >= 4 else local.year - 1
        page = self.client.get(f"/calls/monthly/?fy={fy}").content.decode()
        table = page.split('id="hangup-causes"')[1].split("</table>")[0]
        self.assertIn("応答後に終話", table)
        self.assertIn("終話未受信", table)
        self.assertIn('<tfoot><tr><th scope="row">計</th><td class="num">2</td><td class="num">1</td>', table)
