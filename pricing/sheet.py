"""The price sheet the cost engine reads: plain frozen dataclasses, no database.

A sheet is everything needed to price one model on one date: per service tier the token prices
(with long-context prices when the tier has them), the model's context window, input limit and cache
lifetime, the tool fees, and the lifecycle of the three API surfaces (which are live on that date).
It round-trips through `to_dict()` / `sheet_from_dict()` in the JSON shape of the API's `prices`
object, which is how share links keep the exact prices they were computed with.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

SERVICE_TIERS = ("standard", "flex", "fast")
# How long an idle cached prefix survives when the table says nothing: OpenAI's 24-hour retention.
DEFAULT_CACHE_TTL_MINUTES = 1440
CONTAINER_SIZES = ("1g", "4g", "16g", "64g")
ENCODINGS = ("o200k_base", "cl100k_base")


def decimal_str(value: Decimal) -> str:
    """A Decimal as a plain string without exponent or trailing zeros: Decimal('2.50') -> '2.5'."""
    text = str(value)
    if "E" in text:  # str() switches to exponent form for very small or large values
        text = format(value, "f")
    if "." in text:
        # Only after a point are trailing zeros insignificant ("100" keeps its zeros).
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def optional_decimal_str(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(value)


def _decimal(value: object, name: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name}: expected a decimal, got {value!r}")
    return Decimal(str(value))


def _optional_decimal(value: object, name: str) -> Decimal | None:
    return None if value is None else _decimal(value, name)


@dataclass(frozen=True, slots=True)
class TokenRates:
    """USD per million tokens. `cached_input` and `cache_write` are None when the model has no such price."""

    input: Decimal
    cached_input: Decimal | None
    cache_write: Decimal | None
    output: Decimal

    def to_dict(self) -> dict:
        return {
            "input_per_mtok": decimal_str(self.input),
            "cached_input_per_mtok": optional_decimal_str(self.cached_input),
            "cache_write_per_mtok": optional_decimal_str(self.cache_write),
            "output_per_mtok": decimal_str(self.output),
        }


@dataclass(frozen=True, slots=True)
class LongContextRates(TokenRates):
    """Prices that apply to the whole call when its input is above `threshold_tokens`."""

    threshold_tokens: int = 0

    def to_dict(self) -> dict:
        return {"threshold_tokens": self.threshold_tokens, **TokenRates.to_dict(self)}


@dataclass(frozen=True, slots=True)
class TierPrices:
    rates: TokenRates
    long_context: LongContextRates | None = None

    @property
    def bills_cache_writes(self) -> bool:
        """Models billed for cache writes (GPT-5.6 and later) cache token by token, not in 128-token steps."""
        return self.rates.cache_write is not None

    def rates_for_input(self, input_tokens: int) -> TokenRates:
        if self.long_context is not None and input_tokens > self.long_context.threshold_tokens:
            return self.long_context
        return self.rates

    def to_dict(self) -> dict:
        return {
            **self.rates.to_dict(),
            "long_context": None if self.long_context is None else self.long_context.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class ToolFees:
    file_search_per_kcalls: Decimal
    vector_storage_per_gb_day: Decimal
    vector_storage_free_gb: Decimal
    assistants_code_interpreter_per_session: Decimal
    container_per_20min: dict[str, Decimal] = field(default_factory=dict)
    web_search_per_kcalls: Decimal = Decimal(10)

    def to_dict(self) -> dict:
        return {
            "file_search_per_kcalls": decimal_str(self.file_search_per_kcalls),
            "web_search_per_kcalls": decimal_str(self.web_search_per_kcalls),
            "vector_storage_per_gb_day": decimal_str(self.vector_storage_per_gb_day),
            "vector_storage_free_gb": decimal_str(self.vector_storage_free_gb),
            "assistants_code_interpreter_per_session": decimal_str(
                self.assistants_code_interpreter_per_session
            ),
            "container_per_20min": {
                size: decimal_str(self.container_per_20min[size])
                for size in CONTAINER_SIZES
                if size in self.container_per_20min
            },
        }


@dataclass(frozen=True, slots=True)
class SurfaceLifecycle:
    """One API surface (`assistants`, `responses`, `chat_completions`): when OpenAI shuts it down."""

    shutdown_date: date | None = None
    successor: str | None = None

    def status(self, on: date) -> str:
        """ "live", "deprecated" (a shutdown is announced for a later date) or "shut down"."""
        if self.shutdown_date is None:
            return "live"
        return "shut down" if self.shutdown_date <= on else "deprecated"

    def to_dict(self) -> dict:
        return {
            "shutdown_date": None if self.shutdown_date is None else self.shutdown_date.isoformat(),
            "successor": self.successor,
        }


@dataclass(frozen=True, slots=True)
class PriceSheet:
    """Everything the engine needs to price one model as of one date."""

    model: str
    as_of: date
    context_window: int
    service_tiers: dict[str, TierPrices]
    tools: ToolFees
    version: str = ""
    encoding: str = "o200k_base"
    # Shut-down dates feed the estimate's notes; the engine never looks anything up itself.
    model_shutdown_date: date | None = None
    model_successor: str | None = None
    # The most input a call may have, when the model has a limit below its window (272,000 for the
    # 400,000-token GPT-5 family); None means the whole window.
    max_input_tokens: int | None = None
    cache_ttl_minutes: int = DEFAULT_CACHE_TTL_MINUTES
    # Per API surface key; a surface not listed is live.
    surfaces: dict[str, SurfaceLifecycle] = field(default_factory=dict)

    @property
    def input_limit(self) -> int:
        """The most input tokens one call may send: the input limit, else the context window."""
        return self.context_window if self.max_input_tokens is None else self.max_input_tokens

    def surface(self, key: str) -> SurfaceLifecycle:
        return self.surfaces.get(key) or SurfaceLifecycle()

    def surface_status(self, key: str) -> str:
        return self.surface(key).status(self.as_of)

    def tier(self, name: str) -> TierPrices:
        try:
            return self.service_tiers[name]
        except KeyError:
            raise KeyError(f"{self.model} has no {name!r} service tier") from None

    def to_dict(self) -> dict:
        body = {
            "model": self.model,
            "as_of": self.as_of.isoformat(),
            "version": self.version,
            "context_window": self.context_window,
            "max_input_tokens": self.max_input_tokens,
            "cache_ttl_minutes": self.cache_ttl_minutes,
            "encoding": self.encoding,
            "shutdown_date": None
            if self.model_shutdown_date is None
            else self.model_shutdown_date.isoformat(),
            "successor": self.model_successor,
            "service_tiers": {
                tier: self.service_tiers[tier].to_dict()
                for tier in SERVICE_TIERS
                if tier in self.service_tiers
            },
            "tools": self.tools.to_dict(),
            "api_surfaces": {key: self.surfaces[key].to_dict() for key in sorted(self.surfaces)},
        }
        return body

    def fingerprint(self) -> str:
        """A short digest of every number on the sheet (not its date): equal prices, equal fingerprint."""
        body = self.to_dict()
        for key in ("as_of", "version"):
            body.pop(key)
        blob = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def _rates_from_dict(data: dict, name: str) -> dict:
    return {
        "input": _decimal(data["input_per_mtok"], f"{name}.input_per_mtok"),
        "cached_input": _optional_decimal(data.get("cached_input_per_mtok"), f"{name}.cached_input_per_mtok"),
        "cache_write": _optional_decimal(data.get("cache_write_per_mtok"), f"{name}.cache_write_per_mtok"),
        "output": _decimal(data["output_per_mtok"], f"{name}.output_per_mtok"),
    }


def sheet_from_dict(data: dict) -> PriceSheet:
    """Rebuild a sheet from `PriceSheet.to_dict()` output (a share link's snapshot, an export)."""
    tiers = {}
    for tier_name, tier in data["service_tiers"].items():
        if tier_name not in SERVICE_TIERS:
            raise ValueError(f"unknown service tier {tier_name!r}")
        long_context = tier.get("long_context")
        tiers[tier_name] = TierPrices(
            rates=TokenRates(**_rates_from_dict(tier, tier_name)),
            long_context=None
            if long_context is None
            else LongContextRates(
                **_rates_from_dict(long_context, f"{tier_name}.long_context"),
                threshold_tokens=int(long_context["threshold_tokens"]),
            ),
        )
    tools = data["tools"]
    shutdown = data.get("shutdown_date")
    max_input = data.get("max_input_tokens")
    surfaces = {
        key: SurfaceLifecycle(
            shutdown_date=date.fromisoformat(value["shutdown_date"]) if value.get("shutdown_date") else None,
            successor=value.get("successor"),
        )
        for key, value in (data.get("api_surfaces") or {}).items()
    }
    return PriceSheet(
        model=data["model"],
        as_of=date.fromisoformat(data["as_of"]),
        version=data.get("version", ""),
        context_window=int(data["context_window"]),
        encoding=data.get("encoding") or "o200k_base",
        model_shutdown_date=date.fromisoformat(shutdown) if shutdown else None,
        model_successor=data.get("successor"),
        max_input_tokens=None if max_input is None else int(max_input),
        cache_ttl_minutes=int(data.get("cache_ttl_minutes") or DEFAULT_CACHE_TTL_MINUTES),
        surfaces=surfaces,
        service_tiers=tiers,
        tools=ToolFees(
            file_search_per_kcalls=_decimal(tools["file_search_per_kcalls"], "file_search_per_kcalls"),
            # Snapshots saved before web search was priced carry no fee: the cost model's $10 applies.
            web_search_per_kcalls=_decimal(tools.get("web_search_per_kcalls", "10"), "web_search_per_kcalls"),
            vector_storage_per_gb_day=_decimal(
                tools["vector_storage_per_gb_day"], "vector_storage_per_gb_day"
            ),
            vector_storage_free_gb=_decimal(tools["vector_storage_free_gb"], "vector_storage_free_gb"),
            assistants_code_interpreter_per_session=_decimal(
                tools["assistants_code_interpreter_per_session"], "assistants_code_interpreter_per_session"
            ),
            container_per_20min={
                size: _decimal(value, f"container_per_20min.{size}")
                for size, value in tools["container_per_20min"].items()
            },
        ),
    )
