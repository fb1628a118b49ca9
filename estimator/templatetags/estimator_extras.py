"""Display helpers: money with $ and separators, exact decimals for data-value, the footer's prices."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from pricing import catalog
from pricing.sheet import decimal_str

register = template.Library()


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@register.filter
def usd(value: Decimal | int | str | None) -> str:
    """$1,234.56 for a dollar or more; small amounts keep 4 significant digits ($0.01181)."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount == 0:
        return "$0.00"
    if amount >= 1:
        return f"{sign}${_round(amount, 2):,.2f}"
    # Below a dollar: enough places for 4 significant digits, at least 2, at most 8.
    places = min(8, max(2, 3 - amount.adjusted()))
    text = f"{_round(amount, places):,.{places}f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{_round(amount, 2):.2f}"
    return f"{sign}${text}"


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
def count(value: Decimal | int | str | None) -> str:
    """An expected count for reading: 11,200 or 8,755.2 (one decimal at most; data-value keeps all)."""
    if value is None or value == "":
        return ""
    number = _round(Decimal(value), 1)
    text = f"{number:,.1f}"
    return text[:-2] if text.endswith(".0") else text


@register.filter
def one_decimal(value: Decimal | int | str | None) -> str:
    if value is None:
        return ""
    return f"{_round(Decimal(value), 1):,.1f}"


@register.simple_tag
def price_freshness() -> dict:
    """The version and date of the prices in force, and how fresh they are, for every page's footer."""
    return catalog.price_table_freshness()
