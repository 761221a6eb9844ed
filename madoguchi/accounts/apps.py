from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate

from .roles import MANAGER_ROLES, Role


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    # Infrastructure, not domain logic: groups must match the declared permissions after every migrate.
    from .roles import sync_roles

    if sender.label == "accounts":
        sync_roles()


class AccountsConfig(AppConfig):
    name = "madoguchi.accounts"
    label = "accounts"
    verbose_name = "職員・権限・監査"
    # Residents' data (docs/security.md, role × data matrix): full addresses and phones for the back office,
    # managers and the city; operators see them masked until 「表示」 (audited); floor staff see no names.
    # Administrators manage accounts and settings and see no residents' data.
    role_permissions = {
        Role.OPERATOR: ["accounts.view_resident_names"],
        Role.BACK_OFFICE: ["accounts.view_resident_names", "accounts.view_full_contact"],
        Role.SITE_MANAGER: ["accounts.view_resident_names", "accounts.view_full_contact"],
        Role.DIRECTOR: [
            "accounts.view_auditevent",
            "accounts.export_auditevent",
            "accounts.view_resident_names",
            "accounts.view_full_contact",
        ],
        Role.CITY_STAFF: ["accounts.view_resident_names", "accounts.view_full_contact"],
        Role.ADMIN: ["accounts.view_auditevent", "accounts.export_auditevent", "accounts.manage_accounts"],
    }
    nav_items = [
        ("監査ログ", "accounts:audit", "accounts.view_auditevent"),
        ("職員アカウント", "accounts:staff_list", "accounts.manage_accounts"),
    ]
    manager_roles = MANAGER_ROLES

    def ready(self) -> None:
        # Run after every app migrated (post_migrate fires per app; the last one sees all permissions).
        post_migrate.connect(_sync_all, dispatch_uid="madoguchi.sync_roles")
        connection_created.connect(_audit_guard, dispatch_uid="madoguchi.audit_guard")
        # One My Number guard for every text field of every madoguchi model, bulk write and form CharField.
        from madoguchi.lib.privacy import install_guards

        install_guards()


def _sync_all(sender: AppConfig, **kwargs: object) -> None:
    from .roles import sync_roles

    sync_roles()


def _audit_guard(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Per connection: the switch the audit table's triggers read (migration accounts 0002).

    Off everywhere except in the test settings (MADOGUCHI_ALLOW_AUDIT_PURGE), where the test runner must empty
    every table between TransactionTestCases; on PostgreSQL the trigger honours it only in a `test_…` database
    (migration 0004), and the runtime database role has no DELETE/TRUNCATE on the table anyway (setup_db_roles).
    """
    allowed = bool(getattr(settings, "MADOGUCHI_ALLOW_AUDIT_PURGE", False))
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "madoguchi_audit_purge_allowed",
            0,
            lambda: 1 if getattr(settings, "MADOGUCHI_ALLOW_AUDIT_PURGE", False) else 0,
        )
    elif connection.vendor == "postgresql" and allowed:
        with connection.connection.cursor() as cursor:
            cursor.execute("SET madoguchi.allow_audit_purge = 'on'")
