"""The estimator form: a Django form generated from the `Workload` model's inputs.

Every input of `pricing.workload.INPUTS` becomes a form field with its label, unit, help, range and
group. Fields take text as typed: parsing is not done here but in `clean()`, which hands the raw values to
`estimator.services.workload_and_sheet` (and so to `pricing.workload.parse_workload`), the one place that
decides what a valid input is, so the page, the API and the CLI give the same messages. A bound field
shows what the user typed (never lost, even when wrong), else the parsed or default value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.forms.boundfield import BoundField

from estimator.services import EstimateInputError, workload_and_sheet
from pricing.sheet import PriceSheet, decimal_str
from pricing.workload import FIELDS, GROUPS, INPUTS, InputField, Workload

BOOL_CHOICES = (("true", "Yes"), ("false", "No"))
CHOICE_LABELS = {
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
# Always open: what every agent has (its traffic, its conversations, its tools) and the engineering
# cost that is in every verdict. The others open when the workload uses them.
BASE_GROUPS = frozenset({"traffic", "conversation", "tools", "build"})


def raw_inputs(data: Mapping[str, Any]) -> dict[str, Any]:
    """The workload inputs present in a QueryDict (GET or POST); other keys (csrf, preset) are ignored."""
    return {spec.name: data.get(spec.name) for spec in FIELDS if spec.name in data}


def parsed_inputs(raw: dict[str, Any]) -> dict[str, Any]:
    """What the form asks the estimator for: the length box and the histogram box are alternatives, so
    only the one the chosen distribution reads is sent (the other keeps its text on the page)."""
    inputs = dict(raw)
    if str(inputs.get("turns_distribution", "")).strip() == "histogram":
        inputs.pop("turns_per_session", None)
    else:
        inputs.pop("turns_histogram", None)
    return inputs


DEFAULTS = Workload().to_dict()


def inputs_as_query(inputs: dict[str, Any], *, only_changed: bool = False) -> dict[str, str]:
    """The inputs as a query string carries them: the histogram as `turns:weight` pairs, no nulls.
    `only_changed` leaves out inputs at their default (the model always stays): the same estimate in
    a shorter URL, for the charts a page links three times over."""
    values = {}
    for name, value in inputs.items():
        if value is None or (only_changed and name != "model" and value == DEFAULTS.get(name)):
            continue
        if name == "turns_histogram":
            value = ",".join(f"{turns}:{weight}" for turns, weight in value)
        values[name] = "true" if value is True else "false" if value is False else str(value)
    return values


def display_value(spec: InputField, value: object) -> str:
    if value is None:
        return ""
    if spec.kind == "histogram":
        return ", ".join(f"{turns}:{weight}" for turns, weight in value)  # type: ignore[attr-defined]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_str(value)
    return str(value)


def range_text(spec: InputField) -> str:
    if spec.kind not in ("int", "decimal", "optional_int"):
        return ""
    low = f"{spec.minimum:,}"
    if spec.open_ended:
        return f"{'more than' if spec.minimum_exclusive else 'at least'} {low}"
    return f"{'above ' if spec.minimum_exclusive else ''}{low} to {spec.maximum:,}"


def default_text(spec: InputField, default_model: str) -> str:
    if spec.kind == "model":
        return default_model or "none"
    if spec.kind == "int":
        return f"{spec.default:,}"
    if spec.kind == "bool":
        return "yes" if spec.default else "no"
    return display_value(spec, spec.default) or "none"


class OptionSelect(forms.Select):
    """A select whose options in `disabled` are listed but cannot be chosen (the label says why)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.disabled: set[str] = set()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # type: ignore[no-untyped-def]
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.disabled and not selected:
            option["attrs"]["disabled"] = True
        return option


class InputBoundField(BoundField):
    def value(self) -> str:
        """What the user typed when there is something, else the parsed (or default) value."""
        form, field = cast(WorkloadForm, self.form), cast(WorkloadField, self.field)
        typed = form.data.get(self.name)
        if typed is not None and (typed != "" or field.spec.kind != "model"):
            return str(typed)
        return form.shown.get(self.name, "")


class WorkloadField(forms.CharField):
    """One input, as typed text; its metadata comes from the Workload model."""

    bound_field_class = InputBoundField

    def __init__(self, spec: InputField, default: str):
        self.spec = spec
        self.unit = spec.unit
        self.group = spec.group
        self.range_text = range_text(spec)
        self.default_text = default
        described = {"aria-describedby": f"help-{spec.name} err-{spec.name}"}
        if spec.kind in ("bool", "choice", "model"):
            widget: forms.Widget = OptionSelect(attrs=described)
        else:
            numeric = spec.kind in ("int", "optional_int")
            attrs = {**described, "autocomplete": "off"}
            if spec.kind == "histogram":
                attrs.update(spellcheck="false", placeholder="1:40, 2:25, 10:5")
            else:
                attrs["inputmode"] = "numeric" if numeric else "decimal"
            widget = forms.TextInput(attrs=attrs)
        super().__init__(label=spec.label, help_text=spec.help, required=False, strip=False, widget=widget)
        # Text is checked once, by parse_workload in the form's clean(), in the project's words.
        self.validators = []
        # Field.__init__ keeps a copy of the widget: the choices go on that copy.
        if spec.kind == "bool":
            self.widget.choices = list(BOOL_CHOICES)
        elif spec.kind == "choice":
            self.widget.choices = [(c, CHOICE_LABELS.get(c, c)) for c in spec.choices]

    @property
    def kind(self) -> str:
        """The widget family, for the page's layout: number, select, model or text."""
        kinds = {"bool": "select", "choice": "select", "model": "model", "histogram": "text"}
        return kinds.get(self.spec.kind, "number")


@dataclass
class FieldGroup:
    key: str
    title: str
    open: bool
    fields: list[BoundField]

    @property
    def has_errors(self) -> bool:
        return any(field.errors for field in self.fields)


def _number(text: object) -> Decimal:
    try:
        return Decimal(str(text).replace(",", ""))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def groups_in_use(values: Mapping[str, object]) -> set[str]:
    """The groups that set the ways apart for these inputs: retrieval, code and your own loop's hosting."""
    used = set(BASE_GROUPS)
    if any(_number(values.get(name)) for name in ("file_search_calls_per_turn", "vector_store_gb")):
        used.add("retrieval")
    if _number(values.get("upload_gb_per_session")):
        used.add("retrieval")
    if _number(values.get("code_interpreter_calls_per_turn")):
        used.add("code")
    loop = ("retrieval_infra_usd_per_month", "sandbox_usd_per_hour", "history_limit_tokens")
    prunes = str(values.get("keep_tool_results_in_history", "")).strip().lower() in (
        "false",
        "0",
        "no",
        "off",
    )
    if used & {"retrieval", "code"} or prunes or any(_number(values.get(name)) for name in loop):
        used.add("loop")
    return used


class WorkloadForm(forms.Form):
    """Every workload input; valid when the estimator can price it (`workload` and `sheet` are set)."""

    def __init__(self, data: Mapping[str, Any], *, default_model: str = "") -> None:
        super().__init__(data)
        self.default_model = default_model
        for spec in FIELDS:
            self.fields[spec.name] = WorkloadField(spec, default_text(spec, default_model))
        self.workload: Workload | None = None
        self.sheet: PriceSheet | None = None
        self.shown: dict[str, str] = {
            spec.name: display_value(spec, spec.default) for spec in FIELDS if spec.kind != "model"
        }
        self.shown["model"] = default_model

    def clean(self) -> dict[str, Any]:
        try:
            self.workload, self.sheet = workload_and_sheet(parsed_inputs(raw_inputs(self.data)))
        except EstimateInputError as exc:
            for name, messages in exc.errors.items():
                self.add_error(name if name in self.fields else None, list(messages))
            return self.cleaned_data
        self.shown.update(
            (name, display_value(INPUTS[name], value)) for name, value in self.workload.to_dict().items()
        )
        self.shown["turns_histogram"] = display_value(
            INPUTS["turns_histogram"], self.workload.turns_histogram
        )
        return self.cleaned_data

    def offer_models(self, choices: list[tuple[str, list[tuple[str, str]]]]) -> None:
        self.fields["model"].widget.choices = choices

    def offer_tiers(self, choices: list[tuple[str, str]], lacking: set[str]) -> None:
        widget = self.fields["service_tier"].widget
        widget.choices = choices
        widget.disabled = lacking

    @property
    def errors_by_field(self) -> dict[str, list[str]]:
        return {name: [str(message) for message in messages] for name, messages in self.errors.items()}

    def groups(self) -> list[FieldGroup]:
        """Every input grouped as in `GROUPS`, those that matter for these inputs (or hold an error) open."""
        values = {name: self[name].value() for name in self.fields}
        in_use = groups_in_use(values)
        bound: dict[str, list[BoundField]] = {key: [] for key, _ in GROUPS}
        for spec in FIELDS:
            bound[spec.group].append(self[spec.name])
        return [
            FieldGroup(key, title, key in in_use or any(f.errors for f in bound[key]), bound[key])
            for key, title in GROUPS
        ]
