"""Read the installed genai-prices package into planned price-table rows (no database).

`plan_from_genai_prices()` turns genai-prices' OpenAI data into planned model and price rows (every date
on which a model's standard, flex or fast prices change becomes a row); `pricing.sync.apply` writes a
plan to the table without ever deleting or overriding an existing row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pricing.sync.seed import CONTEXT_WINDOW_CORRECTIONS

# Only models an agent can run on through Chat Completions / Responses: text in, text out.
EXCLUDED_MODEL_WORDS = (
    "audio",
    "realtime",
    "transcribe",
    "tts",
    "image",
    "embedding",
    "whisper",
    "moderation",
    "instruct",
    "search",
    "computer-use",
)
FIRST_LISTED_DATE = date(2000, 1, 1)
TIER_CONTEXTS = {"standard": None, "flex": {"service_tier": "flex"}, "fast": {"service_tier": "fast"}}
PRICE_FIELDS = ("input", "cached_input", "cache_write", "output")
GENAI_KEYS = {
    "input": "input_mtok",
    "cached_input": "cache_read_mtok",
    "cache_write": "cache_write_mtok",
    "output": "output_mtok",
}


@dataclass(frozen=True)
class PlannedPrice:
    model: str
    service_tier: str
    effective_from: date
    input_per_mtok: Decimal
    cached_input_per_mtok: Decimal | None
    cache_write_per_mtok: Decimal | None
    output_per_mtok: Decimal
    long_context_threshold: int | None = None
    long_context_input_per_mtok: Decimal | None = None
    long_context_cached_input_per_mtok: Decimal | None = None
    long_context_cache_write_per_mtok: Decimal | None = None
    long_context_output_per_mtok: Decimal | None = None

    def values(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("model", "service_tier", "effective_from")
        }


@dataclass(frozen=True)
class PlannedModel:
    id: str
    name: str
    family: str
    context_window: int
    encoding: str
    prices: tuple[PlannedPrice, ...] = field(default=())


def genai_prices_version() -> str:
    from genai_prices import __version__

    return __version__


def model_family(model_id: str) -> str:
    if re.match(r"^o\d", model_id):
        return "o-series"
    match = re.search(r"gpt-(\d+(?:\.\d+)?o?)", model_id)
    if match:
        return f"gpt-{match.group(1)}"
    return model_id.split("-")[0]


def encoding_for(model_id: str) -> str:
    """The tokenizer tiktoken maps a model to, limited to the two encodings we ship."""
    import tiktoken.model

    try:
        name = tiktoken.model.encoding_name_for_model(model_id)
    except KeyError:
        name = "o200k_base"
    return name if name in ("o200k_base", "cl100k_base") else "o200k_base"


def _split(value: Any) -> tuple[Decimal | None, int | None, Decimal | None]:
    """(base price, long-context threshold, long-context price) from a flat or tiered genai price."""
    if value is None:
        return None, None, None
    tiers = getattr(value, "tiers", None)
    if tiers is None:
        return Decimal(value), None, None
    if not tiers:
        return Decimal(value.base), None, None
    # OpenAI has one long-context tier; a later tier (none today) would take its own row shape.
    first = tiers[0]
    return Decimal(value.base), int(first.start), Decimal(first.price)


def _planned_price(model_id: str, tier: str, start: date, prices: Any) -> PlannedPrice | None:
    base = {}
    threshold = None
    long_context = {}
    for name in PRICE_FIELDS:
        value, tier_start, tier_price = _split(getattr(prices, GENAI_KEYS[name], None))
        base[name] = value
        if tier_start is not None:
            threshold = tier_start if threshold is None else min(threshold, tier_start)
            long_context[name] = tier_price
    if base["input"] is None or base["output"] is None:
        return None
    if threshold is not None:
        # A price without a tier is the same above the threshold.
        for name in PRICE_FIELDS:
            long_context.setdefault(name, base[name])
    return PlannedPrice(
        model=model_id,
        service_tier=tier,
        effective_from=start,
        input_per_mtok=base["input"],
        cached_input_per_mtok=base["cached_input"],
        cache_write_per_mtok=base["cache_write"],
        output_per_mtok=base["output"],
        long_context_threshold=threshold,
        long_context_input_per_mtok=long_context.get("input"),
        long_context_cached_input_per_mtok=long_context.get("cached_input"),
        long_context_cache_write_per_mtok=long_context.get("cache_write"),
        long_context_output_per_mtok=long_context.get("output"),
    )


def _start_dates(model: Any) -> list[date]:
    dates = {FIRST_LISTED_DATE}
    if isinstance(model.prices, list):
        for conditional in model.prices:
            start = getattr(conditional.constraint, "start_date", None)
            if start is not None:
                dates.add(start)
    for variant in model.price_variants or ():
        if variant.when.get("service_tier") in TIER_CONTEXTS:
            start = getattr(variant.constraint, "start_date", None)
            if start is not None:
                dates.add(start)
    return sorted(dates)


def _tier_offered(model: Any, tier: str, moment: datetime) -> bool:
    if tier == "standard":
        return True
    for variant in model.price_variants or ():
        if variant.when == {"service_tier": tier} and (
            variant.constraint is None or variant.constraint.active(moment)
        ):
            return True
    return False


def plan_model(model: Any) -> PlannedModel | None:
    """Planned rows for one genai-prices OpenAI model, or None when it is not a chat model we price."""
    model_id = model.id
    if model.context_window is None or model_id.startswith("ft:") or ":" in model_id:
        return None
    if any(word in model_id for word in EXCLUDED_MODEL_WORDS):
        return None
    prices: list[PlannedPrice] = []
    for tier, context in TIER_CONTEXTS.items():
        last = None
        for start in _start_dates(model):
            moment = datetime(start.year, start.month, start.day, tzinfo=UTC)
            if not _tier_offered(model, tier, moment):
                continue
            planned = _planned_price(model_id, tier, start, model.get_prices(moment, context))
            if planned is None:
                continue
            if last is None or planned.values() != last.values():
                prices.append(planned)
                last = planned
    if not any(price.service_tier == "standard" for price in prices):
        return None
    return PlannedModel(
        id=model_id,
        name=model.name or model_id,
        family=model_family(model_id),
        context_window=CONTEXT_WINDOW_CORRECTIONS.get(model_id, int(model.context_window)),
        encoding=encoding_for(model_id),
        prices=tuple(prices),
    )


def plan_from_genai_prices() -> list[PlannedModel]:
    from genai_prices import data

    openai = next(provider for provider in data.providers if provider.id == "openai")
    planned = (plan_model(model) for model in openai.models)
    return [model for model in planned if model is not None]
