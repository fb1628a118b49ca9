"""The estimator page: the form, the results for its inputs, and the notes beside both.

`estimator_page(data)` reads a request's inputs (a preset, then what was typed, then token counts),
validates them through the form (which delegates to `parse_workload`), prices them once and arranges
the results. A page with no inputs at all opens on the first preset, a realistic agent whose three ways
differ. The model picker's choices (every model with its prices) are built only when the form is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from estimator.forms import WorkloadForm, raw_inputs
from estimator.picker import does_not_reason, model_choices, tier_choices
from estimator.presets import PRESETS, PRESETS_BY_KEY, Preset
from estimator.price_changes import scheduled_effects
from estimator.results import ResultsView, results_view
from estimator.services import estimate_priced
from pricing.catalog import (
    PriceTableError,
    default_model_id,
    models_in_display_order,
    price_list,
    price_sheet_for,
    today,
)
from pricing.models import LanguageModel
from pricing.workload import INPUTS

# Where a note about the model may appear under its field, refreshed with every update.
NOTE_FIELDS = ("model", "reasoning_tokens_per_call")


@dataclass
class EstimatorPage:
    form: WorkloadForm
    results: ResultsView | None
    preset: str
    table_error: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    show_older: bool = False

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.form.errors_by_field

    def as_context(self) -> dict[str, Any]:
        errors = self.errors
        return {
            "form": self.form,
            "groups": self.form.groups(),
            "values": {name: self.form[name].value() for name in self.form.fields},
            "errors": errors,
            "results": self.results,
            "presets": PRESETS,
            "preset": self.preset,
            "table_error": self.table_error,
            "notes": self.notes,
            "note_fields": NOTE_FIELDS,
            "note_items": [(name, self.notes.get(name, "")) for name in NOTE_FIELDS],
            "show_older": self.show_older,
            "error_count": sum(len(messages) for messages in errors.values()),
            "error_items": [
                (name, INPUTS[name].label if name in INPUTS else name, messages)
                for name, messages in errors.items()
            ],
        }


def _preset(data: Mapping[str, Any]) -> Preset | None:
    """The named preset; with no inputs at all, the first one (the page's default agent)."""
    key = data.get("preset") or ""
    if key in PRESETS_BY_KEY:
        return PRESETS_BY_KEY[key]
    return PRESETS[0] if not raw_inputs(data) and "preset" not in data else None


def _model_notes(model: LanguageModel | None, reasoning: object) -> dict[str, str]:
    notes = {}
    if model is not None and model.shutdown_date is not None:
        then = "was shut down" if model.shutdown_date <= today() else "shuts down"
        successor = f"; its successor is {model.successor_id}" if model.successor_id else ""
        notes["model"] = f"{model.id} {then} on {model.shutdown_date.isoformat()}{successor}."
    if does_not_reason(model) and str(reasoning or "0").strip() not in ("", "0"):
        assert model is not None
        notes["reasoning_tokens_per_call"] = (
            f"{model.id} does not reason: it writes no hidden reasoning tokens, so this is most likely 0 "
            "(priced as entered)."
        )
    return notes


def _tiers_offered(model: str) -> tuple[str, ...] | None:
    """The tiers `model` is priced in today; None when it is not in the table (its error says so)."""
    try:
        return tuple(price_sheet_for(model).service_tiers)
    except PriceTableError:
        return None


def estimator_page(
    data: Mapping[str, Any], overrides: Mapping[str, str] | None = None, *, with_form: bool = True
) -> EstimatorPage:
    """The form and results for a request's inputs (GET query or POST body).

    `preset=<key>` starts from that preset; typed inputs win over it, and `overrides` (token counts) win
    over both. Bad inputs come back as per-field errors with every typed value kept.
    """
    preset = _preset(data)
    merged = {**(preset.inputs if preset else {}), **raw_inputs(data), **(overrides or {})}
    table_error = ""
    try:
        default_model = default_model_id()
    except PriceTableError as exc:
        default_model, table_error = "", str(exc)
    form = WorkloadForm(merged, default_model=default_model)
    results = None
    if form.is_valid():
        assert form.sheet is not None and form.workload is not None
        results = results_view(estimate_priced(form.sheet, form.workload))
        results.scheduled = scheduled_effects(results.estimate)
    show_older = bool(data.get("older_models"))
    chosen = form["model"].value()
    models = models_in_display_order() if with_form else list(LanguageModel.objects.filter(pk=chosen))
    model = next((m for m in models if m.id == chosen), None)
    if with_form:
        sheets = {sheet["model"]: sheet for sheet in price_list()["models"]}
        form.offer_models(model_choices(models, sheets, chosen, today(), show_older))
    form.offer_tiers(*tier_choices(_tiers_offered(chosen), chosen))
    return EstimatorPage(
        form=form,
        results=results,
        preset=preset.key if preset else "",
        table_error=table_error,
        notes=_model_notes(model, form["reasoning_tokens_per_call"].value()),
        show_older=show_older,
    )
