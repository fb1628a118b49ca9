"""The estimator form: which raw values to read from a request and how to show every input.

Parsing is not done here: `pricing.workload.parse_workload` (through `estimator.services`) is the one
place that decides what a valid input is, so the page, the API and the CLI give the same messages.
This module only turns `pricing.workload.FIELDS` into rows a template can render, each with the
value the user typed (never lost, even when it is wrong) and that field's errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pricing.catalog import today
from pricing.models import LanguageModel
from pricing.sheet import decimal_str
from pricing.workload import FIELDS, FIELDS_BY_NAME, GROUPS, InputField

# Groups a first-time user needs; the others start collapsed.
OPEN_GROUPS = frozenset({"traffic", "conversation", "tools"})
BOOL_CHOICES = (("true", "Yes"), ("false", "No"))
CHOICE_LABELS = {
    "standard": "Standard",
    "flex": "Flex (slower, cheaper)",
    "fast": "Fast (priority)",
    "auto": "auto (drop the oldest when full)",
    "geometric": "Spread around the mean (geometric)",
    "fixed": "All the same length",
    "histogram": "My own histogram",
    "last_messages": "last_messages (keep the newest N)",
}
TOKEN_FIELDS = (
    "system_prompt_tokens",
    "tool_schema_tokens",
    "user_message_tokens",
    "assistant_reply_tokens",
)


def raw_inputs(data: Mapping[str, Any]) -> dict[str, Any]:
    """The workload inputs present in a QueryDict (GET or POST); other keys (csrf, preset) are ignored."""
    return {spec.name: data.get(spec.name) for spec in FIELDS if spec.name in data}


def parsed_inputs(raw: dict) -> dict:
    """What the form asks the estimator for: the length box and the histogram box are alternatives, so
    only the one the chosen distribution reads is sent (the other keeps its text on the page)."""
    inputs = dict(raw)
    if str(inputs.get("turns_distribution", "")).strip() == "histogram":
        inputs.pop("turns_per_session", None)
    else:
        inputs.pop("turns_histogram", None)
    return inputs


def display_value(spec: InputField, value: Any) -> str:  # the field's kind decides (a histogram: pairs)
    if value is None:
        return ""
    if spec.kind == "histogram":
        return ", ".join(f"{turns}:{weight}" for turns, weight in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_str(value)
    return str(value)


def _range_text(spec: InputField) -> str:
    if spec.kind not in ("int", "decimal", "optional_int"):
        return ""
    low = f"{spec.minimum:,}"
    if spec.open_ended:
        return f"{'more than' if spec.minimum_exclusive else 'at least'} {low}"
    return f"{'above ' if spec.minimum_exclusive else ''}{low} to {spec.maximum:,}"


@dataclass
class ModelOption:
    value: str
    label: str
    selected: bool


@dataclass
class FieldRow:
    name: str
    label: str
    unit: str
    help: str
    kind: str
    value: str
    default: str
    range_text: str
    errors: list[str]
    choices: list[tuple[str, str]] = field(default_factory=list)
    current_models: list[ModelOption] = field(default_factory=list)
    retiring_models: list[ModelOption] = field(default_factory=list)
    retired_models: list[ModelOption] = field(default_factory=list)

    @property
    def input_id(self) -> str:
        return f"id_{self.name}"

    @property
    def widget(self) -> str:
        if self.kind in ("bool", "choice"):
            return "select"
        if self.kind == "model":
            return "model"
        if self.kind == "histogram":
            return "text"
        return "number"

    @property
    def step(self) -> str:
        return "1" if self.kind in ("int", "optional_int") else "any"

    @property
    def inputmode(self) -> str:
        return "numeric" if self.kind in ("int", "optional_int") else "decimal"


@dataclass
class FieldGroup:
    key: str
    title: str
    open: bool
    rows: list[FieldRow]

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)


def model_options(
    models: list[LanguageModel], selected: str, today: date
) -> tuple[list[ModelOption], list[ModelOption], list[ModelOption]]:
    """Current models, those with a shutdown scheduled, and those shut down, each labelled with its date."""
    current, retiring, retired = [], [], []
    for model in models:
        if model.shutdown_date is None:
            current.append(ModelOption(model.id, model.id, model.id == selected))
        elif model.shutdown_date > today:
            label = f"{model.id} (shuts down {model.shutdown_date.isoformat()})"
            retiring.append(ModelOption(model.id, label, model.id == selected))
        else:
            label = f"{model.id} (shut down {model.shutdown_date.isoformat()})"
            retired.append(ModelOption(model.id, label, model.id == selected))
    return current, retiring, retired


def build_groups(
    values: dict[str, str],
    errors: dict[str, list[str]],
    models: list[LanguageModel],
    default_model: str,
) -> list[FieldGroup]:
    """Every input as a row, grouped as in `GROUPS`; `values` holds what to show (typed or default)."""
    rows_by_group: dict[str, list[FieldRow]] = {key: [] for key, _ in GROUPS}
    for spec in FIELDS:
        if spec.kind == "model":
            default = default_model
        elif spec.kind == "int":
            default = f"{spec.default:,}"
        elif spec.kind == "bool":
            default = "yes" if spec.default else "no"
        else:
            default = display_value(spec, spec.default)
        row = FieldRow(
            name=spec.name,
            label=spec.label,
            unit=spec.unit,
            help=spec.help,
            kind=spec.kind,
            value=values.get(spec.name, default) or ("" if spec.kind != "model" else default),
            default=default if default != "" else "none",
            range_text=_range_text(spec),
            errors=errors.get(spec.name, []),
        )
        if spec.kind == "bool":
            row.choices = list(BOOL_CHOICES)
        elif spec.kind == "choice":
            row.choices = [(choice, CHOICE_LABELS.get(choice, choice)) for choice in spec.choices]
        elif spec.kind == "model":
            row.current_models, row.retiring_models, row.retired_models = model_options(
                models, row.value, today()
            )
        rows_by_group[spec.group].append(row)
    return [
        FieldGroup(
            key, title, key in OPEN_GROUPS or any(r.errors for r in rows_by_group[key]), rows_by_group[key]
        )
        for key, title in GROUPS
    ]


def form_values(raw: dict, workload_values: dict | None) -> dict[str, str]:
    """What each input shows: the typed text when there is one, else the parsed (or preset) value."""
    shown = {}
    if workload_values:
        for name, value in workload_values.items():
            if name in FIELDS_BY_NAME:
                shown[name] = display_value(FIELDS_BY_NAME[name], value)
    for name, value in raw.items():
        shown[name] = "" if value is None else str(value)
    return shown
