"""gunicorn settings for `make serve` (and any `gunicorn -c gunicorn.conf.py` in production).

Environment:
    GUNICORN_BIND      address to listen on (default 127.0.0.1:8000; put a TLS proxy in front)
    GUNICORN_WORKERS   worker processes (default CPUs + 1, at most 9)
    GUNICORN_THREADS   threads per worker (default 1)
    GUNICORN_TIMEOUT   seconds before a stuck worker is restarted (default 30)
    DJANGO_COLLECTSTATIC=0   skip collectstatic/createcachetable at start (they are idempotent)

At start the master runs `collectstatic` (whitenoise then serves hashed, compressed files from
STATIC_ROOT) and `createcachetable` (the shared cache the rate limiter counts in), once, before
any worker forks.
"""

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

from gunicorn.arbiter import Arbiter

BASE_DIR = Path(__file__).resolve().parent


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "estimator.wsgi:application"
chdir = str(BASE_DIR)
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# The app is CPU-bound (price sheets memoised, the database local): one sync worker per core plus one
# to cover a worker blocked on I/O. 2 x cores + 1 suits I/O-bound apps; here it only added switching.
workers = _int("GUNICORN_WORKERS", min(multiprocessing.cpu_count() + 1, 9))
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 10
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
# A leak guard, not a habit: at a thousand requests a second, 5,000 recycled every worker every few
# seconds (re-import, cold price-sheet memo), which cost a third of the API's throughput under load.
max_requests = _int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = 500
# Request line and headers: gunicorn answers 400/414 itself above these.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Only a proxy on this host may tell us the client's scheme and address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "estimator"


def on_starting(server: Arbiter) -> None:
    if os.environ.get("DJANGO_COLLECTSTATIC", "1").strip() in {"0", "false", "no", "off"}:
        return
    for command in (["collectstatic", "--noinput", "-v", "0"], ["createcachetable"]):
        subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *command], check=True, cwd=BASE_DIR)
