"""The workload: every input of the cost model (`Workload`), how each is read, and its errors.

`parse_workload(raw)` turns raw values (JSON values or query-string text) into a `Workload`, or raises
`WorkloadError` whose `errors` name every bad field. No database here: whether `model` is in the price
table is checked by the caller that has the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from pricing.workload.fields import FIELDS, FIELDS_BY_NAME, GROUPS, INPUTS, InputField
from pricing.workload.model import DECIMAL_CEILING, Workload

__all__ = [
    "DECIMAL_CEILING",
    "FIELDS",
    "FIELDS_BY_NAME",
    "GROUPS",
    "INPUTS",
    "InputField",
    "Workload",
    "WorkloadError",
    "parse_workload",
    "workload_errors",
]


class WorkloadError(ValueError):
    """Bad inputs: `errors` maps each field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items()))
        self.errors = errors


def workload_errors(error: ValidationError) -> dict[str, list[str]]:
    """pydantic's errors as `{field: [message, ...]}`, in the project's words."""
    errors: dict[str, list[str]] = {}
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "__all__"
        message = "is not a known input." if item["type"] == "extra_forbidden" else item["msg"]
        errors.setdefault(name[:100], []).append(message)
    return errors


def parse_workload(raw: object, *, ignore: frozenset[str] = frozenset()) -> Workload:
    """Build a Workload from raw values; absent keys take their defaults.

    Unknown keys are errors (a typo must never silently fall back to a default), except the names
    in `ignore`, which the caller handles itself (for example `as_of`).
    """
    if not isinstance(raw, Mapping):
        raise WorkloadError({"__all__": ["Expected a JSON object of inputs."]})
    # Unknown keys are named here, before pydantic sees them: a key may be anything a client sends
    # (a lone surrogate, say), which pydantic cannot report under its own name.
    unknown = {
        str(key)[:100]: ["is not a known input."] for key in raw if key not in INPUTS and key not in ignore
    }
    values: dict[str, Any] = {key: value for key, value in raw.items() if key in INPUTS}
    try:
        workload = Workload.model_validate(values)
    except ValidationError as exc:
        raise WorkloadError({**unknown, **workload_errors(exc)}) from None
    if unknown:
        raise WorkloadError(unknown)
    return workload
