from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from madoguchi.accounts.models import User
from madoguchi.accounts.testing import date
from madoguchi.calendar.models import Office
from madoguchi.calendar.services import hours_for


class DemoCommandTests(TestCase):
    def test_it_loads_the_kurume_scenario_and_one_account_per_role_and_is_idempotent(self):
        out = StringIO()
        call_command("demo", no_serve=True, stdout=out)
        text = out.getvalue()
        self.assertIn("madoguchi-demo-2026", text)
        self.assertEqual(
            sorted(Office.objects.values_list("name", flat=True)),
            sorted(["本庁（市民課）", "田主丸総合支所", "北野総合支所", "城島総合支所", "三潴総合支所"]),
        )
        roles = {r for u in User.objects.all() for r in u.roles}
        self.assertEqual(
            roles, {"operator", "back_office", "floor", "site_manager", "director", "city_staff", "admin"}
        )
        main = Office.objects.get(code="honcho")
        self.assertEqual(hours_for(main, date("2026-12-27")).kind, "special:year_end")
        users = User.objects.count()
        call_command("demo", no_serve=True, stdout=StringIO())
        self.assertEqual(User.objects.count(), users)
        self.assertEqual(Office.objects.count(), 5)
