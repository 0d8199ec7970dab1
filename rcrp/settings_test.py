"""Test settings: production settings plus speed and test-only switches.

The database engine is chosen here, before Django starts (it can't be swapped later):
TEST_DATABASE=sqlite|postgres picks one; unset, PostgreSQL is used when DATABASE_URL is set or
PostgreSQL binaries are on the machine, SQLite otherwise. REQUIRE_POSTGRES=1 turns "no PostgreSQL"
into an error. tests/conftest.py starts a throwaway cluster for the PostgreSQL case.
"""

from __future__ import annotations

import glob
import os

# A developer's .env (make run writes one) never reaches the tests.
os.environ["RCRP_READ_DOTENV"] = "0"
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE", "0")

from django.core.exceptions import ImproperlyConfigured

from rcrp.settings import *  # noqa: F403
from rcrp.settings import DATABASES


def _postgres_available() -> bool:
    return bool(os.environ.get("DATABASE_URL")) or bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


_choice = os.environ.get("TEST_DATABASE", "")
if _choice not in {"", "sqlite", "postgres"}:
    raise ImproperlyConfigured("TEST_DATABASE must be sqlite or postgres")
if _choice == "postgres" or (not _choice and _postgres_available()):
    if not _postgres_available():
        raise ImproperlyConfigured("TEST_DATABASE=postgres but no DATABASE_URL and no PostgreSQL binaries")
    if not os.environ.get("DATABASE_URL"):
        # Host and port are filled in by the throwaway cluster fixture in tests/conftest.py.
        DATABASES["default"] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "rcrp",
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": "",
            "CONN_MAX_AGE": 0,
        }
elif os.environ.get("REQUIRE_POSTGRES") == "1" and _choice != "sqlite":
    raise ImproperlyConfigured("REQUIRE_POSTGRES=1 but PostgreSQL is not available")
else:
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = False
# Tests serve static files from the finders (live_server); there is no collectstatic output to serve.
STATIC_ROOT = None
