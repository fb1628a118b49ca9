"""Display helpers: money with $ and separators, exact decimals for data-value, the footer's prices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import template
from django.forms.boundfield import BoundField
from django.http import QueryDict

from estimator.money import expected_count, price, round_half_up, usd
from estimator.verdict import approach_name
from pricing import catalog
from pricing.engine.approaches import short_label
from pricing.models import FIRST_LISTED
from pricing.sheet import decimal_str
from pricing.workload import INPUTS

register = template.Library()
register.filter("usd", usd)
register.filter("count", expected_count)
register.filter("price", price)


@register.filter
def exact(value: object) -> str:
    """The exact value for data-value: decimals without exponent or trailing zeros, ints as they are."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_str(value)
    return str(value)


@register.filter
def thousands(value: int | Decimal | str | None) -> str:
    if value is None or value == "":
        return ""
    return f"{value:,}"


@register.filter
def thousands_text(value: str) -> str:
    """An exact number written out with thousands separators: 1047576 -> 1,047,576, 1.5 stays 1.5."""
    whole, dot, fraction = str(value).partition(".")
    return f"{int(whole):,}{dot}{fraction}" if whole.lstrip("-").isdigit() else str(value)


@register.filter
def one_decimal(value: Decimal | int | str | None) -> str:
    if value is None:
        return ""
    return f"{round_half_up(Decimal(value), 1):,.1f}"


@register.simple_tag
def price_freshness() -> dict[str, Any]:
    """The version and date of the prices in force, and how fresh they are, for every page's footer."""
    return catalog.price_table_freshness()


@register.filter
def signed_pct(value: Decimal | int | None) -> str:
    """A change in percent with its sign: +5.0 %, −3.2 %, no change."""
    if value is None:
        return "from nothing"
    number = round_half_up(Decimal(value), 1)
    if number == 0:
        return "no change"
    return f"{'+' if number > 0 else '−'}{abs(number):,.1f} %"


@register.filter
def since(value: date | None) -> str:
    """A row's start date; rows with no known start (genai-prices lists no date) say so."""
    if value is None:
        return ""
    if value.isoformat() == FIRST_LISTED:
        return "as first listed"
    return value.isoformat()


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def approach_subject(key: str) -> str:
    """The way as the subject of a sentence: "The Responses API", "Your own loop"."""
    return approach_name(key, start=True)


@register.filter(name="approach_name")
def approach_in_a_sentence(key: str) -> str:
    """The way inside a sentence: "the Responses API", "your own loop"."""
    return approach_name(key)


@register.filter
def approach_short(key: str) -> str:
    return short_label(key)


@register.filter
def with_model(query: str, model: str) -> str:
    """The same inputs as a query string, with another model."""
    values = QueryDict(query, mutable=True)
    values["model"] = model
    return values.urlencode()


@register.filter
def oob_widget(bound: BoundField) -> str:
    """A form field's input, marked to replace the one on the page out of band (a counted token field)."""
    return bound.as_widget(attrs={"hx-swap-oob": "true", "class": "just-counted"})


@register.filter
def input_label(name: str) -> str:
    """An input's label, as the form shows it ("Turns per conversation", not `turns_per_session`)."""
    spec = INPUTS.get(name)
    return spec.label if spec else name


@register.filter
def input_unit(name: str) -> str:
    spec = INPUTS.get(name)
    return spec.unit if spec else ""
