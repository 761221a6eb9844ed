"""Demo and development: SQLite in var/, keys generated once into var/ and reused."""

import json
import secrets

from cryptography.fernet import Fernet

from .base import *  # noqa: F403
from .base import VAR_DIR, env, env_list


def _var_secrets() -> dict[str, str]:
    """Generated on first use and kept in var/secrets.json (mode 600) so a second run reuses them."""
    path = VAR_DIR / "secrets.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    data = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": Fernet.generate_key().decode(),
        "hash_key": secrets.token_urlsafe(32),
        "cti_token": secrets.token_urlsafe(24),
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return data


_secrets = _var_secrets()
DEBUG = True
SECRET_KEY = env("SECRET_KEY") or _secrets["secret_key"]
MADOGUCHI_FIELD_KEYS = env_list("MADOGUCHI_FIELD_KEYS") or [_secrets["field_key"]]
MADOGUCHI_HASH_KEY = env("MADOGUCHI_HASH_KEY") or _secrets["hash_key"]
MADOGUCHI_CTI_TOKEN = env("MADOGUCHI_CTI_TOKEN") or _secrets["cti_token"]
MADOGUCHI_DEMO = True

# No collected static files outside production: serve from the app folders.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Benchmarks (bench/_django.py) start from an empty database: let them empty the audit table too.
MADOGUCHI_ALLOW_AUDIT_PURGE = env("MADOGUCHI_BENCH_EMPTY_DATABASE") == "1"

# The demo keeps the audit trail in the database only (no JSON copy on the console among the request lines).
LOGGING["loggers"]["madoguchi.audit"]["level"] = "WARNING"  # noqa: F405
