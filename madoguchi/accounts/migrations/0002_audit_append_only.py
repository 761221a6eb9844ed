"""Make the audit table append-only in the database itself: UPDATE, DELETE (and TRUNCATE on PostgreSQL) raise.

The one way round is a per-connection switch that only the test settings turn on, so that the test runner can
empty tables between TransactionTestCases (see accounts/apps.py `_audit_guard`):
PostgreSQL: the session setting `madoguchi.allow_audit_purge = 'on'`; SQLite: the SQL function
`madoguchi_audit_purge_allowed()` that madoguchi registers on every connection.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION madoguchi_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF current_setting('madoguchi.allow_audit_purge', true) = 'on' THEN
    RETURN COALESCE(OLD, NEW);
  END IF;
  RAISE EXCEPTION 'accounts_auditevent is append-only (監査ログは変更・削除できません)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE OR DELETE ON accounts_auditevent
  FOR EACH ROW EXECUTE FUNCTION madoguchi_audit_append_only();
CREATE TRIGGER accounts_auditevent_no_truncate BEFORE TRUNCATE ON accounts_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION madoguchi_audit_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS accounts_auditevent_no_update ON accounts_auditevent;
DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;
DROP FUNCTION IF EXISTS madoguchi_audit_append_only();
"""
SQLITE_UP = [
    "CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent "
    "WHEN madoguchi_audit_purge_allowed() = 0 "
    "BEGIN SELECT RAISE(ABORT, 'accounts_auditevent is append-only'); END;",
    "CREATE TRIGGER accounts_auditevent_no_delete BEFORE DELETE ON accounts_auditevent "
    "WHEN madoguchi_audit_purge_allowed() = 0 "
    "BEGIN SELECT RAISE(ABORT, 'accounts_auditevent is append-only'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_delete;",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
