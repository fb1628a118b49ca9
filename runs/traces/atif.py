"""ATIF trajectories (the Agent Trajectory Interchange Format, `"schema_version": "ATIF-v1.x"`).

One trajectory is one conversation (`session_id`); each `agent` step with `metrics` is one model
call (`prompt_tokens` including `cached_tokens`, `completion_tokens`, `cost_usd`), a `user` step
starts a turn, `system` steps are the instructions. A file is one trajectory as a JSON document
(read item by item) or JSON Lines with one trajectory per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from agentloop.usage import Usage
from runs.traces import fields
from runs.traces.reader import CountingReader, first_value, json_document_items, json_lines
from runs.traces.records import ToolUse, TraceCall, TraceFormatError
from runs.traces.sizes import system_tokens, tools_tokens

SOURCES = ("system", "user", "agent")


class _Trajectory:
    """The running state of one trajectory while its steps stream past."""

    def __init__(self, session: str, agent: dict, keep_text: bool, progress_notes: list[str]):
        self.session = session
        self.agent = agent
        self.keep_text = keep_text
        self.notes = progress_notes
        self.system: list[str] = []
        self.user_waiting = True
        self.unmetered = 0
        definitions = agent.get("tool_definitions")
        self.tool_definitions = definitions if isinstance(definitions, list) else None

    def call(self, step: object, line: int, position: int) -> TraceCall | None:
        where = f"steps[{position}]"
        step = fields.mapping(step, where, line)
        source = step.get("source")
        if source not in SOURCES:
            raise TraceFormatError("must be system, user or agent", line=line, field=f"{where}.source")
        message = step.get("message")
        if source == "system":
            self.system.append(message if isinstance(message, str) else "")
            return None
        if source == "user":
            self.user_waiting = True
            return None
        if step.get("metrics") is None:
            self.unmetered += 1
            return None
        return self._agent_call(step, line, where)

    def _agent_call(self, step: dict, line: int, where: str) -> TraceCall:
        metrics = fields.mapping(step.get("metrics"), f"{where}.metrics", line)
        extra = fields.mapping(metrics.get("extra"), f"{where}.metrics.extra", line, required=False)
        model = fields.text(
            step.get("model_name") or self.agent.get("model_name"), f"{where}.model_name", line, required=True
        )
        usage = Usage(
            prompt_tokens=fields.token_count(
                metrics.get("prompt_tokens"), f"{where}.metrics.prompt_tokens", line
            ),
            cached_tokens=fields.token_count(
                metrics.get("cached_tokens"), f"{where}.metrics.cached_tokens", line
            ),
            cache_write_tokens=fields.token_count(
                extra.get("cache_write_tokens", extra.get("cache_creation_input_tokens")),
                f"{where}.metrics.extra.cache_write_tokens",
                line,
            ),
            completion_tokens=fields.token_count(
                metrics.get("completion_tokens"), f"{where}.metrics.completion_tokens", line
            ),
            reasoning_tokens=fields.token_count(
                extra.get("reasoning_tokens"), f"{where}.metrics.extra.reasoning_tokens", line
            ),
        )
        if usage.cached_tokens + usage.cache_write_tokens > usage.prompt_tokens:
            raise TraceFormatError("exceed prompt_tokens", line=line, field=f"{where}.metrics.cached_tokens")
        calls = step.get("tool_calls") or []
        if not isinstance(calls, list):
            raise TraceFormatError("must be a list", line=line, field=f"{where}.tool_calls")
        uses = tuple(
            ToolUse("function", str(call.get("function_name", "")))
            for call in calls
            if isinstance(call, dict)
        )
        starts, self.user_waiting = self.user_waiting, False
        return TraceCall(
            line=line,
            conversation_key=self.session,
            model=model,
            usage=usage,
            at=fields.timestamp(step.get("timestamp"), f"{where}.timestamp", line),
            recorded_cost_usd=fields.money(metrics.get("cost_usd"), f"{where}.metrics.cost_usd", line),
            starts_turn=starts,
            tool_uses=uses,
            system_tokens=system_tokens(model, self.system) if self.system else None,
            tools_tokens=None
            if self.tool_definitions is None
            else tools_tokens(model, self.tool_definitions),
            text=step if self.keep_text else None,
        )

    def finish(self) -> None:
        if self.unmetered:
            self.notes.append(
                f"{self.session}: {self.unmetered} agent steps without metrics are not priced calls."
            )


def _header(trajectory: dict, line: int) -> tuple[str, dict]:
    version = str(trajectory.get("schema_version", ""))
    if not version.upper().startswith("ATIF"):
        raise TraceFormatError("must be ATIF-v1.x", line=line, field="schema_version")
    session = fields.text(trajectory.get("session_id"), "session_id", line, required=True)
    return session, fields.mapping(trajectory.get("agent"), "agent", line)


def _steps(state: _Trajectory, steps: Iterable[tuple[int, object]]) -> Iterator[TraceCall]:
    for position, (line, step) in enumerate(steps):
        call = state.call(step, line, position)
        if call is not None:
            yield call
    state.finish()


def atif_calls(
    stream: CountingReader, *, json_lines_mode: bool, keep_text: bool = False
) -> Iterator[TraceCall]:
    notes = stream.progress.notes
    if json_lines_mode:
        for line, trajectory in json_lines(stream):
            trajectory = fields.mapping(trajectory, "trajectory", line)
            session, agent = _header(trajectory, line)
            steps = trajectory.get("steps")
            if not isinstance(steps, list):
                raise TraceFormatError("must be a list", line=line, field="steps")
            yield from _steps(_Trajectory(session, agent, keep_text, notes), ((line, step) for step in steps))
        return
    header = {
        "schema_version": first_value(stream, "schema_version"),
        "session_id": first_value(stream, "session_id"),
        "agent": first_value(stream, "agent"),
    }
    session, agent = _header(header, 1)
    yield from _steps(
        _Trajectory(session, agent, keep_text, notes), json_document_items(stream, "steps.item")
    )
