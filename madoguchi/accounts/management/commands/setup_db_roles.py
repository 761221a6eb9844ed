"""Create the two PostgreSQL roles madoguchi runs with (docs/operations.md, "Database roles").

* owner (e.g. `madoguchi_owner`): owns the schema and every table; runs `madoguchi migrate`. Never used by the
  app servers.
* runtime (e.g. `madoguchi_app`): what the app servers and workers log in as. SELECT/INSERT/UPDATE/DELETE on the
  application's tables, but only SELECT and INSERT on the audit table, and it owns nothing — so it cannot UPDATE,
  DELETE or TRUNCATE audit rows, nor `ALTER TABLE … DISABLE TRIGGER`.

Run once as a database superuser (DATABASE_URL of an administrator), before or after the first migrate; run it
again after a migrate if tables were created by another role. Idempotent.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

AUDIT_TABLE = "accounts_auditevent"
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _password(path: str | None) -> str | None:
    if not path:
        return None
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def role_statements(*, owner: str, runtime: str, database: str) -> list[tuple[str, tuple[object, ...]]]:
    """The SQL, in order (identifiers are checked names; values are parameters)."""
    q = connection.ops.quote_name
    o, r, d = q(owner), q(runtime), q(database)
    return [
        (f"ALTER DATABASE {d} OWNER TO {o}", ()),
        (f"REVOKE ALL ON DATABASE {d} FROM PUBLIC", ()),
        (f"GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {r}", ()),
        (f"ALTER SCHEMA public OWNER TO {o}", ()),
        ("REVOKE CREATE ON SCHEMA public FROM PUBLIC", ()),
        (f"GRANT USAGE ON SCHEMA public TO {r}", ()),
        # Tables, sequences and functions created before (by the superuser, say) move to the owner.
        (
            f"""DO $$ DECLARE t record; BEGIN
              FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
                EXECUTE format('ALTER TABLE public.%I OWNER TO {o}', t.tablename);
              END LOOP;
              FOR t IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
                EXECUTE format('ALTER SEQUENCE public.%I OWNER TO {o}', t.sequencename);
              END LOOP;
              FOR t IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname = 'public' AND p.proname LIKE 'madoguchi\\_%' LOOP
                EXECUTE format('ALTER FUNCTION %s OWNER TO {o}', t.f);
              END LOOP;
            END $$""",  # noqa: S608 (role names are checked against NAME and quoted)
            (),
        ),
        (f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}", ()),
        (f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}", ()),
        (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
            (),
        ),
        (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
            (),
        ),
        # The audit table: read and append only (the chain head is an ordinary table the runtime role updates).
        (
            f"""DO $$ BEGIN
              IF to_regclass('public.{AUDIT_TABLE}') IS NOT NULL THEN
                EXECUTE 'REVOKE ALL ON public.{AUDIT_TABLE} FROM {r}';
                EXECUTE 'GRANT SELECT, INSERT ON public.{AUDIT_TABLE} TO {r}';
              END IF;
            END $$""",
            (),
        ),
    ]


class Command(BaseCommand):
    help = (
        "PostgreSQL の所有者ロール（migrate 用）と実行用ロール（監査ログは INSERT/SELECT のみ）を作成・設定します。"
        "データベースの管理者として実行してください。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="madoguchi_owner", help="所有者ロール名（migrate に使う）")
        parser.add_argument("--runtime", default="madoguchi_app", help="実行用ロール名（アプリが接続に使う）")
        parser.add_argument("--owner-password-file", help="所有者ロールのパスワードを書いたファイル")
        parser.add_argument("--runtime-password-file", help="実行用ロールのパスワードを書いたファイル")
        parser.add_argument("--print-sql", action="store_true", help="実行せずに SQL を表示する")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("データベースのロール設定は PostgreSQL でのみ行えます（SQLite は対象外）。")
        owner, runtime = options["owner"], options["runtime"]
        for name in (owner, runtime):
            if not NAME.match(name):
                raise CommandError(f"ロール名「{name}」は英小文字・数字・_ で63文字以内にしてください。")
        if owner == runtime:
            raise CommandError("所有者ロールと実行用ロールは別の名前にしてください。")
        database = connection.settings_dict["NAME"]
        passwords = {
            owner: _password(options["owner_password_file"]),
            runtime: _password(options["runtime_password_file"]),
        }
        statements = role_statements(owner=owner, runtime=runtime, database=database)
        if options["print_sql"]:
            for name in (owner, runtime):
                self.stdout.write(
                    f"CREATE ROLE {name} LOGIN NOINHERIT;  -- if missing; PASSWORD from the file"
                )
            for sql, _ in statements:
                self.stdout.write(sql.strip() + ";")
            return
        with connection.cursor() as cursor:
            for name in (owner, runtime):
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
                if cursor.fetchone() is None:
                    cursor.execute(f"CREATE ROLE {connection.ops.quote_name(name)} LOGIN NOINHERIT")
                    self.stdout.write(f"ロール {name} を作成しました。")
                cursor.execute(
                    f"ALTER ROLE {connection.ops.quote_name(name)} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
                )
                if passwords[name]:
                    # ALTER ROLE takes no bind parameters: quote the literal with PostgreSQL's own function.
                    cursor.execute("SELECT quote_literal(%s)", [passwords[name]])
                    literal = cursor.fetchone()[0]
                    cursor.execute(f"ALTER ROLE {connection.ops.quote_name(name)} PASSWORD {literal}")
            for sql, params in statements:
                cursor.execute(sql, params or None)
        self.stdout.write(
            self.style.SUCCESS(
                f"設定しました。migrate は {owner}、アプリ・ワーカーは {runtime} で接続してください"
                f"（{runtime} は監査ログを追加・参照のみ）。"
            )
        )
