"""The database cache's table, created with the schema.

The price table's revision token lives in the cache (pricing/catalog.py), and in production the cache
is DatabaseCache: every path that migrates a database (make run/serve, CI, a restore) must leave its
table in place before anything writes prices. createcachetable does nothing for other cache backends and
for a table that already exists.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0002_lifecycle_history_sync")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
