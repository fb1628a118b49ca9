"""estimator.backups: a backup holds every character of every text field and restores it exactly; a bad,
truncated or foreign file is one clear error and nothing is loaded; a failed backup leaves no file.

PostgreSQL stores neither NUL nor lone surrogates, so there the rows carry the other characters, and a
backup taken on SQLite that holds them is refused by name (or, when asked, written with U+FFFD).
"""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.utils import timezone

from estimator import backups
from estimator.backups import stored_models
from estimator.models import Scenario
from pricing.models import LanguageModel, TokenPrice
from pricing.sync import sync_prices
from runs.models import Call, Run
from runs.services import run_measure
from tests.runs.conftest import AS_OF

pytestmark = pytest.mark.django_db(transaction=True)

ANSI = "\x1b[31mred\x1b[0m"
EMOJI = "😀🇺🇦"
NUL = "\x00"
LONE_SURROGATE = "\ud800"
POSTGRES = connection.vendor == "postgresql"
# What each kind of field can hold on this database (see the module docstring).
TEXT = ANSI + EMOJI + ("" if POSTGRES else NUL)
JSON_TEXT = TEXT + ("" if POSTGRES else LONE_SURROGATE)
TEXT_FIELDS = (models.CharField, models.TextField)


def hostile(field: models.Field, row: int) -> str:
    """TEXT plus the row number (unique fields stay unique), cut to the field's length from the left."""
    value = f"{TEXT}{row}"
    if field.max_length and len(value) > field.max_length:
        value = value[len(value) - field.max_length :]
    return value


def hostile_json(row: int) -> dict:
    return {"text": JSON_TEXT, "list": [JSON_TEXT, row], JSON_TEXT: {"nested": JSON_TEXT}}


def fill_every_text_field() -> int:
    """Every text and JSON field of every stored row (keys aside) holds hostile text; returns the fields."""
    filled = 0
    for model in stored_models():
        fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.is_relation]
        for row, pk in enumerate(model._default_manager.values_list("pk", flat=True)):
            values: dict[str, object] = {}
            for field in fields:
                if isinstance(field, models.JSONField):
                    values[field.attname] = hostile_json(row)
                elif isinstance(field, TEXT_FIELDS):
                    values[field.attname] = hostile(field, row)
            # update(): past the models' own rules (saved prices are read-only), as any stored text could be.
            model._default_manager.filter(pk=pk).update(**values)
            filled += len(values)
    return filled


def stored_state() -> dict[str, list[dict]]:
    """Every stored row by model; users by username (a restore gives them new ids)."""
    User = get_user_model()
    usernames = dict(User.objects.values_list("pk", "username"))
    state = {}
    for model in stored_models():
        rows = []
        for values in model._default_manager.order_by("pk").values():
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model is User:
                    values[field.attname] = usernames.get(values[field.attname])
            if model is User:
                values.pop("id")
            rows.append(values)
        state[model._meta.label] = sorted(rows, key=repr)
    return state


@pytest.fixture
def everything(client, settings):
    """Prices, a share, a measured run and an editor, then hostile text in every field they have."""
    settings.RATELIMIT_ENABLED = False
    sync_prices()
    assert client.post("/share", {"turns_per_session": "3"}).status_code == 302
    run_measure("support_agent", offline=True, as_of=AS_OF)
    editor = get_user_model().objects.create_user("editor", password=None, is_staff=True)
    price = TokenPrice.objects.first()
    assert price is not None
    TokenPrice.objects.filter(pk=price.pk).update(edited_by=editor)
    template = LanguageModel.objects.get(pk="gpt-4.1")
    template.pk, template.is_default = f"model-{TEXT}", False
    template.save(force_insert=True)
    # Microseconds survive too (Django's own JSON encoder would cut them to milliseconds).
    Run.objects.update(started_at=timezone.now().replace(microsecond=123456) - timedelta(days=1))
    assert fill_every_text_field() > 50
    assert Call.objects.filter(reply__contains=ANSI).exists()
    return stored_state()


def test_every_character_of_every_text_field_comes_back_exactly(everything, tmp_path, capsys):
    path = tmp_path / "backup.json.gz"
    call_command("backup", output=str(path))
    assert "read back and checked" in capsys.readouterr().out
    assert gzip.decompress(path.read_bytes()).isascii()  # every character as an escape: nothing to mangle
    assert [p.name for p in tmp_path.iterdir()] == ["backup.json.gz"]  # no temporary file left behind
    call_command("flush", interactive=False, verbosity=0)
    assert Scenario.objects.count() == 0
    call_command("restore", str(path))
    assert stored_state() == everything
    assert Run.objects.get().started_at.microsecond == 123456


def test_an_uncompressed_backup_restores_too(everything, tmp_path):
    path = tmp_path / "backup.json"
    call_command("backup", output=str(path))
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore", str(path))
    assert stored_state() == everything


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda raw: raw[: len(raw) // 2], "is truncated or damaged (not a complete gzip file"),
        (
            lambda raw: gzip.compress(gzip.decompress(raw)[:-40]),
            "is truncated or damaged: invalid JSON at line",
        ),
        (lambda raw: b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "is not a backup: byte"),
        (
            lambda raw: gzip.compress(b'{"model": "runs.run"}'),
            "is not a backup written by `manage.py backup`",
        ),
        (lambda raw: b"[{]", "invalid JSON at line 1, column 3"),
        (lambda raw: b'<?xml version="1.0"?><django-objects/>', "is an XML backup from an earlier version"),
    ],
)
def test_a_bad_or_truncated_file_is_one_clear_error_and_nothing_is_loaded(
    everything, tmp_path, damage, message
):
    good = tmp_path / "backup.json.gz"
    call_command("backup", output=str(good))
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(damage(good.read_bytes()))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError) as raised:
        call_command("restore", str(bad))
    assert str(raised.value).startswith(f"{bad} ")
    assert message in str(raised.value)
    assert "Traceback" not in str(raised.value)
    assert all(count == 0 for count in backups.row_counts().values())


def test_a_row_that_does_not_fit_the_models_names_it_and_loads_nothing(everything, tmp_path):
    path = tmp_path / "backup.json.gz"
    call_command("backup", output=str(path))
    rows = json.loads(gzip.decompress(path.read_bytes()))
    price = next(row for row in rows if row["model"] == "pricing.tokenprice")
    price["fields"]["input_per_mtok"] = "two dollars"
    path.write_bytes(gzip.compress(json.dumps(rows).encode()))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match=r"does not fit this database's models: .*pricing.tokenprice"):
        call_command("restore", str(path))
    assert all(count == 0 for count in backups.row_counts().values())


def test_a_backup_that_fails_midway_leaves_no_file(everything, tmp_path, monkeypatch):
    real_rows = backups._rows

    def failing_rows():
        rows = real_rows()
        yield next(rows)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "_rows", failing_rows)
    with pytest.raises(OSError, match="No space left"):
        call_command("backup", output=str(tmp_path / "backup.json.gz"))
    assert list(tmp_path.iterdir()) == []


def sqlite_only_characters(path) -> tuple[int, int]:
    """Put NUL and a lone surrogate into a backup, as a SQLite database can hold them."""
    rows = json.loads(gzip.decompress(path.read_bytes()))
    call = next(row for row in rows if row["model"] == "runs.call")
    call["fields"]["reply"] = f"before{NUL}after"
    scenario = next(row for row in rows if row["model"] == "estimator.scenario")
    scenario["fields"]["inputs"]["model"] = f"gpt{LONE_SURROGATE}"
    path.write_bytes(gzip.compress(json.dumps(rows).encode()))  # ensure_ascii: "\u0000", "\ud800"
    return call["pk"], scenario["pk"]


def test_nul_and_lone_surrogates_on_postgresql_are_named_or_replaced_when_asked(everything, tmp_path, capsys):
    path = tmp_path / "backup.json.gz"
    call_command("backup", output=str(path))
    call_pk, scenario_pk = sqlite_only_characters(path)
    call_command("flush", interactive=False, verbosity=0)
    if not POSTGRES:
        call_command("restore", str(path))
        assert Call.objects.get(pk=call_pk).reply == f"before{NUL}after"
        assert Scenario.objects.get(pk=scenario_pk).inputs["model"] == f"gpt{LONE_SURROGATE}"
        return
    with pytest.raises(CommandError) as raised:
        call_command("restore", str(path))
    message = str(raised.value)
    assert "holds text PostgreSQL cannot store (NUL or a lone surrogate) in 2 field(s)" in message
    assert f"runs.call pk={call_pk} field reply" in message
    assert f"estimator.scenario pk={scenario_pk} field inputs" in message
    assert "--replace-unstorable" in message
    assert all(count == 0 for count in backups.row_counts().values())
    call_command("restore", str(path), replace_unstorable=True)
    assert "2 field(s) had NUL or lone surrogates, written as U+FFFD" in capsys.readouterr().out
    assert Call.objects.get(pk=call_pk).reply == "before\ufffdafter"
    assert Scenario.objects.get(pk=scenario_pk).inputs["model"] == "gpt\ufffd"
