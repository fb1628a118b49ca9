"""Migration 0004 records who chose an existing database's default model, so sync knows whether to move it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("pricing", "0003_cache_table")]
AFTER = [("pricing", "0004_table_limits_surface_lifecycles_provenance")]


@pytest.mark.django_db(transaction=True)
def test_a_default_an_admin_edited_counts_as_chosen_any_other_as_seeded():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("pricing", "LanguageModel")
    old.objects.create(id="seeded-default", context_window=1000, is_default=True)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("pricing", "LanguageModel")
    assert new.objects.get(pk="seeded-default").default_source == "spec"

    executor.loader.build_graph()
    executor.migrate(BEFORE)
    old.objects.filter(pk="seeded-default").update(edited_at="2026-11-30T12:00:00Z")
    executor.loader.build_graph()
    executor.migrate(AFTER)
    assert new.objects.get(pk="seeded-default").default_source == "admin"
    new.objects.all().delete()
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
