"""Production: everything secret comes from the environment (or NAME_FILE); refuse to start without it."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, env_list


def _required(name: str) -> str:
    value = env(name)
    if not value:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production.")
    return value


DEBUG = False
SECRET_KEY = _required("SECRET_KEY")
MADOGUCHI_FIELD_KEYS = env_list("MADOGUCHI_FIELD_KEYS") or [_required("MADOGUCHI_FIELD_KEYS")]
MADOGUCHI_HASH_KEY = _required("MADOGUCHI_HASH_KEY")
MADOGUCHI_CTI_TOKEN = env("MADOGUCHI_CTI_TOKEN") or ""
MADOGUCHI_DEMO = False
MADOGUCHI_REQUIRE_2FA_ROLES = env_list("MADOGUCHI_REQUIRE_2FA_ROLES") or ["director", "admin", "city_staff"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS") or "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading binds the whole domain to HTTPS for years: the city's IT decides (SECURE_HSTS_PRELOAD=1).
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

EMAIL_BACKEND = env("EMAIL_BACKEND") or "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(env("EMAIL_PORT") or "25")
EMAIL_HOST_USER = env("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or ["localhost"]

if env("MADOGUCHI_PROXY_COUNT"):
    # The old setting counted hops from the right without knowing who sent them; it reached only the lockout.
    raise ImproperlyConfigured(
        "MADOGUCHI_PROXY_COUNT is replaced by MADOGUCHI_TRUSTED_PROXIES (the reverse proxies' addresses or networks)."
    )
