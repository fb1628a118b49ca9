"""Seeding what genai-prices does not say: model lifecycles and limits, API surfaces, the default model.

Each is seeded from `pricing.sync.seed` and re-seeded only while the table's value is the seed's own
(its `*_source` is empty or "spec"): an admin's or an import's value is kept, and the skip is reported.
"""

from __future__ import annotations

from datetime import date

from pricing.models import DEFAULT_CACHE_TTL_MINUTES, ApiSurface, LanguageModel, Source
from pricing.sync import plan, seed
from pricing.sync.report import SyncReport

KEPT = (Source.ADMIN, Source.IMPORT)


def _lifecycle_text(shutdown_date: date | None, successor: str | None) -> str:
    if shutdown_date is None:
        return "no shutdown date"
    return f"shuts down {shutdown_date}" + (f" (successor {successor})" if successor else "")


def sync_lifecycles(report: SyncReport, models: dict[str, LanguageModel], dry_run: bool) -> None:
    for planned in seed.SEED_LIFECYCLE:
        model = models.get(planned.model)
        if model is None:
            report.skipped.append(f"lifecycle of {planned.model}: not in the price table")
            continue
        successor = planned.successor if planned.successor in models else None
        wanted = (planned.shutdown_date, successor)
        if (model.shutdown_date, model.successor_id) == wanted:
            continue
        if model.lifecycle_source in KEPT:
            kept = _lifecycle_text(model.shutdown_date, model.successor_id)
            report.skipped.append(
                f"lifecycle of {planned.model}: kept {kept} "
                f"({model.get_lifecycle_source_display().lower()}); the seed says {_lifecycle_text(*wanted)}"
            )
            continue
        report.added_lifecycle.append(f"{planned.model} {_lifecycle_text(*wanted)}")
        if not dry_run:
            LanguageModel.objects.filter(pk=planned.model).update(
                shutdown_date=planned.shutdown_date, successor_id=successor, lifecycle_source=Source.SPEC
            )
        model.shutdown_date, model.successor_id, model.lifecycle_source = (*wanted, Source.SPEC)


def _limits_text(max_input_tokens: int | None, cache_ttl_minutes: int) -> str:
    limit = "whole window" if max_input_tokens is None else f"{max_input_tokens}"
    return f"input limit {limit}, cache lifetime {cache_ttl_minutes} min"


def _bills_cache_writes(planned: plan.PlannedModel | None) -> bool:
    """Whether the model's latest standard price bills cache writes (gpt-5.6 and later)."""
    standard = [price for price in (planned.prices if planned else ()) if price.service_tier == "standard"]
    return bool(standard) and standard[-1].cache_write_per_mtok is not None


def sync_limits(
    report: SyncReport,
    models: dict[str, LanguageModel],
    new_models: set[str],
    plan_models: list[plan.PlannedModel],
    dry_run: bool,
) -> None:
    """The input limit and cache lifetime of each model genai-prices lists (it lists neither)."""
    planned_by_id = {planned.id: planned for planned in plan_models}
    for model_id, planned in planned_by_id.items():
        model = models[model_id]
        wanted = (
            seed.SEED_INPUT_LIMITS.get(model_id),
            seed.seed_cache_ttl_minutes(_bills_cache_writes(planned)),
        )
        current = (model.max_input_tokens, model.cache_ttl_minutes)
        if current == wanted and model.limits_source == Source.SPEC:
            continue
        if model.limits_source in KEPT:
            if current != wanted:
                report.skipped.append(
                    f"limits of {model_id}: kept {_limits_text(*current)} "
                    f"({model.get_limits_source_display().lower()}); the seed says {_limits_text(*wanted)}"
                )
            continue
        # A new model's defaults are not news: report only what differs from them, or from the table.
        shown_against = (None, DEFAULT_CACHE_TTL_MINUTES) if model_id in new_models else current
        if wanted != shown_against:
            report.added_limits.append(f"{model_id} {_limits_text(*wanted)}")
        if not dry_run:
            LanguageModel.objects.filter(pk=model_id).update(
                max_input_tokens=wanted[0], cache_ttl_minutes=wanted[1], limits_source=Source.SPEC
            )
        model.max_input_tokens, model.cache_ttl_minutes, model.limits_source = (*wanted, Source.SPEC)


def sync_api_surfaces(report: SyncReport, dry_run: bool) -> None:
    surfaces = {surface.key: surface for surface in ApiSurface.objects.select_related("edited_by")}
    for planned in seed.SEED_API_SURFACES:
        wanted = {
            "name": planned.name,
            "shutdown_date": planned.shutdown_date,
            "successor_id": planned.successor,
        }
        surface = surfaces.get(planned.key)
        description = f"{planned.key} {_lifecycle_text(planned.shutdown_date, planned.successor)}"
        if surface is None:
            report.added_surfaces.append(description)
            if not dry_run:
                ApiSurface.objects.create(key=planned.key, source=Source.SPEC, **wanted)
            continue
        if all(getattr(surface, name) == value for name, value in wanted.items()):
            continue
        if surface.source != Source.SPEC:
            report.skipped.append(
                f"API surface {planned.key}: kept "
                f"{_lifecycle_text(surface.shutdown_date, surface.successor_id)} "
                f"({surface.describe_source()}); the cost model says "
                f"{_lifecycle_text(planned.shutdown_date, planned.successor)}"
            )
            continue
        report.added_surfaces.append(description)
        if not dry_run:
            ApiSurface.objects.filter(pk=planned.key).update(**wanted)


def sync_default_model(report: SyncReport, models: dict[str, LanguageModel], dry_run: bool) -> None:
    """Seed the default model, or move a seeded default to the seed's choice; an admin's choice stays."""
    current = next((model for model in models.values() if model.is_default), None)
    if seed.DEFAULT_MODEL not in models or (current is not None and current.id == seed.DEFAULT_MODEL):
        return
    if current is not None and current.default_source in KEPT:
        return
    report.default_model = seed.DEFAULT_MODEL + (f" (was {current.id}, seeded)" if current else "")
    if not dry_run:
        LanguageModel.objects.filter(is_default=True).update(is_default=False, default_source="")
        LanguageModel.objects.filter(pk=seed.DEFAULT_MODEL).update(
            is_default=True, default_source=Source.SPEC
        )
