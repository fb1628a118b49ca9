"""estimator.cache.AtomicDatabaseCache: concurrent increments from many processes lose no count."""

from __future__ import annotations

import subprocess
import sys

from tests.servers import BASE_DIR, fresh_database, manage, server_env

PROCESSES = 4
INCREMENTS = 100

INCREMENT = """
import sys, django
django.setup()
from django.core.cache import caches
cache = caches["default"]
assert type(cache).__name__ == sys.argv[2], type(cache)
for _ in range(int(sys.argv[1])):
    cache.incr("counter")
"""


def test_concurrent_increments_from_several_processes_all_count():
    with fresh_database() as url:
        env = server_env(url)
        manage(env, "createcachetable")
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); "
                "from django.core.cache import cache; cache.set('counter', 0, None)",
            ],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", INCREMENT, str(INCREMENTS), "AtomicDatabaseCache"],
                cwd=BASE_DIR,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        for worker in workers:
            _, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); "
                "from django.core.cache import cache; print(cache.get('counter'))",
            ],
            cwd=BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    assert int(result.stdout) == PROCESSES * INCREMENTS
