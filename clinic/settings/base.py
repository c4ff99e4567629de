"""Settings shared by every environment. Values that differ come from the environment through `env`."""

from __future__ import annotations

from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = False
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "clinic",
    "clinic.apps.ClinicAdminConfig",  # django.contrib.admin on our site (clinic/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_tasks",
    "django_tasks_db",
    "auditlog",
    "techniques",
    "bookings",
    "intake",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "clinic.middleware.RequestCacheMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic.audit.trail.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "clinic.sessions.SessionLifetimeMiddleware",
    "clinic.middleware.NoStoreMiddleware",
    "clinic.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # request.htmx: the slot picker answers an htmx request with the picker alone (bookings.picker_views).
    "django_htmx.middleware.HtmxMiddleware",
    "clinic.middleware.SecondFactorRequiredMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

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
                "clinic.context_processors.clinic",
                "intake.context_processors.review_count",
                "intake.context_processors.staff_alerts",
            ],
        },
    },
]


def tune_database(db: dict) -> dict:
    """Engine-specific options: SQLite takes the write lock when a transaction starts (so a
    check-then-insert inside `atomic()` cannot interleave with another writer) and waits for it."""
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    else:
        db.setdefault("CONN_MAX_AGE", 60)
        db.setdefault("CONN_HEALTH_CHECKS", True)
    return db


DATABASES = {"default": tune_database(env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "clinic.User"
# Django's and allauth's backends, reading permissions with less work per request
# (clinic/accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "clinic.accounts.backends.ModelBackend",
    "clinic.accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn's offline estimate: at least 3 of 4 ("safely unguessable") for every password.
    {"NAME": "clinic.password_validation.GuessabilityValidator", "OPTIONS": {"min_score": 3}},
]

# Accounts (django-allauth): the email address is the login; there are no usernames.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_SIGNUP_FORM_CLASS = "clinic.forms.SignupForm"
# Our adapters (clinic/adapters.py): account emails (address confirmation, password reset) are outbox
# rows too, so no page waits on SMTP; the client address behind the proxy; login limits no stranger can
# use to lock a named user out (clinic/accounts/limits.py); authenticator secrets stored encrypted.
ACCOUNT_ADAPTER = "clinic.adapters.AccountAdapter"
MFA_ADAPTER = "clinic.adapters.MFAAdapter"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# No "remember me": every login is a browser-session cookie (see Sessions below).
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
# Allauth counts attempts in the shared cache (CACHES below), so every app server sees one count.
# "login_failed" is per address and per account *from that address* (the key is account + address, see
# clinic.accounts.limits), so one client's wrong passwords never block the right password from another
# client; "login_failed_account" is the account's limit across all addresses, high enough that one
# client alone cannot reach it (5 per 15 minutes). A successful password reset lifts both account
# limits. An attempt an account's limit refuses is not counted against it, so the wait never grows.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,50/h/ip,5/15m/key",
    "login_failed_account": "100/h/key",
}

# A second factor (allauth.mfa): required of every staff account (clinic.middleware
# .SecondFactorRequiredMiddleware), optional for patients. An authenticator app (TOTP), with recovery
# codes made when it is set up.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {
    "authenticate": "clinic.accounts.forms.AuthenticateForm",
    "activate_totp": "clinic.accounts.forms.ActivateTOTPForm",
}
# Accept the code of the previous or next 30 s step too: a phone a few seconds off still works.
MFA_TOTP_TOLERANCE = 1

# Sessions (clinic/sessions.py): the cookie lasts until the browser closes; on the server a session
# ends after a while without requests (staff sooner: health data on screen) and, however busy, a fixed
# time after logging in. The database row expires with the absolute lifetime.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
PATIENT_SESSION_IDLE_SECONDS = env.int("PATIENT_SESSION_IDLE_SECONDS", default=2 * 60 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
# The account page lists each login's browser and address (allauth.usersessions, kept at login).
USERSESSIONS_TRACK_ACTIVITY = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-gb"
# Dates in words and typed day first (clinic/formats/en_GB): "21 November 2026", "21/11/2026".
FORMAT_MODULE_PATH = ["clinic.formats"]
USE_I18N = True
USE_TZ = True
# The clinic's IANA zone: every wall-clock time (opening hours, pages, emails) is in this zone.
# The database always stores UTC (USE_TZ); TIME_ZONE only sets how times are shown.
CLINIC_TIME_ZONE = env("CLINIC_TIME_ZONE", default="Europe/London")
TIME_ZONE = CLINIC_TIME_ZONE
CLINIC_NAME = env("CLINIC_NAME", default="Riverside Manual Therapy")
# Prices (bookings.Service.price, a Decimal) are in this currency (ISO 4217), written the en-GB way.
CLINIC_CURRENCY = env("CLINIC_CURRENCY", default="GBP")
MFA_TOTP_ISSUER = CLINIC_NAME  # the name an authenticator app shows next to the code
# The address staff and patients reach the site at, for absolute links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded clinical documents live outside any public path and are served only through views.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
# Public images (the clinic's logo, therapists' photos): uploaded by clinic admins, re-encoded by Pillow
# (clinic/images.py), stored here under names the app makes up and served at MEDIA_URL. A separate
# folder from PRIVATE_MEDIA_ROOT, so nothing clinical is ever under a public address. The app serves it
# itself while SERVE_PUBLIC_MEDIA is on (development, tests); in production the proxy serves the folder
# (README, "Running in production").
MEDIA_ROOT = Path(env("PUBLIC_MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
SERVE_PUBLIC_MEDIA = env.bool("SERVE_PUBLIC_MEDIA", default=True)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Riverside Manual Therapy <bookings@clinic.example>")
# Seconds a worker waits on the mail server before giving up (the message is retried later). Only the
# outbox worker talks to the mail server; no request ever waits on it.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Background work (django-tasks, the backport of Django 6.0's django.tasks): tasks are rows in the
# database, run by `manage.py db_worker` processes (any number, on any machine sharing the database).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Every outgoing email is a row of the outbox (clinic.outbox), sent by a task. A failed attempt is
# retried after each of these delays in seconds in turn; after the last the row stays `failed`.
OUTBOX_RETRY_DELAYS = env.list("OUTBOX_RETRY_DELAYS", cast=int, default=[60, 5 * 60, 25 * 60])

# The shared cache holds the rate limits, so every app server must see the same one: Redis in
# production (CACHE_URL=redis://host:6379/0, Django's own RedisCache), else a table in the database
# (created by clinic's migration `cache_table`, so a fresh `migrate` is enough).
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://clinic_cache")}
# `?key_prefix=clinic-a` keeps several deployments apart on one Redis; django-environ hands Django's
# RedisCache that (and timeout, version) in lower case, where Django never reads it.
for _option in ("key_prefix", "timeout", "version"):
    if _option in CACHES["default"]:
        CACHES["default"][_option.upper()] = CACHES["default"].pop(_option)

# How long /api/v2/availability keeps an answer in the shared cache at most (seconds; 0: never). A kept
# answer is filed under the availability version, so any write that changes availability retires it.
AVAILABILITY_CACHE_SECONDS = env.int("AVAILABILITY_CACHE_SECONDS", default=300)

# Attempts to hold a slot (the booking page and the API) per user and per client address, in one
# fixed window. A burst past either limit is refused with 429 until the window ends.
HOLD_RATE_LIMIT_PER_USER = env.int("HOLD_RATE_LIMIT_PER_USER", default=10)
HOLD_RATE_LIMIT_PER_IP = env.int("HOLD_RATE_LIMIT_PER_IP", default=30)
HOLD_RATE_LIMIT_WINDOW_SECONDS = env.int("HOLD_RATE_LIMIT_WINDOW_SECONDS", default=60)
# How many proxies (load balancers) in front of the app append to X-Forwarded-For. 0: use the
# connection's address. The client's address is read this many entries from the right. Or, behind a
# proxy that puts the client's address in a header of its own (nginx X-Real-IP, Cloudflare
# CF-Connecting-IP), name that header. Our limiter and allauth's read the address through one function,
# clinic.ratelimit.client_ip; allauth's own settings are set to match.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER", default=None)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = TRUSTED_CLIENT_IP_HEADER

# The change trail (django-auditlog, clinic.audit.trail): masked values are one word, never part of the
# value; correlation ids are not taken from a client's header.
AUDITLOG_MASK_CALLABLE = "clinic.audit.trail.mask"
AUDITLOG_CID_HEADER = None

# No inline script anywhere: every script is a static file served by the app.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
