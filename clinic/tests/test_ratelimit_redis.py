"""The rate limits in production: Redis through `CACHE_URL` (Django's own RedisCache), shared by every
app server. Run against a real server speaking Redis's protocol, whichever `redis_server()` finds (see
clinic/tests/redis_server.py): never skipped, on a fresh machine too."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connections
from django.test import Client

from clinic import ratelimit
from clinic.settings import base

from .factories import PASSWORD, patient
from .redis_server import fakeredis_server, redis_server
from .test_login_limits import ROOT, _database_url, guess

REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture(scope="module")
def server():
    with redis_server() as found:
        yield found


@pytest.fixture
def prefix(server) -> str:
    """A prefix of this test's own: no count of another test (or another run) is ever seen."""
    return f"{server.prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def redis_cache(settings, server, prefix):
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": server.url, "KEY_PREFIX": prefix}}
    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    return caches["default"]


def keys_in_redis(server, prefix) -> list[str]:
    client = redis.Redis.from_url(server.url, decode_responses=True)
    return sorted(client.scan_iter(match=f"{prefix}*"))


def test_the_limiter_counts_in_redis_through_django_s_redis_cache(redis_cache, server, prefix):
    assert isinstance(redis_cache, RedisCache)
    assert [ratelimit.hit("redis-test", "user:1", limit=3, window_seconds=60) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    (key,) = keys_in_redis(server, prefix)
    assert ":ratelimit:redis-test:user:1:" in key
    assert 60 <= redis.Redis.from_url(server.url).ttl(key) <= 65  # forgotten once its window is over


def test_hits_racing_from_many_threads_are_each_counted_once(redis_cache):
    """Redis increments atomically: of 20 attempts in the same instant exactly the limit gets through
    (the database cache, which reads then writes, cannot promise this)."""
    start = Barrier(20)

    def attempt(_):
        start.wait(timeout=30)
        try:
            return ratelimit.hit("redis-race", "user:1", limit=10, window_seconds=60)
        finally:
            caches["default"].close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, range(20)))
    assert results.count(True) == 10


OTHER_PROCESS = """
import django
django.setup()
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from clinic import ratelimit
assert isinstance(caches["default"], RedisCache), caches["default"]
for _ in range(3):
    assert ratelimit.hit("shared-test", "user:1", limit=3, window_seconds=10**9)
client = Client()
for _ in range(5):
    client.post("/accounts/login/", {"login": "sam@example.org", "password": "wrong"}, REMOTE_ADDR="203.0.113.66")
print("done")
"""


# Committed for real, so that the second process sees the account.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_limits_are_shared_between_processes_through_redis(redis_cache, server, prefix):
    patient(email="sam@example.org")
    connections.close_all()  # SQLite: let the other process read the committed account at once
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings.dev",
        "DATABASE_URL": _database_url(),
        # As production sets it; the prefix keeps this test's keys apart on a shared server.
        "CACHE_URL": f"{server.url}?key_prefix={prefix}",
        "ALLOWED_HOSTS": "testserver",
        "SECRET_KEY": django_settings.SECRET_KEY,
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", OTHER_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.strip() == "done", result.stderr
    # This process sees the other one's counts: the hold limiter's and allauth's.
    assert not ratelimit.hit("shared-test", "user:1", limit=3, window_seconds=10**9)
    assert guess(Client(), "sam@example.org", "203.0.113.66", PASSWORD)
    # Another client is still let in: the count is that client's, not the account's.
    assert not guess(Client(), "sam@example.org", "198.51.100.7", PASSWORD)


def test_the_fallback_server_of_a_machine_without_redis_serves_django_s_redis_cache(settings):
    """The third choice of `redis_server()`, used on a machine with no Redis at all, tried here
    whatever this machine has: Django's RedisCache and the limiter work against it unchanged."""
    with fakeredis_server() as url:
        settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": url}}
        assert isinstance(caches["default"], RedisCache)
        assert [ratelimit.hit("fallback", "user:1", limit=2, window_seconds=60) for _ in range(3)] == [
            True,
            True,
            False,
        ]
        caches["default"].close()
