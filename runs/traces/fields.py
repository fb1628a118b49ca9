"""Typed reads of one field of a parsed record: a wrong type is a `TraceFormatError` naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from runs.traces.records import TraceFormatError

MAX_TOKENS = 10**9  # no single call reads or writes a billion tokens


def mapping(value: object, name: str, line: int, *, required: bool = True) -> dict:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise TraceFormatError(f"must be an object, not {_type(value)}", line=line, field=name)
    return value


def _decimal(value: object, what: str, name: str, line: int) -> Decimal:
    """A JSON number (or numeric text) as the decimal the file wrote; `what` names the expected kind."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise TraceFormatError(f"must be {what}, not {_type(value)}", line=line, field=name)
    try:
        # Through str(): a JSON float like 0.1 is the decimal the file wrote, not its binary neighbour.
        return Decimal(str(value))
    except InvalidOperation:
        raise TraceFormatError(f"must be {what}, not {value!r:.40}", line=line, field=name) from None


def token_count(value: object, name: str, line: int) -> int:
    """A token count: a whole number 0..1e9 (absent or null counts as 0)."""
    if value is None:
        return 0
    number = _decimal(value, "a whole number of tokens", name, line)
    if not number.is_finite() or number != number.to_integral_value() or not 0 <= number <= MAX_TOKENS:
        raise TraceFormatError(
            f"must be a whole number of tokens from 0 to 1e9, not {value!r:.40}", line=line, field=name
        )
    return int(number)


def text(value: object, name: str, line: int, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise TraceFormatError(f"must be a non-empty string, not {_type(value)}", line=line, field=name)
    if len(value) > 500:
        raise TraceFormatError("is longer than 500 characters", line=line, field=name)
    return value


def money(value: object, name: str, line: int) -> Decimal | None:
    if value is None:
        return None
    amount = _decimal(value, "a number of US dollars", name, line)
    if not amount.is_finite() or not 0 <= amount <= 10**9:
        raise TraceFormatError("must be a number of US dollars from 0 to 1e9", line=line, field=name)
    return amount


def timestamp(value: object, name: str, line: int) -> datetime | None:
    """ISO 8601 text (naive means UTC) or Unix seconds; None when absent."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, (int, float, Decimal)):
            return datetime.fromtimestamp(float(value), tz=UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise TraceFormatError(
        f"must be an ISO 8601 date-time or Unix seconds, not {value!r:.40}", line=line, field=name
    )


def unix_nanos(value: object, name: str, line: int) -> datetime | None:
    """OTLP's `startTimeUnixNano`: nanoseconds since 1970 as a decimal string or a number."""
    if value in (None, "", "0", 0):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).isdigit():
        raise TraceFormatError(f"must be nanoseconds since 1970, not {value!r:.40}", line=line, field=name)
    try:
        return datetime.fromtimestamp(int(value) / 1e9, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise TraceFormatError(
            f"must be nanoseconds since 1970, not {value!r:.40}", line=line, field=name
        ) from None


def _type(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )
