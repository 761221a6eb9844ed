"""Role × view matrix for the foundation's screens. Each app's tests extend it for their own views."""

from madoguchi.accounts.roles import ALL_ROLES, Role
from madoguchi.accounts.testing import BaseTestCase

MANAGE_CALENDAR = {Role.SITE_MANAGER, Role.DIRECTOR, Role.ADMIN}


class RoleMatrixTests(BaseTestCase):
    def test_every_role_sees_the_dashboard(self):
        self.assert_role_matrix("/", ALL_ROLES)

    def test_every_role_sees_the_calendar(self):
        self.assert_role_matrix("/calendar/", ALL_ROLES)

    def test_only_managers_and_administrators_manage_special_days(self):
        self.assert_role_matrix("/calendar/special-days/", MANAGE_CALENDAR)

    def test_only_directors_and_administrators_search_the_audit_trail(self):
        self.assert_role_matrix("/accounts/audit/", {Role.DIRECTOR, Role.ADMIN})
        self.assert_role_matrix("/accounts/audit/export.csv", {Role.DIRECTOR, Role.ADMIN})

    def test_only_administrators_manage_accounts(self):
        self.assert_role_matrix("/accounts/staff/", {Role.ADMIN})

    def test_a_user_without_a_role_is_refused_everything_but_the_dashboard(self):
        self.login(self.nobody)
        self.assertEqual(self.client.get("/").status_code, 200)
        for url in ("/calendar/", "/calendar/special-days/", "/accounts/audit/", "/accounts/staff/"):
            self.assertEqual(self.client.get(url).status_code, 403, url)
