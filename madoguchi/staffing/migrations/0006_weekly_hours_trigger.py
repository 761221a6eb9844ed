"""PostgreSQL: a person's paid minutes in one ISO week, over all offices, never exceed their weekly maximum
(max_hours_per_week, else the contract). A deferred constraint trigger, checked at commit, so that a roster
written in one transaction is judged as a whole. The services check the same rule on every database."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION staffing_weekly_hours_check() RETURNS trigger AS $$
DECLARE
    total integer;
    cap integer;
BEGIN
    SELECT (COALESCE(max_hours_per_week, contract_hours_per_week) * 60)::integer INTO cap
      FROM staffing_staffmember WHERE id = NEW.member_id;
    SELECT COALESCE(SUM(paid_minutes), 0) INTO total FROM staffing_planshift
     WHERE member_id = NEW.member_id
       AND date >= date_trunc('week', NEW.date)::date
       AND date < (date_trunc('week', NEW.date) + interval '7 days')::date;
    IF total > cap THEN
        RAISE EXCEPTION 'staffing: weekly hours % > % for member % in week of %', total, cap, NEW.member_id,
            date_trunc('week', NEW.date)::date USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS staffing_weekly_hours ON staffing_planshift;
CREATE CONSTRAINT TRIGGER staffing_weekly_hours AFTER INSERT OR UPDATE ON staffing_planshift
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION staffing_weekly_hours_check();
"""

DROP = """
DROP TRIGGER IF EXISTS staffing_weekly_hours ON staffing_planshift;
DROP FUNCTION IF EXISTS staffing_weekly_hours_check();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("staffing", "0005_roster_across_offices")]

    operations = [migrations.RunPython(create, drop)]
