"""RCRP Toolkit settings: one module, driven by environment variables (see README).

With DEBUG off the service refuses to start without SECRET_KEY and ALLOWED_HOSTS, so a
production deployment can never run on the development defaults.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from rcrp.env import env_bool, env_int, env_list, env_secret, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
# Development only: `make run` writes a .env at the project root (DEBUG=1, a generated SECRET_KEY).
# It is read when DEBUG is on (in the environment or the file) or RCRP_READ_DOTENV=1, never in
# production unless asked; the environment wins over the file (rcrp/env.py, load_dotenv).
DOTENV_FILE = Path(env_str("RCRP_DOTENV_FILE") or BASE_DIR / ".env")
DOTENV_READ = load_dotenv(DOTENV_FILE)

# --- CORE --- https://docs.djangoproject.com/en/5.2/ref/settings/#core-settings
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_secret("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "insecure-development-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set (50+ random characters) when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "django_htmx",
    "axes",
    "simple_history",
    "rcrp.accounts",
    "policies",
    "training",
    "toolkit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rcrp.accounts.unavailable.DatabaseUnavailableMiddleware",  # database gone: the 503 page, not a 500
    "rcrp.logging.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rcrp.accounts.middleware.IdleTimeoutMiddleware",
    "rcrp.accounts.middleware.NotFoundMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "rcrp.accounts.hostile.NoStoreMiddleware",  # Cache-Control: no-store on call and decision pages
    "rcrp.accounts.hostile.HostileInputMiddleware",  # NUL, lone surrogates, overlong queries: 400
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "rcrp.urls"
WSGI_APPLICATION = "rcrp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rcrp.accounts.context_processors.navigation",
            ],
        },
    },
]

# --- DATABASE --- https://docs.djangoproject.com/en/5.2/ref/databases/
# DATABASE_URL selects the database; SQLite by default. PostgreSQL connections are kept for 60 s:
# a new connection per request is about 7x slower (shared/stack.md §7).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # IMMEDIATE transactions avoid "database is locked" upgrades when two requests write at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
# DATABASE_REPLICA_URL: a streaming replica (read-only) for the reporting pages and exports;
# rcrp/db_router.py sends only their reads there. Never migrated; in tests it mirrors default.
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"), conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["rcrp.db_router.ReplicaRouter"]
# DATABASE_POOLER=pgbouncer: the connections go through PgBouncer in transaction pooling mode, where
# a server connection is ours for one transaction only. So: no server-side cursors (the streamed
# exports' cursors would be lost between transactions), no prepared statements (psycopg prepares a
# query after 5 runs on what it takes for one session; prepare_threshold=None turns that off), and
# no psycopg connection pool (PgBouncer is the pool).
DATABASE_POOLER = env_str("DATABASE_POOLER")
if DATABASE_POOLER not in {"", "pgbouncer"}:
    raise ImproperlyConfigured(f"DATABASE_POOLER must be pgbouncer or unset, not {DATABASE_POOLER!r}")
if DATABASE_POOLER == "pgbouncer":
    for _db in DATABASES.values():
        if _db["ENGINE"] == "django.db.backends.postgresql":
            _db["DISABLE_SERVER_SIDE_CURSORS"] = True
            _db.setdefault("OPTIONS", {}).pop("pool", None)
            _db["OPTIONS"]["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- AUTHENTICATION --- https://docs.djangoproject.com/en/5.2/topics/auth/customizing/
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rcrp.accounts.backends.RoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- LOGIN THROTTLING --- https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the login form field; axes defaults to USERNAME_FIELD
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0) or None

# --- SESSIONS --- https://docs.djangoproject.com/en/5.2/topics/http/sessions/
# Sessions end after SESSION_IDLE_MINUTES without a request (IdleTimeoutMiddleware renews them).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- SECURITY --- https://docs.djangoproject.com/en/5.2/ref/settings/#security
# Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=1 (reads X-Forwarded-Proto).
SECURE = not DEBUG and env_bool("SECURE", default=True)
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SECURE and env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "rcrp.views.csrf_failure"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- CONTENT SECURITY POLICY --- https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- INTERNATIONALISATION --- https://docs.djangoproject.com/en/5.2/topics/i18n/
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- STATIC FILES --- https://whitenoise.readthedocs.io/
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- FORMS --- https://django-crispy-forms.readthedocs.io/ (GOV.UK pack: crispy-forms-gds)
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# --- LOGGING --- https://docs.djangoproject.com/en/5.2/topics/logging/
# Standard error, one JSON object per line in production (rcrp/logging.py: time, level, logger,
# message, request_id; the access line adds method, path, status, duration_ms, user_id); a readable
# line with the request id in DEBUG. Django's own loggers go through the same handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "rcrp.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "rcrp.logging.JsonFormatter"},
        "console": {"()": "rcrp.logging.ConsoleFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "console" if DEBUG else "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "django": {"handlers": [], "level": "INFO"}},
}

# --- RCRP --- service settings (README: environment variables)
SERVICE_NAME = "RCRP Toolkit"
PHASE = env_str("PHASE", "Beta")
# Training gate before a handler's call: off, warn (banner) or block (refuse; never the deploy override).
TRAINING_GATE_MODE = env_str("TRAINING_GATE_MODE", "warn")
# Readiness: the go-live date (YYYY-MM-DD; checked by training's system check), planned training
# places a week across all sites, and places in a typical session (for "sessions still needed").
GO_LIVE_DATE = env_str("GO_LIVE_DATE", "2023-11-01")
TRAINING_WEEKLY_CAPACITY = env_int("TRAINING_WEEKLY_CAPACITY", 300)
TRAINING_SESSION_CAPACITY = env_int("TRAINING_SESSION_CAPACITY", 20)
# Site-by-site go-live: the share of a site's staff trained (percent) before RCRP goes live there.
GO_LIVE_THRESHOLD_PERCENT = env_int("GO_LIVE_THRESHOLD_PERCENT", 90)
# The toolkit: incident reference format from the command-and-control system, and how long an
# untouched call stays in progress before `toolkit_housekeeping` marks it abandoned.
INCIDENT_REF_PATTERN = env_str("INCIDENT_REF_PATTERN", r"^CAD ?\d{1,6}/\d{1,2}[A-Z]{3}\d{2}$")
TOOLKIT_ABANDON_AFTER_MINUTES = env_int("TOOLKIT_ABANDON_AFTER_MINUTES", 240)
# Quality review: the share of decisions no rule selects that the random sample queues (percent).
REVIEW_SAMPLE_PERCENT = env_int("REVIEW_SAMPLE_PERCENT", 5)
# Retention: `apply_retention` removes (or, where a kept decision cites them, anonymises)
# decisions that started more than this many whole years ago (docs/retention.md).
RETENTION_YEARS = env_int("RETENTION_YEARS", 7)
