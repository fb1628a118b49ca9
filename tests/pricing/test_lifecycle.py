"""Lifecycle: seeded shutdown dates and successors, API surface status, notes and model order."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from pricing.catalog import models_in_display_order, price_list, price_sheet_for
from pricing.memo import price_table_changed
from pricing.models import ApiSurface, LanguageModel, Source
from pricing.sheet import SurfaceLifecycle
from pricing.sync import sync_prices

SHUTDOWNS = {
    "gpt-3.5-turbo": ("2026-10-23", "gpt-5.4-mini"),
    "gpt-4": ("2026-10-23", "gpt-5.4"),
    "gpt-4-turbo": ("2026-10-23", "gpt-5.4"),
    "o1": ("2026-10-23", "gpt-5.4"),
    "o1-pro": ("2026-10-23", "gpt-5.4-pro"),
    "o3-mini": ("2026-10-23", "gpt-5.4-mini"),
    "o4-mini": ("2026-10-23", "gpt-5.4-mini"),
    "gpt-4.1-nano": ("2026-10-23", "gpt-5.4-nano"),
    "gpt-5": ("2026-12-11", "gpt-5.4"),
    "gpt-5-mini": ("2026-12-11", "gpt-5.4-mini"),
    "gpt-5-nano": ("2026-12-11", "gpt-5.4-nano"),
    "gpt-5-pro": ("2026-12-11", "gpt-5.4-pro"),
    "o3": ("2026-12-11", "gpt-5.4"),
    "o3-pro": ("2026-12-11", "gpt-5.4-pro"),
    "gpt-4o": ("2027-01-14", "gpt-5.4"),
    "gpt-4o-mini": ("2027-01-14", "gpt-5.4-mini"),
    "gpt-4.1": ("2027-01-14", "gpt-5.4"),
    "gpt-4.1-mini": ("2027-01-14", "gpt-5.4-mini"),
    "gpt-5.1": ("2027-04-01", "gpt-5.4"),
}


def test_sync_seeds_every_announced_shutdown_and_nothing_else(table):
    seeded = {
        model.id: (str(model.shutdown_date), model.successor_id)
        for model in LanguageModel.objects.filter(shutdown_date__isnull=False)
    }
    assert seeded == SHUTDOWNS
    assert set(
        LanguageModel.objects.filter(shutdown_date__isnull=False).values_list("lifecycle_source", flat=True)
    ) == {Source.SPEC}


def test_sync_seeds_the_three_api_surfaces(table):
    surfaces = {s.key: (s.shutdown_date, s.successor_id) for s in ApiSurface.objects.all()}
    assert surfaces == {
        "assistants": (date(2026, 8, 26), "responses"),
        "responses": (None, None),
        "chat_completions": (None, None),
    }


def test_the_price_sheet_carries_the_api_surfaces_and_their_status_on_its_date(table):
    before, after = (
        price_sheet_for("gpt-4.1", date(2026, 8, 25)),
        price_sheet_for("gpt-4.1", date(2026, 8, 26)),
    )
    assert before.surfaces == {
        "assistants": SurfaceLifecycle(date(2026, 8, 26), "responses"),
        "responses": SurfaceLifecycle(),
        "chat_completions": SurfaceLifecycle(),
    }
    assert [before.surface_status(key) for key in ("assistants", "responses", "chat_completions")] == [
        "deprecated",
        "live",
        "live",
    ]
    assert after.surface_status("assistants") == "shut down"


def test_an_admins_shutdown_date_for_a_surface_reaches_the_sheet(table):
    ApiSurface.objects.filter(pk="responses").update(shutdown_date=date(2028, 1, 1), source=Source.ADMIN)
    price_table_changed()
    sheet = price_sheet_for("gpt-4.1", date(2027, 6, 1))
    assert (sheet.surface_status("responses"), sheet.surface("responses").shutdown_date) == (
        "deprecated",
        date(2028, 1, 1),
    )


def test_the_price_sheet_carries_the_shutdown_date_and_successor(table, client):
    sheet = price_sheet_for("gpt-4", date(2026, 11, 1))
    assert (sheet.model_shutdown_date, sheet.model_successor) == (date(2026, 10, 23), "gpt-5.4")
    body = client.get("/api/prices/gpt-4").json()
    assert (body["shutdown_date"], body["successor"]) == ("2026-10-23", "gpt-5.4")
    assert price_sheet_for("gpt-5.4").model_shutdown_date is None


def notes(client, model: str, as_of: str) -> dict[str, list[str]]:
    body = client.get("/api/estimate", {"model": model, "as_of": as_of}).json()
    return {approach: result["notes"] for approach, result in body["approaches"].items()}


def test_an_estimate_for_a_model_scheduled_to_shut_down_says_when(table, client):
    for approach_notes in notes(client, "gpt-4.1", "2026-11-25").values():
        assert "gpt-4.1 is scheduled to shut down on 2027-01-14 (successor: gpt-5.4)." in approach_notes


def test_an_estimate_for_a_shut_down_model_says_it_was_shut_down(table, client):
    for approach_notes in notes(client, "gpt-4", "2026-11-01").values():
        assert "gpt-4 was shut down on 2026-10-23 (successor: gpt-5.4)." in approach_notes


def test_an_estimate_for_a_current_model_has_no_shutdown_note(table, client):
    for approach_notes in notes(client, "gpt-5.4", "2026-11-25").values():
        assert not any("shut down on" in note for note in approach_notes)


def test_the_model_list_puts_current_models_first_then_by_shutdown_date(table):
    order = [model.id for model in models_in_display_order()]
    dated = [model_id for model_id in order if model_id in SHUTDOWNS]
    assert order[: len(order) - len(dated)] == sorted(set(order) - set(SHUTDOWNS))
    assert dated == [
        "gpt-5.1",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-5",
        "gpt-5-mini",
        "gpt-5-nano",
        "gpt-5-pro",
        "o3",
        "o3-pro",
        "gpt-3.5-turbo",
        "gpt-4",
        "gpt-4-turbo",
        "gpt-4.1-nano",
        "o1",
        "o1-pro",
        "o3-mini",
        "o4-mini",
    ]
    assert [sheet["model"] for sheet in price_list(date(2026, 11, 25))["models"]] == order


def test_a_lifecycle_an_admin_cleared_is_not_seeded_again(table):
    LanguageModel.objects.filter(pk="gpt-4o").update(
        shutdown_date=None, successor=None, lifecycle_source=Source.ADMIN
    )
    report = sync_prices()
    assert LanguageModel.objects.get(pk="gpt-4o").shutdown_date is None
    assert report.skipped == [
        "lifecycle of gpt-4o: kept no shutdown date (edited by an admin); "
        "the seed says shuts down 2027-01-14 (successor gpt-5.4)"
    ]


def test_a_model_cannot_succeed_itself_through_a_cycle(table):
    gpt54 = LanguageModel.objects.get(pk="gpt-5.4")
    gpt54.shutdown_date, gpt54.successor_id = date(2028, 1, 1), "gpt-4.1"
    with pytest.raises(ValidationError) as caught:
        gpt54.full_clean(validate_constraints=False)
    assert caught.value.message_dict == {"successor": ["Successor gpt-4.1 leads back to gpt-5.4: a cycle."]}


def test_a_successor_needs_a_shutdown_date(table):
    model = LanguageModel.objects.get(pk="gpt-5.4")
    model.successor_id = "gpt-5.5"
    with pytest.raises(ValidationError) as caught:
        model.full_clean(validate_constraints=False)
    assert caught.value.message_dict == {
        "shutdown_date": ["A successor only makes sense with a shutdown date: set the date too."]
    }


def test_an_api_surface_cannot_succeed_itself_or_have_a_successor_without_a_shutdown(table):
    surface = ApiSurface.objects.create(key="batch", name="Batch API")
    surface.successor_id = "batch"
    with pytest.raises(ValidationError) as caught:
        surface.full_clean()
    assert caught.value.message_dict == {
        "successor": ["An API cannot be its own successor."],
        "shutdown_date": ["A successor only makes sense with a shutdown date: set the date too."],
    }
