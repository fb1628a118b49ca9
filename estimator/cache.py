"""Django's database cache with an atomic `incr`, for counters shared by every worker.

Django's `DatabaseCache.incr` is the generic read-then-write: two workers incrementing at once can both
read 4 and both write 5, so a rate limit counted there lets through more than it says. Here the read
and the write happen in one transaction that holds the row: `SELECT ... FOR UPDATE` on PostgreSQL; on
SQLite, `transaction_mode: "IMMEDIATE"` (settings) makes the transaction take the write lock when it
begins, so the next incrementer waits for this one to commit.

Redis (`CACHE_URL=redis://...`) needs none of this: its INCRBY is atomic.
"""

from __future__ import annotations

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class AtomicDatabaseCache(DatabaseCache):
    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self.cache_model_class._meta.db_table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)
