"""Persistence: saved at every checkpoint; a crash, then resume, loses nothing and repeats no tool call."""

import json

import pytest

from agentloop.limits import TurnInterrupted
from agentloop.loop import INTERRUPTED_TOOL_RESULT, Agent
from agentloop.offline import bundled_scripts
from agentloop.storage import JsonFileStorage, MemoryStorage
from agentloop.tools import ToolRegistry
from tests.agentloop.conftest import offline_client
from tests.agentloop.offline.test_server import CLEAN_USAGE, usage_of

SUPPORT = bundled_scripts()[0]


class Crash(BaseException):
    """The process dying: not an Exception, so nothing in the loop catches it."""


def counting_registry(ran: list[str], crash_on: str | None = None) -> ToolRegistry:
    """The support script's tools, noting every run; `crash_on` kills the process inside that tool."""
    registry = ToolRegistry()
    for tool in SUPPORT.tools:
        function = tool["function"]

        def handler(_name=function["name"], _result=tool["result"], **arguments):
            ran.append(_name)
            if _name == crash_on:
                raise Crash(_name)
            return _result

        registry.register(
            function["name"], handler, description=function["description"], parameters=function["parameters"]
        )
    return registry


def agent(server, storage, registry) -> Agent:
    return Agent(
        offline_client(server),
        "gpt-4.1",
        system=SUPPORT.system,
        tools=registry,
        storage=storage,
        conversation_id="conv-1",
    )


@pytest.fixture(params=["memory", "json"])
def storage(request, tmp_path):
    return MemoryStorage() if request.param == "memory" else JsonFileStorage(tmp_path)


def test_crash_between_turns_then_resume(fake_server, storage):
    ran: list[str] = []
    first = agent(fake_server, storage, counting_registry(ran))
    for turn in SUPPORT.turns[:2]:
        first.send(turn.user)
    del first  # the process dies between turns 2 and 3

    resumed = agent(fake_server, storage, counting_registry(ran))
    assert resumed.turns_completed == 2
    assert not resumed.interrupted
    assert resumed.finish_interrupted_turn() is None
    for turn in SUPPORT.turns[2:]:
        resumed.send(turn.user)

    assert ran == ["lookup_order", "get_return_policy", "create_return", "get_return_policy"]
    assert [c.index for c in resumed.calls] == list(range(1, 9))
    assert usage_of(resumed) == CLEAN_USAGE  # the same requests as an uninterrupted run
    saved = storage.load("conv-1")
    assert saved.turns_completed == 4
    assert [c.index for c in saved.calls] == list(range(1, 9))
    assert [m["content"] for m in saved.messages if m["role"] == "user"] == [t.user for t in SUPPORT.turns]
    assert len(saved.messages) == 1 + 4 * 4  # system, then per turn: user, tool call, tool result, reply
    assert [tc.result is not None for c in saved.calls for tc in c.tool_calls] == [True] * 4


def test_crash_inside_a_tool_then_resume_never_runs_it_again(fake_server, storage):
    ran: list[str] = []
    first = agent(fake_server, storage, counting_registry(ran, crash_on="create_return"))
    first.send(SUPPORT.turns[0].user)
    first.send(SUPPORT.turns[1].user)
    with pytest.raises(Crash):
        first.send(SUPPORT.turns[2].user)

    resumed = agent(fake_server, storage, counting_registry(ran))
    assert resumed.interrupted
    with pytest.raises(TurnInterrupted):
        resumed.send("a new message")
    result = resumed.finish_interrupted_turn()
    assert result is not None
    assert result.turn == 3
    assert result.reply == SUPPORT.turns[2].reply
    resumed.send(SUPPORT.turns[3].user)

    # create_return ran once, in the crashed process; the model was told instead of running it again.
    assert ran == ["lookup_order", "get_return_policy", "create_return", "get_return_policy"]
    saved = storage.load("conv-1")
    assert saved.turns_completed == 4
    assert [c.index for c in saved.calls] == list(range(1, 9))
    interrupted = saved.calls[4].tool_calls[0]
    assert (interrupted.name, interrupted.result, interrupted.error) == (
        "create_return",
        None,
        "interrupted; not run again",
    )
    assert saved.messages[11] == {
        "role": "tool",
        "tool_call_id": "call_3_1_1",
        "content": INTERRUPTED_TOOL_RESULT,
    }


class SnapshotStorage(MemoryStorage):
    """Keeps what each save wrote: (message roles, tool results known, turns completed)."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshots: list[tuple[list[str], list, int]] = []

    def save(self, conversation_id, messages, calls, turns_completed) -> None:
        super().save(conversation_id, messages, calls, turns_completed)
        results = [tc.result for c in self.conversations[conversation_id].calls for tc in c.tool_calls]
        self.snapshots.append(([m["role"] for m in messages], results, turns_completed))


def test_checkpoints_before_the_tools_run_and_when_the_turn_ends(fake_server):
    storage = SnapshotStorage()
    agent(fake_server, storage, counting_registry([])).send(SUPPORT.turns[0].user)
    # The tool call is stored before it runs (no result yet); the turn's end stores the rest at once.
    assert storage.snapshots == [
        (["system", "user", "assistant"], [None], 0),
        (["system", "user", "assistant", "tool", "assistant"], [json_result("lookup_order")], 1),
    ]


def json_result(name: str) -> str:
    tool = next(t for t in SUPPORT.tools if t["function"]["name"] == name)
    return json.dumps(tool["result"], separators=(",", ":"))


class FailingOnceStorage(MemoryStorage):
    """A storage whose `fail_at`-th save fails (a full disk, a lost connection), and only that one."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.fail_at, self.attempts = fail_at, 0

    def save(self, conversation_id, messages, calls, turns_completed) -> None:
        self.attempts += 1
        if self.attempts == self.fail_at:
            raise OSError("disk full")
        super().save(conversation_id, messages, calls, turns_completed)


def test_what_a_failed_save_missed_goes_with_the_next_save(fake_server):
    storage = FailingOnceStorage(fail_at=2)  # turn 1's last save: its reply's call record is lost
    first = agent(fake_server, storage, counting_registry([]))
    with pytest.raises(OSError, match="disk full"):
        first.send(SUPPORT.turns[0].user)
    first.send(SUPPORT.turns[1].user)
    saved = storage.load("conv-1")
    assert saved is not None
    assert [(c.index, c.turn) for c in saved.calls] == [(1, 1), (2, 1), (3, 2), (4, 2)]
    assert saved.calls[1].reply == SUPPORT.turns[0].reply
    assert [tc.result is not None for c in saved.calls for tc in c.tool_calls] == [True, True]
    assert saved.turns_completed == 2
