"""The editable price table.

Prices are never overwritten: a change is a new row with its own `effective_from`, and the row in force
on a date is the latest one of its series that started on or before it. That keeps every past estimate
reproducible. `base` holds what every row shares (provenance, choices, the table's today), `dated` the
rules of dated rows, `prices` token prices and tool fees, `table` models, API surfaces and syncs,
`imports` the admin's queued imports.
"""

from pricing.models.base import (
    DEFAULT_CACHE_TTL_MINUTES,
    FIRST_LISTED,
    STALE_AFTER,
    Encoding,
    Provenance,
    ServiceTier,
    Source,
    concrete_field,
    today,
    within_utc_range,
)
from pricing.models.dated import DatedRow, DatedRowQuerySet, PriceHistoryError, series_snapshot
from pricing.models.imports import PriceImport, PriceImportStatus
from pricing.models.prices import TokenPrice, ToolFee, ToolFeeKey
from pricing.models.table import ApiSurface, LanguageModel, SyncRun

__all__ = [
    "DEFAULT_CACHE_TTL_MINUTES",
    "FIRST_LISTED",
    "STALE_AFTER",
    "ApiSurface",
    "DatedRow",
    "DatedRowQuerySet",
    "Encoding",
    "LanguageModel",
    "PriceHistoryError",
    "PriceImport",
    "PriceImportStatus",
    "Provenance",
    "ServiceTier",
    "Source",
    "SyncRun",
    "TokenPrice",
    "ToolFee",
    "ToolFeeKey",
    "concrete_field",
    "series_snapshot",
    "today",
    "within_utc_range",
]
