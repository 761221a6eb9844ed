"""The weekly and monthly hours rules as database rules on BOTH databases (issue 14: "a database constraint, not
only the solver"): a person's paid minutes over all offices in one ISO week never exceed their weekly maximum
(max_hours_per_week, else the contract) and, when max_hours_per_month is set, in one calendar month never exceed it.

- PostgreSQL: the deferred constraint trigger of 0006 (checked at commit, so a roster written in one transaction
  is judged as a whole) now checks the month too.
- SQLite: triggers after insert and after update (SQLite has no deferred triggers; a roster is written by
  deleting the month and inserting shift by shift, so the running total only grows and checking each row is the
  same as checking at the end). RAISE(ABORT) is an IntegrityError in Django.

The services check the same rules first, with Japanese messages naming the person, day and rule."""

from django.db import migrations

PG_CREATE = """
CREATE OR REPLACE FUNCTION staffing_weekly_hours_check() RETURNS trigger AS $$
DECLARE
    total integer;
    cap integer;
    month_cap integer;
BEGIN
    SELECT (COALESCE(max_hours_per_week, contract_hours_per_week) * 60)::integer,
           (max_hours_per_month * 60)::integer
      INTO cap, month_cap
      FROM staffing_staffmember WHERE id = NEW.member_id;
    SELECT COALESCE(SUM(paid_minutes), 0) INTO total FROM staffing_planshift
     WHERE member_id = NEW.member_id
       AND date >= date_trunc('week', NEW.date)::date
       AND date < (date_trunc('week', NEW.date) + interval '7 days')::date;
    IF total > cap THEN
        RAISE EXCEPTION 'staffing: weekly hours % > % for member % in week of %', total, cap, NEW.member_id,
            date_trunc('week', NEW.date)::date USING ERRCODE = '23514';
    END IF;
    IF month_cap IS NOT NULL THEN
        SELECT COALESCE(SUM(paid_minutes), 0) INTO total FROM staffing_planshift
         WHERE member_id = NEW.member_id
           AND date >= date_trunc('month', NEW.date)::date
           AND date < (date_trunc('month', NEW.date) + interval '1 month')::date;
        IF total > month_cap THEN
            RAISE EXCEPTION 'staffing: monthly hours % > % for member % in month of %', total, month_cap,
                NEW.member_id, date_trunc('month', NEW.date)::date USING ERRCODE = '23514';
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

PG_REVERT = """
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
"""

# SQLite: date(d, 'weekday 0', '-6 days') is the Monday of d's ISO week (Sunday stays Sunday, then back 6).
_SQLITE_BODY = """
BEGIN
    SELECT RAISE(ABORT, 'staffing: weekly hours over the maximum')
     WHERE (SELECT COALESCE(SUM(paid_minutes), 0) FROM staffing_planshift
             WHERE member_id = NEW.member_id
               AND date >= date(NEW.date, 'weekday 0', '-6 days')
               AND date <= date(NEW.date, 'weekday 0'))
         > (SELECT CAST(ROUND(COALESCE(max_hours_per_week, contract_hours_per_week) * 60) AS INTEGER)
              FROM staffing_staffmember WHERE id = NEW.member_id);
    SELECT RAISE(ABORT, 'staffing: monthly hours over the maximum')
     WHERE (SELECT max_hours_per_month FROM staffing_staffmember WHERE id = NEW.member_id) IS NOT NULL
       AND (SELECT COALESCE(SUM(paid_minutes), 0) FROM staffing_planshift
             WHERE member_id = NEW.member_id
               AND date >= date(NEW.date, 'start of month')
               AND date < date(NEW.date, 'start of month', '+1 month'))
         > (SELECT CAST(ROUND(max_hours_per_month * 60) AS INTEGER)
              FROM staffing_staffmember WHERE id = NEW.member_id);
END;
"""
SQLITE_CREATE = [
    "DROP TRIGGER IF EXISTS staffing_hours_insert;",
    "DROP TRIGGER IF EXISTS staffing_hours_update;",
    "CREATE TRIGGER staffing_hours_insert AFTER INSERT ON staffing_planshift FOR EACH ROW" + _SQLITE_BODY,
    "CREATE TRIGGER staffing_hours_update AFTER UPDATE ON staffing_planshift FOR EACH ROW" + _SQLITE_BODY,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS staffing_hours_insert;",
    "DROP TRIGGER IF EXISTS staffing_hours_update;",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_CREATE:
            schema_editor.execute(sql, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERT, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("staffing", "0006_weekly_hours_trigger")]

    operations = [migrations.RunPython(create, drop)]
