"""The facts the "How we calculate" page shows that come from code, not prose: every input and its range."""

from __future__ import annotations

from estimator.forms import display_value, range_text
from pricing.engine import BREAKDOWN_CATEGORIES, CACHE_MIN_TOKENS
from pricing.models import ApiSurface, LanguageModel
from pricing.workload import FIELDS, GROUPS


def how_we_calculate_context() -> dict:
    groups = []
    for key, title in GROUPS:
        rows = []
        for spec in FIELDS:
            if spec.group != key:
                continue
            if spec.kind == "model":
                default = "the price table's default model"
            elif spec.default is None:
                default = "none"
            else:
                default = display_value(spec, spec.default)
            allowed = ", ".join(spec.choices) if spec.choices else range_text(spec)
            if spec.kind == "bool":
                allowed = "yes or no"
            if spec.kind == "histogram":
                allowed = "1 to 100 turns:share pairs, turns 1 to 1,000"
            rows.append({"spec": spec, "default": default, "allowed": allowed})
        groups.append({"key": key, "title": title, "rows": rows})
    gpt41_window = LanguageModel.objects.filter(pk="gpt-4.1").values_list("context_window", flat=True).first()
    assistants = ApiSurface.objects.filter(pk="assistants").values_list("shutdown_date", flat=True).first()
    return {
        "assistants_shutdown": assistants,
        "input_groups": groups,
        "gpt41_window": gpt41_window,
        "cache_min_tokens": CACHE_MIN_TOKENS,
        "breakdown_categories": BREAKDOWN_CATEGORIES,
    }
