from madoguchi.accounts.models import AuditEvent, User
from madoguchi.accounts.testing import BaseTestCase


class StaffAccountTests(BaseTestCase):
    def test_an_administrator_creates_a_personal_account_with_one_role(self):
        self.login(self.admin)
        response = self.client.post(
            "/accounts/staff/",
            {
                "username": "kimura",
                "display_name": "木村",
                "role": "operator",
                "password": "long-enough-pass-1",
            },
        )
        self.assertRedirects(response, "/accounts/staff/")
        user = User.objects.get(username="kimura")
        self.assertEqual(user.roles, {"operator"})
        self.assertTrue(user.password.startswith(("md5$", "argon2")))
        self.assertTrue(
            AuditEvent.objects.filter(
                action="create", object_type="accounts.user", object_id=str(user.pk)
            ).exists()
        )

    def test_it_refuses_shared_account_names(self):
        self.login(self.admin)
        response = self.client.post(
            "/accounts/staff/",
            {
                "username": "shared",
                "display_name": "共用",
                "role": "operator",
                "password": "long-enough-pass-1",
            },
        )
        self.assertContains(response, "共有アカウントは作れません")

    def test_an_administrator_deactivates_an_account(self):
        self.login(self.admin)
        self.client.post(f"/accounts/staff/{self.operator.pk}/deactivate/")
        self.operator.refresh_from_db()
        self.assertFalse(self.operator.is_active)
