"""Money and counts as the pages and the CLI write them: $1,234.56 for figures, every digit of a rate
($0.075), expected counts with one decimal at most (8,755.2)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pricing.sheet import decimal_str


def round_half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def expected_count(value: Decimal | int | str | None) -> str:
    """An expected count for reading: 11,200 or 8,755.2 (one decimal at most, rounded half up)."""
    if value is None or value == "":
        return ""
    number = round_half_up(Decimal(value), 1)
    text = f"{number:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def usd(value: object) -> str:
    """$1,234.56 for a dollar or more; small amounts keep 4 significant digits ($0.01181)."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount == 0:
        return "$0.00"
    if amount >= 1:
        return f"{sign}${round_half_up(amount, 2):,.2f}"
    # Below a dollar: enough places for 4 significant digits, at least 2, at most 8.
    places = min(8, max(2, 3 - amount.adjusted()))
    text = f"{round_half_up(amount, places):,.{places}f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{round_half_up(amount, 2):.2f}"
    return f"{sign}${text}"


def price(value: object) -> str:
    """A rate in dollars, every digit kept: $2, $2.50, $0.075, $1,250 ("none" when there is no price)."""
    if value is None or value == "":
        return "none"
    text = decimal_str(value if isinstance(value, Decimal) else Decimal(str(value)))
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-')):,}"
    if fraction:
        fraction = "." + fraction.ljust(2, "0")
    return f"{sign}${whole}{fraction}"
