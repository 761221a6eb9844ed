"""Shared settings. Environment variables (or `NAME_FILE` pointing at a file) configure what differs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = BASE_DIR / "madoguchi"
VAR_DIR = Path(os.environ.get("MADOGUCHI_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    """Read NAME from the environment, or from the file named by NAME_FILE (Docker/systemd secrets)."""
    if name in os.environ:
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    value = env(name) or ""
    return [item.strip() for item in value.replace("\n", ",").split(",") if item.strip()]


DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or ["127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "madoguchi.lib",
    "madoguchi.accounts",
    "madoguchi.jobs",
    "madoguchi.calendar",
    "madoguchi.cards",
    "madoguchi.reservations",
    "madoguchi.calls",
    "madoguchi.faq",
    "madoguchi.staffing",
    "madoguchi.outreach",
    "madoguchi.floor",
    "madoguchi.incidents",
    "madoguchi.reports",
    "madoguchi.retention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, except that polling requests (X-Madoguchi-Poll: 1) do not renew the idle timeout.
    "madoguchi.accounts.middleware.SessionMiddleware",
    "madoguchi.accounts.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "madoguchi.accounts.middleware.LoginRequiredMiddleware",
    "madoguchi.accounts.middleware.TwoFactorRequiredMiddleware",
    "madoguchi.accounts.middleware.PrivacyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "madoguchi.accounts.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns lockouts raised by authenticate() into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "madoguchi.urls"
WSGI_APPLICATION = "madoguchi.wsgi.application"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "madoguchi.accounts.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'demo.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
# SQLite (the demo) holds two scan stations at once: request threads share one file. WAL lets readers go on
# while one writes; IMMEDIATE transactions take the write lock at BEGIN, so a second writer waits on the busy
# timeout instead of failing with "database is locked" when it would upgrade a read lock mid-transaction.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # The role → permission map in memory (no permission queries on hot paths); ModelBackend for the rest.
    "madoguchi.accounts.backends.RolePermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "madoguchi.accounts.validators.PasswordVarietyValidator"},
]

# Sessions live in the database so several app servers share them; every request renews the
# cookie, so SESSION_COOKIE_AGE is an idle timeout.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(env("MADOGUCHI_IDLE_TIMEOUT_MINUTES") or "30") * 60
SESSION_SAVE_EVERY_REQUEST = True
# Besides the idle timeout: a staff session ends this many hours after sign-in, however active (a working day).
MADOGUCHI_SESSION_ABSOLUTE_HOURS = int(env("MADOGUCHI_SESSION_ABSOLUTE_HOURS") or "10")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "madoguchi_cache"}
    }

# django-axes: lock a username from one address after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = int(env("MADOGUCHI_LOGIN_FAILURE_LIMIT") or "5")
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# One trusted client address for the lockout, every throttle and the audit trail (accounts/clientaddr.py):
# X-Forwarded-For is believed only hop by hop from these proxies (addresses or networks, comma-separated).
MADOGUCHI_TRUSTED_PROXIES: list[str] = env_list("MADOGUCHI_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "madoguchi.accounts.clientaddr.axes_client_ip"
# Failed-login records never keep an individual number typed into the username box, nor the typed values.
AXES_USERNAME_CALLABLE = "madoguchi.accounts.clientaddr.axes_username"
AXES_SENSITIVE_PARAMETERS = ["username", "password", "otp_token"]
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "madoguchi"
# Roles that must pass TOTP two-factor. Production sets it; the demo leaves it off and says so.
MADOGUCHI_REQUIRE_2FA_ROLES: list[str] = []

LANGUAGE_CODE = "ja"
# Resident pages (madoguchi/reservations) come in these languages, through the gettext catalogues in
# madoguchi/locale (compiled .mo files are committed); staff screens stay Japanese (accounts.LanguageMiddleware).
# "ja-x-easy" is やさしい日本語 (easy Japanese), a private-use BCP 47 tag that is still Japanese to a browser.
LANGUAGES = [
    ("ja", "日本語"),
    ("ja-x-easy", "やさしい にほんご"),
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("ko", "한국어"),
    ("vi", "Tiếng Việt"),
    ("pt-br", "Português"),
]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT: Path | None = Path(env("STATIC_ROOT") or VAR_DIR / "static")
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Uploaded files and job results (madoguchi.jobs) go to the default storage: var/media by default, or
# S3-compatible storage in production by replacing STORAGES["default"] (see docs/operations.md).
MEDIA_ROOT = Path(env("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"  # never served publicly: job results are downloaded through the job page (audited)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# No inline scripts or styles anywhere: every script is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "media-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logs carry no personal data: only ids, codes and counts are ever logged.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# The audit trail, one JSON line per committed row, to stderr and (if set) syslog, for shipping off the server:
# MADOGUCHI_AUDIT_SYSLOG = "/dev/log" or "loghost:514" (UDP) — see docs/operations.md.
LOGGING["formatters"]["audit_json"] = {"()": "madoguchi.accounts.logging.AuditJsonFormatter"}
LOGGING["handlers"]["audit_console"] = {"class": "logging.StreamHandler", "formatter": "audit_json"}
LOGGING["loggers"]["madoguchi.audit"] = {"handlers": ["audit_console"], "level": "INFO", "propagate": False}
MADOGUCHI_AUDIT_SYSLOG = env("MADOGUCHI_AUDIT_SYSLOG") or ""
if MADOGUCHI_AUDIT_SYSLOG:
    _host, _, _port = MADOGUCHI_AUDIT_SYSLOG.rpartition(":")
    LOGGING["handlers"]["audit_syslog"] = {
        "class": "logging.handlers.SysLogHandler",
        "formatter": "audit_json",
        "address": MADOGUCHI_AUDIT_SYSLOG
        if MADOGUCHI_AUDIT_SYSLOG.startswith("/")
        else (_host, int(_port or 514)),
        "facility": "local4",
    }
    LOGGING["loggers"]["madoguchi.audit"]["handlers"].append("audit_syslog")

# Background jobs (madoguchi.jobs): the queue is the database (SQLite in the demo, PostgreSQL in production,
# where several workers take jobs with SKIP LOCKED). A city that runs Redis may use RQ instead:
# MADOGUCHI_TASKS_BACKEND=rq with REDIS_URL (install the `rq` extra) and run `rqworker` instead of db_worker.
if (env("MADOGUCHI_TASKS_BACKEND") or "database") == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": env("REDIS_URL") or "redis://127.0.0.1:6379/0"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Finished jobs' result files are copies (the records stay in their apps): kept this many days.
MADOGUCHI_JOB_RESULT_DAYS = int(env("MADOGUCHI_JOB_RESULT_DAYS") or "30")

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Reminder SMS for phone bookings (madoguchi/lib/sms.py): the console backend prints them (the demo).
MADOGUCHI_SMS_BACKEND = env("MADOGUCHI_SMS_BACKEND") or "madoguchi.lib.sms.ConsoleBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL") or "madoguchi@localhost"

# --- madoguchi's own settings (per city) ---------------------------------------------------
MADOGUCHI_CITY_NAME = env("MADOGUCHI_CITY_NAME") or "久留米市"
# New Year break (month, day) inclusive; the break wraps the year end.
MADOGUCHI_NEW_YEAR_BREAK = ((12, 29), (1, 3))
MADOGUCHI_DEFAULT_OPEN = "08:30"
MADOGUCHI_DEFAULT_CLOSE = "17:15"
MADOGUCHI_EVENING_CLOSE = "19:00"
# Latest time any issuance may end: the national server takes transactions until 20:00.
MADOGUCHI_LAST_ISSUANCE_TIME = "19:00"
MADOGUCHI_MINUTES_PER_CARD_PREPARATION = 20
MADOGUCHI_MINUTES_PER_CARD_POST_ISSUANCE = 11
MADOGUCHI_CARD_HOLDING_DAYS = 90
# Pickup reservations (see madoguchi/reservations/rules.py).
MADOGUCHI_BOOKING_MAX_DAYS_AHEAD = 31
MADOGUCHI_BOOKING_MIN_DAYS_AHEAD = 1
MADOGUCHI_BOOKING_CHANGE_DAYS = 1
MADOGUCHI_BOOKING_HOLD_MINUTES = 10
MADOGUCHI_BOOKING_MAX_PARTY = 6
# Days a card needs to reach a branch office (pulled and shipped): branch slots sooner are refused.
MADOGUCHI_BRANCH_LEAD_DAYS = 2
MADOGUCHI_PUBLIC_SIGNIN_FAILURES = 5
# Resident sign-in (reservations/throttle.py): growing delays per address, at most this long; a notice number with
# MADOGUCHI_PUBLIC_SIGNIN_FAILURES wrong birth dates in this many days needs the extra factor.
MADOGUCHI_PUBLIC_SIGNIN_MAX_DELAY_MINUTES = 15
MADOGUCHI_PUBLIC_SIGNIN_NOTICE_WINDOW_DAYS = 90
# Absolute base of links in emails sent by commands (reminders); the public address in production.
MADOGUCHI_PUBLIC_BASE_URL = env("MADOGUCHI_PUBLIC_BASE_URL") or "http://127.0.0.1:8000"
# Staffing: seconds the shift solver may run from a screen; average handling time overrides per category.
MADOGUCHI_STAFFING_SOLVER_SECONDS = 45
MADOGUCHI_AHT_SECONDS: dict[str, int] = {}

# Retention (madoguchi/retention/rules.py): days per kind of personal data, overriding the city defaults there,
# e.g. {"calls.phone": 60}. Open incidents keep records from this many days before they occurred.
MADOGUCHI_RETENTION_DAYS: dict[str, int] = {}
MADOGUCHI_RETENTION_INCIDENT_MARGIN_DAYS = 30

# Field encryption keys (Fernet, newest first) and the key for lookup hashes. Set by the
# environment in production; dev/test settings supply their own.
MADOGUCHI_FIELD_KEYS: list[str] = env_list("MADOGUCHI_FIELD_KEYS")
MADOGUCHI_HASH_KEY: str = env("MADOGUCHI_HASH_KEY") or ""
# Key of the audit hash chain (accounts/chain.py); by default derived from MADOGUCHI_HASH_KEY.
MADOGUCHI_AUDIT_KEY: str = env("MADOGUCHI_AUDIT_KEY") or ""
# Never in production: lets the test runner empty the audit table (see accounts 0002, 0005), and only works in a
# database whose name begins with "test_".
MADOGUCHI_ALLOW_AUDIT_PURGE = False
# Token for the PBX/CTI event endpoint.
MADOGUCHI_CTI_TOKEN: str = env("MADOGUCHI_CTI_TOKEN") or ""
# Asterisk/FreePBX manager interface for `madoguchi cti_ami` (docs/calls.md): host, port, a read-only manager user,
# the trunk contexts inbound calls start in, and the 代表番号 (empty: any number dialled in).
MADOGUCHI_AMI_HOST: str = env("MADOGUCHI_AMI_HOST") or "127.0.0.1"
MADOGUCHI_AMI_PORT: int = int(env("MADOGUCHI_AMI_PORT") or "5038")
MADOGUCHI_AMI_USERNAME: str = env("MADOGUCHI_AMI_USERNAME") or "madoguchi"
MADOGUCHI_AMI_SECRET: str = env("MADOGUCHI_AMI_SECRET") or ""
MADOGUCHI_AMI_CONTEXTS: list[str] = env_list("MADOGUCHI_AMI_CONTEXTS") or ["from-trunk", "from-pstn"]
MADOGUCHI_AMI_NUMBER: str = env("MADOGUCHI_AMI_NUMBER") or ""
# Operator extensions that may be signed in to (empty: any); CTI events older than this many hours (or more than
# five minutes ahead) are refused by the API (a PBX clock that is off).
MADOGUCHI_CTI_EXTENSIONS: list[str] = env_list("MADOGUCHI_CTI_EXTENSIONS")
MADOGUCHI_CTI_MAX_EVENT_AGE_HOURS: int = int(env("MADOGUCHI_CTI_MAX_EVENT_AGE_HOURS") or "24")
# Cloud PBX webhooks: where each CTI field is in the PBX's JSON, and its event/cause words (docs/calls.md).
MADOGUCHI_CTI_WEBHOOK_MAP: dict[str, object] = json.loads(env("MADOGUCHI_CTI_WEBHOOK_MAP") or "{}")
