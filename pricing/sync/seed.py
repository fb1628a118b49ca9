"""The project's own seed data: what genai-prices does not list, each figure with where it comes from.

Sync writes these into the table once; an admin can change any of them in the admin, and sync never
overrides their edit (or a value an import set).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pricing.models import DEFAULT_CACHE_TTL_MINUTES

# The hosted-tool fees the cost model names; genai-prices does not list them per API surface.
SEED_TOOL_FEES = {
    "file_search_per_kcalls": Decimal("2.5"),
    "web_search_per_kcalls": Decimal("10"),
    "vector_storage_per_gb_day": Decimal("0.1"),
    "vector_storage_free_gb": Decimal("1"),
    "assistants_code_interpreter_per_session": Decimal("0.03"),
    "container_per_20min_1g": Decimal("0.03"),
    "container_per_20min_4g": Decimal("0.12"),
    "container_per_20min_16g": Decimal("0.48"),
    "container_per_20min_64g": Decimal("1.92"),
}

# The model an estimate uses when none is named: a current model with no announced shutdown. gpt-5.4 is
# the newest family with mini, nano and pro sizes and no shutdown scheduled, and the successor the seed
# names for gpt-4.1 (the default until gpt-4.1's shutdown was announced for 2027-01-14). A table whose
# default was seeded moves here on the next sync; one an admin chose keeps it.
DEFAULT_MODEL = "gpt-5.4"

# genai-prices 0.2.3 rounds the gpt-4.1 family's window to 1,000,000; OpenAI's model pages (and the cost
# model's own example) give 1,047,576 tokens. Only seeding uses this: sync never changes a stored window.
CONTEXT_WINDOW_CORRECTIONS = {"gpt-4.1": 1_047_576, "gpt-4.1-mini": 1_047_576, "gpt-4.1-nano": 1_047_576}

# OpenAI's model pages give the GPT-5 family's 400,000-token models a 128,000-token output maximum inside
# the window: a call's input is at most 272,000 tokens. gpt-5-pro is left out (its page gives 272,000
# output tokens, so its input limit is not 272,000); models without an entry use the whole window.
INPUT_LIMIT_GPT5_400K = 272_000
SEED_INPUT_LIMITS = dict.fromkeys(
    (
        "gpt-5",
        "gpt-5-mini",
        "gpt-5-nano",
        "gpt-5.1",
        "gpt-5.1-codex-mini",
        "gpt-5.2",
        "gpt-5.2-pro",
        "gpt-5.3-codex",
        "gpt-5.4-mini",
        "gpt-5.4-nano",
    ),
    INPUT_LIMIT_GPT5_400K,
)

# OpenAI's prompt-caching guide: a cached prefix stays up to 24 hours (extended retention) on models
# billed only for cache reads; models billed for cache writes (gpt-5.6 and later) keep it 30 minutes
# after its last use.
CACHE_TTL_WITH_WRITES_MINUTES = 30
CACHE_TTL_MINUTES = DEFAULT_CACHE_TTL_MINUTES


def seed_cache_ttl_minutes(bills_cache_writes: bool) -> int:
    return CACHE_TTL_WITH_WRITES_MINUTES if bills_cache_writes else CACHE_TTL_MINUTES


# OpenAI's announced shutdowns (issue 3). Successors are our suggestion, not OpenAI's: the same-size
# model of the newest family with mini, nano and pro sizes and no shutdown scheduled (gpt-5.4).
SEED_SHUTDOWNS = {
    date(2026, 10, 23): (
        "gpt-3.5-turbo",
        "gpt-4",
        "gpt-4-turbo",
        "o1",
        "o1-pro",
        "o3-mini",
        "o4-mini",
        "gpt-4.1-nano",
    ),
    date(2026, 12, 11): ("gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-pro", "o3", "o3-pro"),
    date(2027, 1, 14): ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini"),
    date(2027, 4, 1): ("gpt-5.1",),
}
SEED_SUCCESSORS = {
    "gpt-3.5-turbo": "gpt-5.4-mini",
    "gpt-4": "gpt-5.4",
    "gpt-4-turbo": "gpt-5.4",
    "o1": "gpt-5.4",
    "o1-pro": "gpt-5.4-pro",
    "o3-mini": "gpt-5.4-mini",
    "o4-mini": "gpt-5.4-mini",
    "gpt-4.1-nano": "gpt-5.4-nano",
    "gpt-5": "gpt-5.4",
    "gpt-5-mini": "gpt-5.4-mini",
    "gpt-5-nano": "gpt-5.4-nano",
    "gpt-5-pro": "gpt-5.4-pro",
    "o3": "gpt-5.4",
    "o3-pro": "gpt-5.4-pro",
    "gpt-4o": "gpt-5.4",
    "gpt-4o-mini": "gpt-5.4-mini",
    "gpt-4.1": "gpt-5.4",
    "gpt-4.1-mini": "gpt-5.4-mini",
    "gpt-5.1": "gpt-5.4",
}


@dataclass(frozen=True)
class PlannedLifecycle:
    model: str
    shutdown_date: date
    successor: str | None


SEED_LIFECYCLE = tuple(
    PlannedLifecycle(model, day, SEED_SUCCESSORS.get(model))
    for day, models in SEED_SHUTDOWNS.items()
    for model in models
)


@dataclass(frozen=True)
class PlannedSurface:
    key: str
    name: str
    shutdown_date: date | None = None
    successor: str | None = None


# OpenAI's deprecations page: the Assistants API shut down on 2026-08-26, succeeded by the Responses API.
# This is the one place the date is written: the engine, the pages and the notes read it from the sheet.
ASSISTANTS_SHUTDOWN = date(2026, 8, 26)

# The three ways to run an agent (docs/cost-model.md); a successor is listed before the surface naming it.
SEED_API_SURFACES = (
    PlannedSurface("responses", "Responses API"),
    PlannedSurface("chat_completions", "Chat Completions (your own loop)"),
    PlannedSurface("assistants", "Assistants API", ASSISTANTS_SHUTDOWN, "responses"),
)
