"""The model picker and the tier menu: which models to offer, grouped as a user looks for them.

Current models come first; those OpenAI will shut down carry the date, and shut-down ones sit last.
Older snapshots (dated ids such as gpt-4o-2024-05-13, and the models of a family OpenAI is retiring)
stay behind "show older models". Every option carries its input and output price, and a tier the model
does not offer is listed but disabled, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from estimator.money import price
from pricing.models import LanguageModel
from pricing.sheet import SERVICE_TIERS

# A dated snapshot of a model: gpt-3.5-turbo-0613, gpt-4o-2024-05-13.
SNAPSHOT = re.compile(r"-(?:\d{4}|\d{4}-\d{2}-\d{2})$")
# Families whose models write no hidden reasoning: reasoning tokens set for them are most likely a
# mistake. Anything else (o-series, gpt-5 and later, gpt-oss, codex) may reason.
NON_REASONING_FAMILIES = frozenset({"gpt-3.5", "gpt-4", "gpt-4o", "gpt-4.1"})
TIER_LABELS = {"standard": "Standard", "flex": "Flex (slower, cheaper)", "fast": "Fast (priority)"}


@dataclass(frozen=True, slots=True)
class ModelOption:
    value: str
    label: str


def older_model_ids(models: list[LanguageModel]) -> set[str]:
    """Models with no shutdown date that a user rarely wants: dated snapshots, and the rest of a family
    whose main models OpenAI has scheduled for shutdown or shut down."""
    retiring_families = {model.family for model in models if model.shutdown_date and model.family}
    return {
        model.id
        for model in models
        if model.shutdown_date is None and (SNAPSHOT.search(model.id) or model.family in retiring_families)
    }


def does_not_reason(model: LanguageModel | None) -> bool:
    if model is None:
        return False
    return model.family in NON_REASONING_FAMILIES or "chat" in (model.name or model.id).lower()


def _price_text(sheet: dict[str, Any] | None) -> str:
    if sheet is None:
        return "no price today"
    rates = sheet["service_tiers"]["standard"]
    return f"{price(Decimal(rates['input_per_mtok']))} in / {price(Decimal(rates['output_per_mtok']))} out"


def model_choices(
    models: list[LanguageModel],
    sheets: dict[str, dict[str, Any]],
    selected: str,
    today: date,
    show_older: bool,
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a Django select: (group label, [(model id, label), ...]), in display order.

    The selected model is always offered, in its own group even when older models are hidden."""
    older = older_model_ids(models)
    groups: dict[str, list[tuple[str, str]]] = {
        "Current models": [],
        "Shutdown scheduled": [],
        "Shut down": [],
        "Older models": [],
    }
    for model in models:
        price = _price_text(sheets.get(model.id))
        if model.shutdown_date is not None and model.shutdown_date <= today:
            group, label = "Shut down", f"{model.id} (shut down {model.shutdown_date.isoformat()}) · {price}"
        elif model.shutdown_date is not None:
            group = "Shutdown scheduled"
            label = f"{model.id} (shuts down {model.shutdown_date.isoformat()}) · {price}"
        elif model.id in older:
            if not show_older and model.id != selected:
                continue
            group, label = "Older models", f"{model.id} · {price}"
        else:
            group, label = "Current models", f"{model.id} · {price}"
        groups[group].append((model.id, label))
    return [(name, options) for name, options in groups.items() if options]


def tier_choices(offered: tuple[str, ...] | None, model: str) -> tuple[list[tuple[str, str]], set[str]]:
    """Every tier, and the ones `model` lacks (disabled, the label says why); None offers every tier."""
    lacking = set() if offered is None else {tier for tier in SERVICE_TIERS if tier not in offered}
    choices = [
        (tier, TIER_LABELS[tier] + (f": not offered for {model}" if tier in lacking else ""))
        for tier in SERVICE_TIERS
    ]
    return choices, lacking
