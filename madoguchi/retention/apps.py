from django.apps import AppConfig

from madoguchi.accounts.roles import Role


class RetentionConfig(AppConfig):
    name = "madoguchi.retention"
    label = "retention"
    verbose_name = "保存期間と削除"
    role_permissions = {
        Role.DIRECTOR: [
            "retention.view_deletionrecord",
            "retention.approve_retention",
            "retention.add_legalhold",
        ],
        Role.CITY_STAFF: ["retention.view_deletionrecord", "retention.approve_retention"],
    }
    nav_items = [("保存期間と削除", "retention:index", "retention.view_deletionrecord")]
