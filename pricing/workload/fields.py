"""Every input as the form, the docs page and the parsers read it, derived from the `Workload` model.

`INPUTS` describes each field (kind, default, range, unit, label, help, group) from the pydantic model
itself, so the model stays the one place where an input is defined. `InputField.read()` is the reader
behind every field: JSON values and typed text alike, with the project's own messages.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import annotated_types
from pydantic.fields import FieldInfo

from pricing.sheet import decimal_str
from pricing.workload.model import DECIMAL_MAX_PLACES, INPUT_GROUPS, Workload
from pricing.workload.numbers import parse_decimal, parse_whole_number

Kind = Literal["int", "optional_int", "decimal", "bool", "choice", "model", "histogram"]
GROUPS: tuple[tuple[str, str], ...] = tuple((group.group, group.title) for group in INPUT_GROUPS)
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True, slots=True)
class InputField:
    name: str
    kind: Kind
    default: Any
    group: str
    label: str
    unit: str
    help: str
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    minimum_exclusive: bool = False  # session_minutes must be above 0
    open_ended: bool = False  # the maximum is only the sanity ceiling, not part of the input's range
    choices: tuple[str, ...] = ()

    def range_message(self) -> str:
        lo = f"more than {self.minimum:,}" if self.minimum_exclusive else f"at least {self.minimum:,}"
        if self.open_ended:
            return f"must be {lo}."
        return f"must be {lo} and at most {self.maximum:,}."

    def _in_range(self, value: int | Decimal) -> None:
        assert self.minimum is not None and self.maximum is not None
        too_low = value < self.minimum or (self.minimum_exclusive and value == self.minimum)
        if too_low or (value > self.maximum and not self.open_ended):
            raise ValueError(self.range_message())
        if value > self.maximum:
            raise ValueError(f"must be at most {self.maximum:,f}.")

    def read(self, raw: object) -> object:
        """The field's value from a JSON value or typed text; ValueError says what is wrong."""
        if self.kind == "optional_int" and (raw is None or _is_blank(raw, {"", "null", "none"})):
            return None
        if self.kind in ("int", "optional_int"):
            number = parse_whole_number(raw)
            self._in_range(number)
            return number
        if self.kind == "decimal":
            value = parse_decimal(raw)
            self._in_range(value)
            if value.as_tuple().exponent < -DECIMAL_MAX_PLACES:  # type: ignore[operator]
                raise ValueError(f"must have at most {DECIMAL_MAX_PLACES} decimal places.")
            # Normalised so "10.0" and "10" are the same input (exact value, no exponent form).
            return Decimal(decimal_str(value))
        if self.kind == "bool":
            return _read_bool(raw)
        if self.kind == "choice":
            if isinstance(raw, str) and raw.strip() in self.choices:
                return raw.strip()
            raise ValueError(f"must be one of: {', '.join(self.choices)}.")
        if self.kind == "histogram":
            return read_histogram(raw)
        return _read_model_id(raw)


def _is_blank(raw: object, words: set[str]) -> bool:
    return isinstance(raw, str) and raw.strip().lower() in words


def _read_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise ValueError("must be true or false.")


def _read_model_id(raw: object) -> str | None:
    if raw is None or _is_blank(raw, {""}):
        return None
    # Printable only: a NUL byte would reach the database, which PostgreSQL refuses with an error.
    if not isinstance(raw, str) or len(raw) > 100 or not raw.isprintable():
        raise ValueError("must be a model id from the price table.")
    return raw.strip()


HISTOGRAM_PAIRS = (1, 100)
HISTOGRAM_TURNS = (1, 1000)
HISTOGRAM_WEIGHT_CEILING = Decimal("1e12")


def _histogram_pairs(raw: object) -> list[tuple[object, object]]:
    """The raw (turns, weight) pairs: `1:40,2:25` as typed, or [[1, 40], [2, 25]] as JSON."""
    if isinstance(raw, str):
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        pairs = [tuple(part.split(":", 1)) if ":" in part else (part,) for part in parts]
    elif isinstance(raw, (list, tuple)):
        pairs = [tuple(item) if isinstance(item, (list, tuple)) else (item,) for item in raw]
    else:
        raise ValueError("must be a list of [turns, weight] pairs, or turns:weight pairs like 1:40,2:25.")
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError("every entry must be a pair of turns and weight, like 1:40 or [1, 40].")
    return pairs  # type: ignore[return-value]


def read_histogram(raw: object) -> tuple[tuple[int, Decimal], ...] | None:
    """Conversation lengths as sorted (turns, weight) pairs; weights are relative shares."""
    if raw is None or _is_blank(raw, {"", "null", "none"}):
        return None
    pairs = _histogram_pairs(raw)
    low, high = HISTOGRAM_PAIRS
    if not low <= len(pairs) <= high:
        raise ValueError(f"must have {low} to {high} pairs of turns and weight.")
    seen: dict[int, Decimal] = {}
    for position, (raw_turns, raw_weight) in enumerate(pairs, start=1):
        try:
            turns = parse_whole_number(raw_turns)
        except ValueError:
            turns = 0
        if not HISTOGRAM_TURNS[0] <= turns <= HISTOGRAM_TURNS[1]:
            raise ValueError(f"pair {position}: turns must be a whole number from 1 to 1,000.")
        if turns in seen:
            raise ValueError(f"pair {position}: {turns} turns is listed twice.")
        try:
            weight = parse_decimal(raw_weight)
        except ValueError:
            weight = Decimal(-1)
        if not 0 < weight <= HISTOGRAM_WEIGHT_CEILING or weight.as_tuple().exponent < -DECIMAL_MAX_PLACES:  # type: ignore[operator]
            raise ValueError(
                f"pair {position}: the weight must be a number above 0 (at most {DECIMAL_MAX_PLACES} "
                "decimal places)."
            )
        seen[turns] = Decimal(decimal_str(weight))
    return tuple(sorted(seen.items()))


_PLAIN_KINDS: dict[object, Kind] = {int: "int", Decimal: "decimal", bool: "bool"}


def _kind(annotation: object) -> Kind:
    if typing.get_origin(annotation) is Literal:
        return "choice"
    if isinstance(annotation, types.UnionType):  # `int | None`, `str | None`, the histogram or None
        args = typing.get_args(annotation)
        if int in args:
            return "optional_int"
        return "model" if str in args else "histogram"
    return _PLAIN_KINDS[annotation]


def _bounds(info: FieldInfo) -> tuple[Any, Any, bool]:
    lo: Any = None
    hi: Any = None
    exclusive = False
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            lo = item.ge
        elif isinstance(item, annotated_types.Gt):
            lo, exclusive = item.gt, True
        elif isinstance(item, annotated_types.Le):
            hi = item.le
    return lo, hi, exclusive


def _input_field(name: str, info: FieldInfo, group: str) -> InputField:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    lo, hi, exclusive = _bounds(info)
    kind = _kind(info.annotation)
    return InputField(
        name=name,
        kind=kind,
        default=info.default,
        group=group,
        label=info.title or name,
        unit=str(extra.get("x-unit", "")),
        help=info.description or "",
        minimum=lo,
        maximum=hi,
        minimum_exclusive=exclusive,
        open_ended=bool(extra.get("x-open-ended", False)),
        choices=typing.get_args(info.annotation) if kind == "choice" else (),
    )


def _group_of(name: str) -> str:
    return next(group.group for group in INPUT_GROUPS if name in group.__annotations__)


INPUTS: dict[str, InputField] = {
    name: _input_field(name, info, _group_of(name)) for name, info in Workload.model_fields.items()
}
FIELDS: tuple[InputField, ...] = tuple(INPUTS.values())
FIELDS_BY_NAME = INPUTS
