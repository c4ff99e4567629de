import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "clinic.settings.prod",
    "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-for-tests-0123456789",
    "ALLOWED_HOSTS": "clinic.example",
    "DATABASE_URL": "sqlite:////tmp/clinic-prod-check.sqlite3",
    "EMAIL_URL": "smtp://mail.clinic.example:587",
    "SITE_URL": "https://clinic.example",
}


def run_manage(*args, env):
    base = {k: v for k, v in os.environ.items() if k not in PROD_ENV}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "ALLOWED_HOSTS", "SITE_URL"])
def test_prod_settings_refuse_to_start_without_required_environment(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_prod_settings_pass_the_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stderr


def test_prod_settings_refuse_demo_seed():
    result = run_manage("seed_demo", env=PROD_ENV)
    assert result.returncode != 0
    assert "switched off" in result.stderr


CACHE_BACKEND = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"


def test_the_shared_cache_defaults_to_the_database_and_takes_redis_from_cache_url():
    plain = run_manage("shell", "--no-imports", "-c", CACHE_BACKEND, env=PROD_ENV)
    assert plain.stdout.strip() == "django.core.cache.backends.db.DatabaseCache", plain.stderr
    redis = run_manage(
        "shell", "--no-imports", "-c", CACHE_BACKEND, env={**PROD_ENV, "CACHE_URL": "redis://cache:6379/1"}
    )
    assert redis.stdout.strip() == "django.core.cache.backends.redis.RedisCache", redis.stderr


def test_a_fresh_database_after_migrate_has_a_working_cache(tmp_path):
    env = {**PROD_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    assert run_manage("migrate", "--no-input", env=env).returncode == 0
    check = "from django.core.cache import cache; cache.set('k', 41); print(cache.incr('k'))"
    result = run_manage("shell", "--no-imports", "-c", check, env=env)
    assert result.stdout.strip() == "42", result.stderr


def test_development_counts_rate_limits_in_the_database_too():
    env = {
        "DJANGO_SETTINGS_MODULE": "clinic.settings.dev",
        "DATABASE_URL": "sqlite:////tmp/clinic-dev-check.sqlite3",
    }
    result = run_manage("shell", "--no-imports", "-c", CACHE_BACKEND, env=env)
    assert result.stdout.strip() == "django.core.cache.backends.db.DatabaseCache", result.stderr


PROXY = (
    "from django.conf import settings; "
    "print(settings.TRUSTED_PROXY_COUNT, settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.ACCOUNT_RATE_LIMITS['login_failed'])"
)


def test_production_reads_the_client_address_behind_one_proxy_unless_told_otherwise():
    default = run_manage("shell", "--no-imports", "-c", PROXY, env=PROD_ENV)
    assert default.stdout.strip() == "1 1 10/m/ip,50/h/ip,5/15m/key", default.stderr
    direct = run_manage("shell", "--no-imports", "-c", PROXY, env={**PROD_ENV, "TRUSTED_PROXY_COUNT": "0"})
    assert direct.stdout.strip().startswith("0 0 "), direct.stderr
