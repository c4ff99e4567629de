"""Production: every secret and address comes from the environment, with no defaults."""

from .base import *  # noqa: F403
from .base import env, tune_database

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
DATABASES = {"default": tune_database(env.db("DATABASE_URL"))}
EMAIL_CONFIG = env.email_url("EMAIL_URL")
vars().update(EMAIL_CONFIG)
SITE_URL = env("SITE_URL")

ACCOUNT_EMAIL_VERIFICATION = "mandatory"

# Production runs behind one proxy that terminates TLS (README, "Running in production"); it appends the
# client's address to X-Forwarded-For. Set 0 only if clients reach gunicorn directly.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DEMO_SEED_ALLOWED = False
# Public images (logo, therapists' photos) are served by the proxy from PUBLIC_MEDIA_ROOT at /media/
# (README, "Running in production"); set SERVE_PUBLIC_MEDIA=true only for a single server without one.
SERVE_PUBLIC_MEDIA = env.bool("SERVE_PUBLIC_MEDIA", default=False)
