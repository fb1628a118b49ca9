"""The one number parser behind every entry point: the API (JSON and query strings), the form and the CLI.

Text is read the way a person types a number and nothing more liberal: ASCII digits only, one dot for
decimals, and `,` or `_` only as thousands separators in their valid places (`1,000`, `1_000`,
`12,345.5`). `1,5` is refused with a hint rather than read as 15, and Unicode digits (`١٢`, `１０`, `²`)
are refused rather than read as numbers. JSON numbers arrive as `int` or `Decimal` (the API parses
floats as Decimal) and are taken as they are.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MAX_TEXT_LENGTH = 40

# A sign, then digits either plain or grouped in threes by one kind of separator, then a decimal part.
_PLAIN = r"[0-9]+"
_GROUPED = r"[0-9]{1,3}(?:(?P<sep>[,_])[0-9]{3})(?:(?P=sep)[0-9]{3})*"
NUMBER = re.compile(
    rf"(?P<sign>[+-]?)(?P<int>{_GROUPED}|{_PLAIN})?(?:\.(?P<frac>[0-9]+))?(?P<exp>[eE][+-]?[0-9]{{1,10}})?"
)
NOT_FINITE = {"nan", "snan", "inf", "infinity"}
# "1,5", "0,25", "1.000,5": one comma that cannot be a thousands separator is a decimal comma.
DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+(?:\.[0-9]{3})*,[0-9]+")


class NumberError(ValueError):
    """The text is not a number as this project reads them; the message says why, in our words."""


def _number_text(text: str, *, whole: bool) -> str:
    """The canonical digits of `text` (separators removed), or NumberError."""
    stripped = text.strip()
    kind = "a whole number" if whole else "a number"
    if not stripped or len(stripped) > MAX_TEXT_LENGTH:
        raise NumberError(f"must be {kind}.")
    if not stripped.isascii():
        raise NumberError(f"must be {kind} written with the digits 0-9.")
    if stripped.lstrip("+-").lower() in NOT_FINITE:
        raise NumberError(f"must be {'a whole' if whole else 'a finite'} number.")
    match = NUMBER.fullmatch(stripped)
    if match is None or (match["int"] is None and match["frac"] is None):
        if DECIMAL_COMMA.fullmatch(stripped):
            raise NumberError("use a dot for decimals (1.5, not 1,5).")
        if "," in stripped or "_" in stripped:
            raise NumberError(f"must be {kind}: commas or underscores only between thousands (1,000).")
        raise NumberError(f"must be {kind}.")
    if whole and (match["frac"] is not None or match["exp"] is not None):
        raise NumberError("must be a whole number.")
    digits = (match["int"] or "0").replace(",", "").replace("_", "")
    fraction = f".{match['frac']}" if match["frac"] is not None else ""
    return f"{match['sign']}{digits}{fraction}{match['exp'] or ''}"


def parse_whole_number(raw: object) -> int:
    """An int from JSON (int, or an integral Decimal/float) or from typed text."""
    if isinstance(raw, bool):
        raise NumberError("must be a whole number, not true/false.")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, (Decimal, float)):
        number = raw if isinstance(raw, Decimal) else Decimal(repr(raw))
        if not number.is_finite() or number != number.to_integral_value():
            raise NumberError("must be a whole number.")
        return int(number)
    if isinstance(raw, str):
        return int(_number_text(raw, whole=True))
    raise NumberError("must be a whole number.")


def parse_decimal(raw: object) -> Decimal:
    """An exact Decimal from JSON (int, Decimal, float by its shortest repr) or from typed text."""
    if isinstance(raw, bool):
        raise NumberError("must be a number, not true/false.")
    if isinstance(raw, (int, Decimal)):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw))
    elif isinstance(raw, str):
        try:
            number = Decimal(_number_text(raw, whole=False))
        except InvalidOperation:  # pragma: no cover - the grammar above only lets valid text through
            raise NumberError("must be a number.") from None
    else:
        raise NumberError("must be a number.")
    if not number.is_finite():
        raise NumberError("must be a finite number.")
    return number
