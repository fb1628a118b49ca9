"""The verdict in words: which live way to run the agent on, what it costs, and what sets the ways apart.

The figures are the engine's `Verdict` (cost model v2: live ways compared on
`per_month_with_engineering_usd`, percentages relative to the cheapest); this module only chooses the
words. A tie says why; a difference says where it comes from (the cost categories and the engineering
that differ most); a shut-down way is a baseline, never a choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from estimator.money import round_half_up, usd
from pricing.engine import BREAKDOWN_CATEGORIES, REGISTRY, Estimate
from pricing.engine.approaches import BY_KEY, CHAT_COMPLETIONS

OWN_LOOP = CHAT_COMPLETIONS.key
# At most this many sources of a difference are named; the breakdown table lists every one.
MOST_REASONS = 3


def approach_name(key: str, *, start: bool = False) -> str:
    """The way as a sentence names it: "the Responses API", "your own loop" (capitalised at a start)."""
    approach = BY_KEY[key]
    name = f"the {approach.short_label}" if approach.managed else approach.short_label.lower()
    return name[0].upper() + name[1:] if start else name


@dataclass(frozen=True, slots=True)
class Difference:
    """What one cost source adds a month going from the cheapest way to another (negative: it saves)."""

    label: str
    more_usd: Decimal

    @property
    def text(self) -> str:
        sign = "+" if self.more_usd > 0 else "−"
        return f"{self.label[0].lower()}{self.label[1:]} {sign}{usd(abs(self.more_usd))}"


def differences(result: Estimate, cheapest: str, other: str) -> list[Difference]:
    """The cost sources that differ between two ways, largest first: breakdown categories, and your
    loop's engineering (its upkeep and its build spread over the months)."""
    found = []
    for index, (_, title) in enumerate(BREAKDOWN_CATEGORIES):
        more = (
            result.approaches[other].breakdown[index].per_month_usd
            - result.approaches[cheapest].breakdown[index].per_month_usd
        )
        if more:
            found.append(Difference(title, more))
    engineering = {
        key: approach.per_month_with_engineering_usd - approach.per_month_usd
        for key, approach in result.approaches.items()
    }
    more = engineering[other] - engineering[cheapest]
    if more:
        found.append(Difference("Your loop's engineering", more))
    return sorted(found, key=lambda item: -abs(item.more_usd))


def same_bill_reason(result: Estimate) -> str:
    """Why the ways' token and tool bills are identical, when they are (else "")."""
    live = result.verdict.live
    months = {result.approaches[key].per_month_usd for key in live}
    if len(months) != 1:
        return ""
    w = result.workload
    hosted = w.file_search_calls_per_turn or w.web_search_calls_per_turn or w.code_interpreter_calls_per_turn
    if not hosted:
        return "no hosted tools: the same tokens everywhere"
    return "the same tokens and fees to the cent"


@dataclass(frozen=True)
class VerdictView:
    result: Estimate

    @property
    def cheapest(self) -> list[str]:
        return list(self.result.verdict.cheapest)

    @property
    def tied(self) -> bool:
        return len(self.cheapest) > 1

    @property
    def first(self) -> str:
        return self.cheapest[0]

    @property
    def others(self) -> list[str]:
        """The live ways that cost more, cheapest of them first."""
        verdict = self.result.verdict
        rest = [key for key in verdict.live if key not in verdict.cheapest]
        return sorted(rest, key=lambda key: self.result.approaches[key].per_month_with_engineering_usd)

    @property
    def baselines(self) -> list[str]:
        return [approach.key for approach in REGISTRY if approach.key not in self.result.verdict.live]

    @property
    def runner_up(self) -> str | None:
        return self.others[0] if self.others else None

    @property
    def tie_names(self) -> str:
        names = [approach_name(key) for key in self.cheapest]
        text = ", ".join(names[:-1]) + " and " + names[-1]
        return text[0].upper() + text[1:]

    @property
    def tie_reason(self) -> str:
        """Why the tied ways cost the same."""
        engineering = self.result.engineering
        spent = engineering.maintenance_monthly_usd + engineering.amortized_build_monthly_usd
        same = same_bill_reason(self.result)
        if OWN_LOOP in self.cheapest and not spent:
            return f"{same or 'the same bill to the cent'}, and no engineering cost for your own loop"
        return same or "the same bill to the cent"

    @property
    def sources(self) -> list[Difference]:
        """Where the gap to the runner-up comes from: the largest sources, and the rest together, so
        that they add up to the gap the verdict states."""
        if self.runner_up is None:
            return []
        found = differences(self.result, self.first, self.runner_up)
        rest = sum((item.more_usd for item in found[MOST_REASONS:]), Decimal(0))
        shown = found[:MOST_REASONS]
        return [*shown, Difference("Everything else", rest)] if rest else shown

    @property
    def same_bill(self) -> str:
        """When only engineering sets the ways apart: why their bills are the same."""
        return same_bill_reason(self.result)

    @property
    def summary(self) -> str:
        """One line for a share page's description and Open Graph tags."""
        result = self.result
        first = result.approaches[self.first]
        if self.tied:
            return f"{self.tie_names} cost the same: {usd(first.per_month_with_engineering_usd)} a month."
        text = f"{approach_name(self.first, start=True)}: {usd(first.per_month_with_engineering_usd)} a month"
        if self.runner_up:
            other = result.approaches[self.runner_up]
            pct = result.verdict.comparisons[self.runner_up].more_pct
            text += f"; {approach_name(self.runner_up)} costs {usd(other.per_month_with_engineering_usd)}"
            if pct is not None:
                text += f" ({round_half_up(pct, 1):,.1f} % more)"
        return text + f", for {result.workload.sessions_per_month:,} conversations on {result.sheet.model}."
