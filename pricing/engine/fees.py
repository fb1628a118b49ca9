"""What a conversation costs beside its tokens (../shared/cost-model.md, "Fees beside tokens").

Per conversation of n turns lasting m = n * session_minutes / mean_turns minutes:
- searches are billed per call: hosted file search on Responses, hosted web search on Responses, your
  own search API for your loop and for Assistants (which had no web search tool);
- code execution, once the conversation has run code: Assistants bills a session per started hour,
  Responses a container per 20 minutes (5 at least), your loop its sandbox by the hour;
- per month: vector storage for the managed ways, your retrieval hosting for your loop.
"""

from __future__ import annotations

from decimal import Decimal

from pricing.engine.population import Population
from pricing.sheet import PriceSheet
from pricing.workload import Workload

THOUSAND = 1000
MINUTES_PER_HOUR = 60
CONTAINER_MINUTES = 20
CONTAINER_MINIMUM_MINUTES = 5


def search_fees(approach: str, w: Workload, sheet: PriceSheet) -> tuple[Decimal, Decimal]:
    """USD per (file search, web search) call."""
    if approach == "responses":
        return sheet.tools.file_search_per_kcalls / THOUSAND, sheet.tools.web_search_per_kcalls / THOUSAND
    return Decimal(0), w.search_api_usd_per_kcalls / THOUSAND


class Clock:
    """Minutes of a conversation of n turns: n * session_minutes / mean_turns, kept exact."""

    def __init__(self, w: Workload, population: Population):
        numerator, denominator = w.session_minutes.as_integer_ratio()
        # minutes(n) = n * top / bottom exactly.
        self.top = numerator * population.mean_denominator
        self.bottom = denominator * population.mean_numerator
        self.per_turn = Decimal(self.top) / Decimal(self.bottom)

    def minutes(self, turns: int) -> Decimal:
        return turns * self.per_turn

    def started_hours(self, turns: int) -> int:
        """ceil(minutes / 60), exactly."""
        return -(-turns * self.top // (MINUTES_PER_HOUR * self.bottom))

    def at_least(self, turns: int, minimum: int) -> Decimal:
        """max(minimum, minutes), exact at the boundary."""
        if turns * self.top <= minimum * self.bottom:
            return Decimal(minimum)
        return self.minutes(turns)


def code_session_fee(approach: str, turns: int, clock: Clock, w: Workload, sheet: PriceSheet) -> Decimal:
    """The code-execution fee of a conversation of `turns` turns that has run code."""
    if approach == "assistants":
        return clock.started_hours(turns) * sheet.tools.assistants_code_interpreter_per_session
    if approach == "responses":
        container = sheet.tools.container_per_20min[w.container_memory]
        return clock.at_least(turns, CONTAINER_MINIMUM_MINUTES) * container / CONTAINER_MINUTES
    return clock.minutes(turns) * w.sandbox_usd_per_hour / MINUTES_PER_HOUR


def vector_storage_usd(w: Workload, sheet: PriceSheet) -> Decimal:
    """A month of vector storage: GB-days beyond the free allowance, at the daily rate."""
    gb_days = (
        w.vector_store_gb * 30 + w.sessions_per_month * w.upload_gb_per_session * w.upload_retention_days
    )
    billable = gb_days - sheet.tools.vector_storage_free_gb * 30
    if billable <= 0:
        return Decimal(0)
    return billable * sheet.tools.vector_storage_per_gb_day


def fixed_monthly(approach: str, w: Workload, sheet: PriceSheet) -> tuple[Decimal, Decimal]:
    """(storage, your infrastructure) per month, whatever the traffic."""
    if approach == "chat_completions":
        return Decimal(0), w.retrieval_infra_usd_per_month
    return vector_storage_usd(w, sheet), Decimal(0)
