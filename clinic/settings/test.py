"""Test settings: fast hashing, emails kept in memory, the same database rules as production."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="test-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run at once, in the process that enqueues them (after the transaction commits), so a test sees
# the outbox row sent in `mail.outbox`. The tests of the worker itself switch to the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
ACCOUNT_RATE_LIMITS = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Memory, emptied before each test (conftest.py), so rate-limit counts never leak between tests.
# One test points CACHES at the database cache to show the limiter uses whatever is configured.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Serve static files from the apps' folders, as in development: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# A file, not memory, for SQLite tests: the concurrency tests run real threads with their own
# connections against it, as production would.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"clinic-test-{os.getpid()}.sqlite3")
    }

# Uploaded clinical documents go to a throwaway folder during tests.
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="clinic-private-media-"))
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="clinic-public-media-"))

# Tests start threads (races, the live server): no connection may outlive its request or thread, or
# PostgreSQL refuses to drop the test database at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Transactional tests with `serialized_rollback` reload the migrated rows (content types, rules) with
# raw saves before each test; the change trail must not log those, or its entries create content types
# first and the reload collides with them (UNIQUE django_content_type).
AUDITLOG_DISABLE_ON_RAW_SAVE = True
