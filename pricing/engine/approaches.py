"""The three ways to run the same agent: one registry for the engine, the pages, the charts and the CLI."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Approach:
    key: str
    label: str
    short_label: str
    managed: bool  # OpenAI runs the loop (Assistants, Responses): the engineering cost is yours otherwise


ASSISTANTS = Approach("assistants", "Assistants API", "Assistants API", managed=True)
RESPONSES = Approach("responses", "Responses API", "Responses API", managed=True)
CHAT_COMPLETIONS = Approach(
    "chat_completions", "Your own loop (Chat Completions)", "Your own loop", managed=False
)
REGISTRY: tuple[Approach, ...] = (ASSISTANTS, RESPONSES, CHAT_COMPLETIONS)
APPROACHES: tuple[str, ...] = tuple(approach.key for approach in REGISTRY)
BY_KEY: dict[str, Approach] = {approach.key: approach for approach in REGISTRY}
MANAGED: tuple[str, ...] = tuple(approach.key for approach in REGISTRY if approach.managed)


def label(key: str) -> str:
    return BY_KEY[key].label


def short_label(key: str) -> str:
    return BY_KEY[key].short_label
