"""Hand-built price sheets for tests: exact, small numbers so the arithmetic in comments is checkable."""

from datetime import date
from decimal import Decimal as D

from pricing.sheet import LongContextRates, PriceSheet, SurfaceLifecycle, TierPrices, TokenRates, ToolFees

TOOL_FEES = ToolFees(
    file_search_per_kcalls=D("2.5"),
    web_search_per_kcalls=D("10"),
    vector_storage_per_gb_day=D("0.1"),
    vector_storage_free_gb=D("1"),
    assistants_code_interpreter_per_session=D("0.03"),
    container_per_20min={"1g": D("0.03"), "4g": D("0.12"), "16g": D("0.48"), "64g": D("1.92")},
)


def rates(input_, cached=None, write=None, output="8") -> TokenRates:
    return TokenRates(
        input=D(input_),
        cached_input=None if cached is None else D(cached),
        cache_write=None if write is None else D(write),
        output=D(output),
    )


def sheet(
    standard: TokenRates | None = None,
    *,
    long_context: LongContextRates | None = None,
    flex: TokenRates | None = None,
    context_window: int = 1_047_576,
    model: str = "gpt-4.1",
    as_of: date = date(2026, 11, 25),
    shutdown: date | None = None,
    max_input_tokens: int | None = None,
    cache_ttl_minutes: int = 1440,
    surfaces: dict[str, SurfaceLifecycle] | None = None,
) -> PriceSheet:
    """gpt-4.1's prices by default: $2 input, $0.50 cached input, $8 output per million tokens."""
    tiers = {"standard": TierPrices(standard or rates("2", "0.5"), long_context)}
    if flex is not None:
        tiers["flex"] = TierPrices(flex)
    return PriceSheet(
        model=model,
        as_of=as_of,
        context_window=context_window,
        service_tiers=tiers,
        tools=TOOL_FEES,
        model_shutdown_date=shutdown,
        max_input_tokens=max_input_tokens,
        cache_ttl_minutes=cache_ttl_minutes,
        surfaces=surfaces or {},
    )


# The Assistants API as the price table has it: shut down on 2026-08-26, succeeded by Responses.
ASSISTANTS_SHUT_DOWN = {"assistants": SurfaceLifecycle(date(2026, 8, 26), "responses")}

# $1 per million for input and output, no caching price: cost in micro-dollars = tokens in + tokens out.
FLAT = rates("1", None, None, "1")
