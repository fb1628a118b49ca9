"""Production mode (DJANGO_ENV=production): fails fast when misconfigured, `check --deploy` clean,
HTTPS-only headers and cookies. Each case starts a fresh interpreter, since settings load once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET = "p" * 20 + "-production-test-key-" + "q9Z" * 10


def production_env(tmp_path, **overrides) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "GUNICORN_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="estimator.settings",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="estimator.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        # Never the checkout's own staticfiles/: a clean clone (CI) has none.
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_defaults_are_flagged_by_check_deploy(tmp_path):
    env = production_env(tmp_path, DJANGO_ENV=None, DJANGO_SECRET_KEY=None)
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W009", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"])
def test_fails_fast_without_required_setting(tmp_path, missing):
    for value in (None, "  "):
        result = manage(production_env(tmp_path, **{missing: value}), "check")
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert missing in result.stderr.splitlines()[-1]


def test_debug_is_refused_in_production(tmp_path):
    result = manage(production_env(tmp_path, DJANGO_DEBUG="1"), "check")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off" in result.stderr


def test_unknown_environment_is_refused(tmp_path):
    result = manage(production_env(tmp_path, DJANGO_ENV="prod"), "check")
    assert result.returncode != 0
    assert "DJANGO_ENV must be" in result.stderr


PROBE = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment
    setup_test_environment()
    settings.ALLOWED_HOSTS.append("testserver")
    c = Client()
    out = {"debug": settings.DEBUG, "storage": settings.STORAGES["staticfiles"]["BACKEND"],
           "cache": settings.CACHES["default"]["BACKEND"]}
    r = c.get("/no-such-page")
    out["http"] = [r.status_code, r.get("Location")]
    r = c.get("/healthz")
    out["healthz_http"] = r.status_code
    r = c.get("/healthz", secure=True)
    out["https_headers"] = dict(r.headers)
    r = c.get("/admin/login/", secure=True)
    out["cookies"] = {k: {"secure": v["secure"], "httponly": v["httponly"], "samesite": v["samesite"]}
                      for k, v in r.cookies.items()}
    print(json.dumps(out))
    """
)


def probe(tmp_path, **overrides) -> dict:
    env = production_env(tmp_path, **overrides)
    # Production serves hashed files from a manifest, as gunicorn.conf.py collects them at start.
    collected = manage(env, "collectstatic", "--noinput", "-v", "0")
    assert collected.returncode == 0, collected.stderr
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_responses(tmp_path):
    out = probe(tmp_path)
    assert out["debug"] is False
    assert out["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert out["cache"] == "estimator.cache.AtomicDatabaseCache"
    assert out["http"] == [301, "https://testserver/no-such-page"]
    assert out["healthz_http"] == 200  # load balancers probe over HTTP
    headers = out["https_headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert out["cookies"]["csrftoken"]["secure"] is True


def test_behind_a_proxy_that_redirects_itself(tmp_path):
    out = probe(tmp_path, DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_HSTS_SECONDS="600")
    assert out["http"][0] == 404  # not redirected
    assert out["https_headers"]["Strict-Transport-Security"].startswith("max-age=600;")


def test_cache_url_picks_redis_and_refuses_other_schemes():
    from django.core.exceptions import ImproperlyConfigured

    from estimator.settings import cache_settings

    assert cache_settings("redis://127.0.0.1:6379/0") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    }
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must be a redis://"):
        cache_settings("memcached://127.0.0.1:11211")
