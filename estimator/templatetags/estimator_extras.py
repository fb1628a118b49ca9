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
def usd(value) -> str:
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
def exact(value) -> str:
    """The exact value for data-value: decimals without exponent or trailing zeros, ints as they are."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_str(value)
    return str(value)


@register.filter
def thousands(value) -> str:
    if value is None or value == "":
        return ""
    return f"{value:,}"


@register.filter
def one_decimal(value) -> str:
    if value is None:
        return ""
    return f"{_round(Decimal(value), 1):,.1f}"


@register.simple_tag
def price_freshness() -> dict | None:
    """The version and date of the prices in force, for the footer of every page."""
    freshness = getattr(catalog, "price_table_freshness", None)
    if freshness is not None:
        try:
            found = freshness()
        except Exception:  # noqa: BLE001 - a footer must never break a page
            found = None
        if found:
            return _freshness_dict(found)
    try:
        sheet = catalog.price_sheet_for(catalog.default_model_id())
    except catalog.PriceTableError:
        return None
    return {"version": sheet.version, "as_of": sheet.as_of}


def _freshness_dict(found) -> dict | None:
    """Accept a dict or an object with version/as_of (the other engineer's function's shape)."""
    get = found.get if isinstance(found, dict) else lambda key: getattr(found, key, None)
    version = get("version")
    as_of = get("as_of") or get("checked_at") or get("date")
    if not version:
        return None
    return {"version": version, "as_of": as_of}
