import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from madoguchi.accounts.models import AuditEvent
from madoguchi.accounts.services import audit_record
from madoguchi.accounts.testing import BaseTestCase


class AuditTrailTests(BaseTestCase):
    def test_the_application_cannot_change_or_delete_an_audit_row(self):
        event = audit_record(actor=self.operator, action="view", object_type="cards.card", object_id=1)
        event.action = "delete"
        with pytest.raises(PermissionError):
            event.save()
        with pytest.raises(PermissionError):
            event.delete()
        with pytest.raises(PermissionError):
            AuditEvent.objects.all().delete()
        with pytest.raises(PermissionError):
            AuditEvent.objects.update(action="x")

    @override_settings(MADOGUCHI_ALLOW_AUDIT_PURGE=False)
    def test_the_database_refuses_update_and_delete_from_any_client(self):
        audit_record(actor=self.operator, action="view", object_type="cards.card", object_id=1)
        statements = ["UPDATE accounts_auditevent SET action = 'x'", "DELETE FROM accounts_auditevent"]
        if connection.vendor == "postgresql":
            statements.append("TRUNCATE accounts_auditevent CASCADE")
        for sql in statements:
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # The test settings switch the guard off for the test runner's flush; switch it back on here.
                    cursor.execute("SET LOCAL madoguchi.allow_audit_purge = 'off'")
                cursor.execute(sql)
        self.assertEqual(AuditEvent.objects.filter(action="view").count(), 1)

    def test_it_refuses_an_individual_number_in_the_details(self):
        with pytest.raises(ValueError):
            audit_record(actor=self.operator, action="view", object_type="x", detail={"q": "1234 5678 9018"})

    def test_directors_search_and_export_it_and_the_export_is_itself_audited(self):
        audit_record(actor=self.operator, action="view", object_type="cards.card", object_id=42)
        self.login(self.director)
        response = self.client.get("/accounts/audit/", {"object_id": "42"})
        self.assertContains(response, "cards.card 42")
        response = self.client.get("/accounts/audit/export.csv", {"encoding": "cp932"})
        self.assertEqual(response.status_code, 200)
        text = response.content.decode("cp932")
        self.assertIn("日時,ユーザー名,操作", text)
        self.assertIn("cards.card", text)
        self.assertTrue(AuditEvent.objects.filter(action="export", actor=self.director).exists())

    def test_a_long_search_result_is_counted_and_paged_with_its_filters_kept(self):
        for i in range(150):
            audit_record(actor=self.operator, action="view", object_type="floor.test", object_id=i)
        self.login(self.director)
        response = self.client.get("/accounts/audit/", {"object_type": "floor.test"})
        self.assertContains(response, "150件中 1–100件")
        self.assertContains(response, "object_type=floor.test&amp;page=2")
        last = self.client.get("/accounts/audit/", {"object_type": "floor.test", "page": "2"})
        self.assertContains(last, "150件中 101–150件")

    def test_times_are_aware_and_shown_in_tokyo_time(self):
        event = audit_record(actor=self.operator, action="view", object_type="x")
        self.assertIsNotNone(event.at.tzinfo)
