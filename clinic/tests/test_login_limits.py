"""Login limits that hold in production yet let no stranger lock a named user out (issue 13: 35
failed logins from one client blocked another user's correct login for five minutes)."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinic import ratelimit
from clinic.settings import base
from clinic.tests.factories import PASSWORD, patient
from clinic.tests.signin import password_step, signed_in_user_id

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ATTACKER, OWNER, NEIGHBOUR = "203.0.113.66", "198.51.100.7", "192.0.2.44"
TOO_MANY = "Too many failed login attempts"
WRONG = "not-the-password"


@pytest.fixture
def rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS


def guess(client, email, ip, password=WRONG) -> bool:
    """One sign-in attempt; True when it was refused unchecked (the limit's message, or 429)."""
    resp = password_step(client, email, password, ip=ip)
    return resp.status_code == 429 or TOO_MANY in resp.content.decode()


def test_one_clients_failures_do_not_lock_out_the_owner_signing_in_from_elsewhere(rate_limits):
    sam = patient(email="sam@example.org")
    attacker = Client()
    refused = [guess(attacker, "sam@example.org", ATTACKER) for _ in range(35)]
    assert refused[:5] == [False] * 5 and all(refused[5:])
    owner = Client()
    password_step(owner, "sam@example.org", ip=OWNER)
    assert signed_in_user_id(owner) == str(sam.pk)


def test_one_clients_failures_do_not_lock_out_another_user(rate_limits):
    patient(email="sam@example.org")
    ada = patient(email="ada@example.org")
    attacker = Client()
    for _ in range(35):
        guess(attacker, "sam@example.org", ATTACKER)
    neighbour = Client()
    password_step(neighbour, "ada@example.org", ip=NEIGHBOUR)
    assert signed_in_user_id(neighbour) == str(ada.pk)


def test_a_client_that_guessed_too_often_cools_off(rate_limits):
    sam = patient(email="sam@example.org")
    ada = patient(email="ada@example.org")
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            guess(client, "sam@example.org", ATTACKER)
        assert guess(client, "sam@example.org", ATTACKER, PASSWORD)  # even the right password, for now
    with time_machine.travel(start + timedelta(minutes=1, seconds=1), tick=False):
        password_step(client, "ada@example.org", ip=ATTACKER)  # the address's own limit is a minute
        assert signed_in_user_id(client) == str(ada.pk)
        client.post(reverse("account_logout"))
        assert guess(client, "sam@example.org", ATTACKER, PASSWORD)  # this account, from here: 15 minutes
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        password_step(client, "sam@example.org", ip=ATTACKER)
        assert signed_in_user_id(client) == str(sam.pk)


def test_a_correct_password_does_not_count_as_a_failure(rate_limits):
    sam = patient(email="sam@example.org")
    client = Client()
    for _ in range(4):
        assert not guess(client, "sam@example.org", OWNER)
    password_step(client, "sam@example.org", ip=OWNER)
    assert signed_in_user_id(client) == str(sam.pk)
    client.post(reverse("account_logout"))
    assert not guess(client, "sam@example.org", OWNER)  # the fifth failure, not the sixth
    assert guess(client, "sam@example.org", OWNER)  # a success wipes no failures: guesses cannot hide


def test_many_clients_together_reach_the_accounts_limit_and_a_password_reset_lifts_it(
    rate_limits, django_capture_on_commit_callbacks
):
    sam = patient(email="sam@example.org")
    botnet = Client()
    for n in range(20):  # 20 addresses x 5 guesses: the account's limit of 100 an hour
        for _ in range(5):
            guess(botnet, "sam@example.org", f"203.0.113.{n}")
    owner = Client()
    assert guess(owner, "sam@example.org", OWNER, PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):  # sent from the outbox once the request commits
        owner.post(reverse("account_reset_password"), {"email": "sam@example.org"}, REMOTE_ADDR=OWNER)
    # The link is on SITE_URL (http://127.0.0.1:8000 in the tests), whatever host the request came in on.
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_url = owner.get(link, REMOTE_ADDR=OWNER)["Location"]
    new_password = "another-long-password-77"
    done = owner.post(form_url, {"password1": new_password, "password2": new_password}, REMOTE_ADDR=OWNER)
    assert done.status_code == 302
    password_step(owner, "sam@example.org", new_password, ip=OWNER)
    assert signed_in_user_id(owner) == str(sam.pk)


def test_behind_the_proxy_each_client_counts_by_its_own_address(rate_limits, settings):
    """Behind a proxy every request comes from the proxy's address: unless the app reads the client's
    address from X-Forwarded-For, one client's failures lock out everyone."""
    settings.TRUSTED_PROXY_COUNT = 1
    sam = patient(email="sam@example.org")
    proxy = "10.0.0.2"
    client = Client()
    for _ in range(12):
        client.post(
            reverse("account_login"),
            {"login": "sam@example.org", "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=ATTACKER,
        )
    owner = Client()
    owner.post(
        reverse("account_login"),
        {"login": "sam@example.org", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=f"6.6.6.6, {OWNER}",  # the left entry is the client's own claim, ignored
    )
    assert signed_in_user_id(owner) == str(sam.pk)


def test_the_client_address_comes_from_the_proxys_own_header_when_named(rf, settings):
    settings.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.9", HTTP_X_FORWARDED_FOR="6.6.6.6"
    )
    assert ratelimit.client_ip(request) == "203.0.113.9"
    missing = rf.get("/", REMOTE_ADDR="10.0.0.2")
    assert ratelimit.client_ip(missing) == "10.0.0.2"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "1.2.3.4, <script>"])
def test_a_missing_or_malformed_forwarded_address_falls_back_to_the_connection(rf, settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_ip(request) == "10.0.0.2"


def test_a_short_forwarded_header_behind_two_proxies_is_not_an_error(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert ratelimit.client_ip(request) == "10.0.0.2"


def test_ipv6_clients_are_counted_by_their_64_network(rf):
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    other = rf.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::9")
    assert ratelimit.client_ip(one) == "2001:db8:1:2:aaaa::1"
    assert ratelimit.client_network(one) == ratelimit.client_network(other) == "2001:db8:1:2::"


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


OTHER_PROCESS = """
import django
django.setup()
from django.test import Client
from clinic import ratelimit
for _ in range(3):
    assert ratelimit.hit("shared-test", "user:1", limit=3, window_seconds=10**9)
client = Client()
for _ in range(5):
    client.post("/accounts/login/", {"login": "sam@example.org", "password": "wrong"}, REMOTE_ADDR="203.0.113.66")
print("done")
"""


# Committed for real, so that a second process sees the account and shares the cache table.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_limits_are_shared_between_processes_through_the_database_cache(settings, rate_limits):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "clinic_cache"}
    }
    call_command("createcachetable", verbosity=0)  # the test database is built with a memory cache
    caches["default"].clear()
    patient(email="sam@example.org")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings.dev",  # the embedded default: CACHE_URL unset
        "DATABASE_URL": _database_url(),
        "ALLOWED_HOSTS": "testserver",
        "SECRET_KEY": django_settings.SECRET_KEY,
    }
    env.pop("CACHE_URL", None)
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
    caches["default"].clear()
