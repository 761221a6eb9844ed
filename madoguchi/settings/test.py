"""Tests: fixed keys, fast hashing, SQLite in memory unless DATABASE_URL names PostgreSQL."""

import os

import dj_database_url

from .base import *  # noqa: F403

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
MADOGUCHI_FIELD_KEYS = [
    "2PfPweBlOPiY3I4i0lCKQWxbTi-tmOdw4eN8cxOBFC4=",
    "uZNR9MbG4IaxvhffeajBFxCmxUZZFKoZMhyV-T6VsRc=",
]
MADOGUCHI_HASH_KEY = "test-hash-key"
MADOGUCHI_CTI_TOKEN = "test-cti-token"
MADOGUCHI_DEMO = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL") or "sqlite://:memory:", conn_max_age=0)
}
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    and DATABASES["default"]["NAME"] != ":memory:"
):
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)  # noqa: F405 (a file, as in the demo)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Jobs run in-process in tests (madoguchi.jobs.testing.run_queued_jobs); the queue only records enqueues.
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MADOGUCHI_SMS_BACKEND = "madoguchi.lib.sms.LocmemBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# No collected static files outside production: serve from the app folders.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Only here: the test runner empties every table (the audit table too) between TransactionTestCases.
MADOGUCHI_ALLOW_AUDIT_PURGE = True
