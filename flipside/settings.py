"""Flipside settings, read from environment variables.

A fresh checkout runs on SQLite with no variables set (``DEBUG=1`` turns on the development
conveniences). Every variable is listed in ``.env.example`` and the README.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (production). "
            "For local development set DEBUG=1."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

# Keys for special-category data (see flipside/privacy/crypto.py): newest first.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off. Generate a key with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    FIELD_ENCRYPTION_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LWZvci11c2U="]  # development only

# Keys for `manage.py backup` and `restore` (flipside/worker/backups/sealed.py): newest first,
# Fernet like the field keys but never the same ones, so a backup and its key do not also open
# the fields encrypted inside it. Only those two commands need them.
BACKUP_ENCRYPTION_KEYS = env_list("BACKUP_ENCRYPTION_KEYS")

# The secret that turns a person and a survey series into the pseudonym linking their answers
# before and after (flipside/surveys/pseudonyms.py). Kept outside the database, never rotated:
# changing it unlinks every earlier answer from later ones.
SURVEY_PSEUDONYM_KEY = env_str("SURVEY_PSEUDONYM_KEY")
if not SURVEY_PSEUDONYM_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SURVEY_PSEUDONYM_KEY must be set when DEBUG is off. Generate one with: python -c "
            "'import secrets; print(secrets.token_urlsafe(32))'"
        )
    SURVEY_PSEUDONYM_KEY = "development-only-survey-pseudonym-key"  # noqa: S105

# Survey answers are shown to coordinators only once at least this many people have answered
# (flipside/surveys/results.py). It can only be raised: below 5 one person's answers could be
# picked out, so a lower value stops the site from starting.
SURVEY_MIN_RESPONSES = env_int("SURVEY_MIN_RESPONSES", 5)
if SURVEY_MIN_RESPONSES < 5:
    raise ImproperlyConfigured(
        f"SURVEY_MIN_RESPONSES is {SURVEY_MIN_RESPONSES}; it must be 5 or more: it can only be "
        "raised, never lowered (with fewer answers one person's could be picked out)."
    )


def env_at_least(name: str, floor: int, why: str) -> int:
    """An integer setting that may be raised above ``floor`` but never set below it."""
    value = env_int(name, floor)
    if value < floor:
        raise ImproperlyConfigured(
            f"{name} is {value}; it must be {floor} or more: it can only be raised, never "
            f"lowered ({why})."
        )
    return value


# Reports hide small numbers about equality groups (flipside/reports/disclosure.py). Each
# threshold can only be raised: below its default a person could be picked out of a report.
REPORT_SMALL_COUNT = env_at_least(
    "REPORT_SMALL_COUNT", 10, "smaller counts are shown as a range, as they could point to a person"
)
REPORT_ROUND_TO = env_at_least(
    "REPORT_ROUND_TO", 5, "counts are rounded so that hidden ones cannot be worked out by sums"
)
REPORT_MIN_PERCENT_BASE = env_at_least(
    "REPORT_MIN_PERCENT_BASE", 25, "a percentage of fewer people could give away a hidden count"
)
REPORT_MIN_MEAN_N = env_at_least(
    "REPORT_MIN_MEAN_N", 8, "an average of fewer people could give away one person's figure"
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "flipside.accounts",
    "flipside.schemes",
    "flipside.privacy",
    "flipside.notifications",
    "flipside.recruitment",
    "flipside.training",
    "flipside.matching",
    "flipside.partnerships",
    "flipside.payments",
    "flipside.surveys",
    "flipside.ideas",
    "flipside.reports",
    "flipside.home",
    "flipside.demo",
    "flipside.worker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "flipside.lib.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "flipside.lib.middleware.SessionLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After sign-in is required: coordinators and observers also need their second factor.
    "flipside.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "flipside.lib.middleware.NoStoreForSignedInMiddleware",
    # Records every 403 and every object hidden as a 404 in the audit log.
    "flipside.privacy.middleware.AuditRefusalsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "flipside.urls"
CSRF_FAILURE_VIEW = "flipside.lib.views.csrf_failure"
FORM_RENDERER = "flipside.lib.forms.FormRenderer"
WSGI_APPLICATION = "flipside.wsgi.application"

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
                "flipside.schemes.context_processors.navigation",
            ],
            "libraries": {"list_partials": "flipside.lib.list_partials"},
            # In every template without loading: {% url %} and |date as Django draws them,
            # each answer remembered, and Django's i18n tags with fixed messages drawn once
            # (decision 0017). The product's templates do not {% load i18n %}, which would
            # put Django's own tags back.
            "builtins": ["flipside.lib.remembered", "flipside.lib.remembered_i18n"],
        },
    }
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work beside a writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue instead of failing with "database is locked" on lock upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The test database is a file, not memory, so tests can run real worker processes on it;
    # one per test run, so runs side by side do not trample each other.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Statements a connection runs again and again (every page's session, roles and the
    # page's own reads) are prepared on the server after their fifth run, so PostgreSQL
    # stops parsing and planning them each time: about half of what it spent on the cohort,
    # matching and run pages (docs/performance.md). Behind a pooler that cannot keep
    # prepared statements (PgBouncer in transaction mode before 1.21), set
    # DATABASE_PREPARED_STATEMENTS=0.
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches -------------------------------------------------------------------------------
# Nothing the database holds is cached. The layout's fixed fragments (static URLs, the
# navigation's links and words, base.html's {% cache %} blocks) are kept in each process's
# memory: they change only with the code, and a restart empties them.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
        "TIMEOUT": None,
    },
}

# --- Accounts and sign-in -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with a request's person read in plain SQL.
    "flipside.accounts.backends.PasswordBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60  # reset links last one hour
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)

# Lock an account + address pair out after 5 failures, for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "flipside.lib.network.client_ip"

# The second factor (flipside/accounts/second_factor.py): codes are locked out like passwords,
# 5 wrong codes then 15 minutes, counted on the person's TOTP device. django-otp's own
# doubling delay between tries is off, so the one rule people are told is the one applied.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Flipside")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
SECOND_FACTOR_FAILURE_LIMIT = 5
SECOND_FACTOR_COOLOFF_SECONDS = 15 * 60
# Changing the password or second factor needs a sign-in (or a confirmation) this recent.
RECENT_AUTHENTICATION_SECONDS = 5 * 60

# --- Sessions and cookies -----------------------------------------------------------------
# Django's database sessions, each request's read in plain SQL (flipside/accounts/backends.py).
SESSION_ENGINE = "flipside.accounts.backends"
SESSION_COOKIE_AGE = 30 * 60  # idle timeout, renewed by SessionLimitsMiddleware
# Renewing the idle timeout writes the session row; once a minute per person is enough.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_AFTER_SECONDS = 60
SESSION_ABSOLUTE_LIMIT_SECONDS = 10 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if not SECURE_HSTS_PRELOAD:
        # Turning preload off is a deliberate choice for the institution's domain.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Flipside <flipside@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A worker's claim on a message lasts this long; a dead worker's claims are taken over after.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)

# --- Language, time -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves the hashed, compressed files `collectstatic` wrote; development and the
# test suite serve the source folders directly.
STATIC_FROM_SOURCE = env_bool("STATIC_FROM_SOURCE", DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if STATIC_FROM_SOURCE
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = STATIC_FROM_SOURCE
WHITENOISE_AUTOREFRESH = STATIC_FROM_SOURCE

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
