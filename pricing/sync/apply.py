"""`sync_prices`: add the models, dated prices and tool fees the table lacks; never delete or override.

Each new row is validated by the model's own `full_clean()` (the rules admin and import use), against
the table as it was when the sync started (`series_snapshot`): so the past is frozen the same way
everywhere. A row whose numbers the source has since changed is kept as it is. Both are reported.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from pricing.memo import price_table_changed
from pricing.models import (
    FIRST_LISTED,
    LanguageModel,
    Source,
    SyncRun,
    TokenPrice,
    ToolFee,
    series_snapshot,
)
from pricing.sheet import decimal_str
from pricing.sync import lifecycles, plan, seed
from pricing.sync.report import SyncReport, price_differences


def _refusal(instance: models.Model) -> str | None:
    """Why the table refuses a row, in its own words, or None ("model" is checked by the caller)."""
    try:
        instance.full_clean(exclude={"model"}, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
    return None


def _kept_reason(row: TokenPrice, version: str, differences: list[str]) -> str:
    change = ", ".join(differences)
    if row.source in (Source.ADMIN, Source.IMPORT):
        return f"kept the row {row.describe_source()} (genai-prices {version} says {change})"
    return (
        f"genai-prices {version} lists other prices for this date than the row from "
        f"{row.describe_source()} ({change}); kept the existing row because estimates may have used it. "
        "To change the price, add a new row from a date in the admin"
    )


@transaction.atomic
def sync_prices(plan_models: list[plan.PlannedModel] | None = None, *, dry_run: bool = False) -> SyncReport:
    """Add what the table lacks from genai-prices (or `plan_models`) and the project's seed data."""
    version = plan.genai_prices_version()
    plan_models = plan.plan_from_genai_prices() if plan_models is None else plan_models
    report = SyncReport(version=version, dry_run=dry_run)
    now = timezone.now()
    models_by_id = {model.id: model for model in LanguageModel.objects.all()}
    with series_snapshot(TokenPrice, ToolFee):
        new_models = _sync_models(report, plan_models, models_by_id, version, dry_run)
        _sync_token_prices(report, plan_models, version, now, dry_run)
        _sync_tool_fees(report, now, dry_run)
    lifecycles.sync_lifecycles(report, models_by_id, dry_run)
    lifecycles.sync_limits(report, models_by_id, new_models, plan_models, dry_run)
    lifecycles.sync_api_surfaces(report, dry_run)
    lifecycles.sync_default_model(report, models_by_id, dry_run)
    if not dry_run:
        # Lifecycles, limits and the default model are written with queryset updates: no signals.
        price_table_changed()
        SyncRun.objects.create(
            finished_at=timezone.now(),
            genai_prices_version=version,
            added_models=len(report.added_models),
            added_prices=len(report.added_prices),
            added_fees=len(report.added_fees),
            seeded_lifecycles=len(report.added_lifecycle),
            skipped=len(report.skipped),
            report="\n".join([*report.lines(), report.summary()]),
        )
    return report


def _sync_models(
    report: SyncReport,
    plan_models: list[plan.PlannedModel],
    models_by_id: dict[str, LanguageModel],
    version: str,
    dry_run: bool,
) -> set[str]:
    """Add the planned models the table lacks; report a window or tokenizer the source now disagrees on."""
    added = set()
    for planned in plan_models:
        model = models_by_id.get(planned.id)
        if model is not None:
            for name in ("context_window", "encoding"):
                if getattr(model, name) != getattr(planned, name):
                    report.skipped.append(
                        f"{planned.id}: kept {name} {getattr(model, name)} (genai-prices {version} says "
                        f"{getattr(planned, name)}): changing it would re-price past estimates"
                    )
            continue
        model = LanguageModel(
            id=planned.id,
            name=planned.name,
            family=planned.family,
            context_window=planned.context_window,
            encoding=planned.encoding,
            source=Source.GENAI_PRICES,
            source_version=version,
        )
        report.added_models.append(planned.id)
        models_by_id[planned.id] = model
        added.add(planned.id)
        if not dry_run:
            model.save(force_insert=True)
    return added


def _sync_token_prices(
    report: SyncReport, plan_models: list[plan.PlannedModel], version: str, now: datetime, dry_run: bool
) -> None:
    existing = {
        (row.model_id, row.service_tier, row.effective_from): row
        for row in TokenPrice.objects.select_related("edited_by")
    }
    rechecked: list[int] = []
    for price in (price for planned in plan_models for price in planned.prices):
        label = f"{price.model} {price.service_tier} from {price.effective_from}"
        row = existing.get((price.model, price.service_tier, price.effective_from))
        if row is not None:
            differences = price_differences(row, price.values())
            if differences:
                report.skipped.append(f"{label}: {_kept_reason(row, version, differences)}")
            else:
                report.unchanged += 1
                rechecked.append(row.pk)
            continue
        candidate = TokenPrice(
            model_id=price.model,
            service_tier=price.service_tier,
            effective_from=price.effective_from,
            source=Source.GENAI_PRICES,
            source_version=version,
            checked_at=now,
            **price.values(),
        )
        refusal = _refusal(candidate)
        if refusal:
            report.skipped.append(f"{label}: genai-prices {version} lists a row the table refuses: {refusal}")
            continue
        report.added_prices.append(label)
        if not dry_run:
            candidate.save(force_insert=True)
    if rechecked and not dry_run:
        TokenPrice.objects.filter(pk__in=rechecked).update(checked_at=now)


def _sync_tool_fees(report: SyncReport, now: datetime, dry_run: bool) -> None:
    fees = {(fee.key, fee.effective_from): fee for fee in ToolFee.objects.select_related("edited_by")}
    keys = {key for key, _ in fees}
    first_listed = date.fromisoformat(FIRST_LISTED)
    rechecked = []
    for key, amount in seed.SEED_TOOL_FEES.items():
        if key not in keys:
            report.added_fees.append(f"{key} = {amount}")
            if not dry_run:
                ToolFee.objects.create(key=key, amount=amount, source=Source.SPEC, checked_at=now)
            continue
        row = fees.get((key, first_listed))
        if row is None:
            continue
        if row.amount == amount:
            report.unchanged += 1
            rechecked.append(row.pk)
        else:
            report.skipped.append(
                f"{key} from {first_listed}: kept {decimal_str(row.amount)} ({row.describe_source()}); "
                f"the cost model says {decimal_str(amount)}"
            )
    if rechecked and not dry_run:
        ToolFee.objects.filter(pk__in=rechecked).update(checked_at=now)
