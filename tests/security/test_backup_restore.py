"""Backup and restore round trip: a restore into an empty database answers exactly as before."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from estimator.models import Scenario
from pricing.catalog import default_model_id, today
from pricing.models import Source, TokenPrice
from pricing.sync import sync_prices

PAYLOADS = [
    {},
    {"turns_per_session": 3, "function_calls_per_turn": "0.5", "file_search_calls_per_turn": "1"},
    {"service_tier": "fast", "code_interpreter_calls_per_turn": "1", "vector_store_gb": "3"},
    {"model": "no-such-model"},
    {"as_of": "2025-06-01", "sessions_per_month": 123},
]


def snapshot(client, slugs: list[str]) -> dict:
    out = {}
    for n, payload in enumerate(PAYLOADS):
        response = client.post("/api/estimate", data=json.dumps(payload), content_type="application/json")
        out[f"estimate {n}"] = (response.status_code, response.json())
    out["prices"] = client.get("/api/prices").json()
    for slug in slugs:
        response = client.get(f"/s/{slug}.json")
        assert response.status_code == 200
        out[f"scenario {slug}"] = response.json()
    return out


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_an_empty_database(client, tmp_path, capsys):
    sync_prices()
    editor = get_user_model().objects.create_user("pricing-admin", password="x" * 20, is_staff=True)
    # An admin's price edit from yesterday: history and `edited_by` must survive the trip.
    current = TokenPrice.objects.filter(model_id=default_model_id(), service_tier="standard").latest(
        "effective_from"
    )
    current.pk = None
    current.effective_from = today() - timedelta(days=1)
    current.input_per_mtok = current.input_per_mtok + Decimal("0.125")
    current.source = Source.ADMIN
    current.edited_by = editor
    current.note = "test edit"
    current.save()
    slugs = []
    for data in ({"turns_per_session": "4"}, {"model": default_model_id(), "sessions_per_month": "77"}):
        response = client.post("/share", data)
        assert response.status_code == 302, response.content[:500]
        slugs.append(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert Scenario.objects.count() == 2

    before = snapshot(client, slugs)
    counts_before = {
        "prices": TokenPrice.objects.count(),
        "scenarios": Scenario.objects.count(),
        "users": get_user_model().objects.count(),
    }

    backup = tmp_path / "backup.json.gz"
    call_command("backup", output=str(backup))
    assert backup.stat().st_size > 1000

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(backup))

    call_command("flush", interactive=False, verbosity=0)
    assert TokenPrice.objects.count() == 0 and Scenario.objects.count() == 0

    call_command("restore", str(backup))
    assert "restored" in capsys.readouterr().out
    assert {
        "prices": TokenPrice.objects.count(),
        "scenarios": Scenario.objects.count(),
        "users": get_user_model().objects.count(),
    } == counts_before
    edited = TokenPrice.objects.get(source=Source.ADMIN, note="test edit")
    assert edited.edited_by is not None
    assert edited.edited_by.username == "pricing-admin"
    after = snapshot(client, slugs)
    assert after == before

    # A sync after the restore adds nothing and changes no shared scenario.
    report = sync_prices()
    assert not report.changed
    assert {k: v for k, v in snapshot(client, slugs).items() if k.startswith("scenario")} == {
        k: v for k, v in before.items() if k.startswith("scenario")
    }

    # Restored sequences: new rows get fresh keys instead of colliding with restored ones.
    response = client.post("/share", {"turns_per_session": "5"})
    assert response.status_code == 302
    assert Scenario.objects.count() == 3


def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such backup file"):
        call_command("restore", str(tmp_path / "nope.json.gz"))
