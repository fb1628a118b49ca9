"""The database storage: one transaction per save, and crash-then-resume with nothing lost or repeated."""

import openai
import pytest

from agentloop.loop import Agent
from agentloop.offline import bundled_scripts
from runs.models import Call, Run
from runs.storage import DatabaseStorage
from tests.agentloop.conftest import offline_client
from tests.agentloop.offline.test_server import CLEAN_USAGE
from tests.agentloop.test_resume import Crash, counting_registry
from tests.runs.conftest import AS_OF

SUPPORT = bundled_scripts()[0]


def new_run() -> Run:
    return Run.objects.create(
        script_name=SUPPORT.name, model="gpt-4.1", endpoint="offline", price_as_of=AS_OF, turns_planned=4
    )


def agent_for(server, run: Run, ran: list, crash_on=None) -> Agent:
    return Agent(
        offline_client(server),
        "gpt-4.1",
        system=SUPPORT.system,
        tools=counting_registry(ran, crash_on=crash_on),
        storage=DatabaseStorage(),
        conversation_id=str(run.pk),
    )


@pytest.mark.django_db
def test_crash_between_turns_then_resume_from_the_database(fake_server):
    run = new_run()
    ran: list[str] = []
    first = agent_for(fake_server, run, ran)
    first.send(SUPPORT.turns[0].user)
    first.send(SUPPORT.turns[1].user)
    del first

    resumed = agent_for(fake_server, run, ran)
    assert resumed.turns_completed == 2
    for turn in SUPPORT.turns[2:]:
        resumed.send(turn.user)

    run.refresh_from_db()
    assert ran == ["lookup_order", "get_return_policy", "create_return", "get_return_policy"]
    assert run.turns_completed == 4
    rows = list(run.calls.order_by("index"))
    assert [c.index for c in rows] == list(range(1, 9))
    assert [(c.prompt_tokens, c.cached_tokens, c.completion_tokens) for c in rows] == CLEAN_USAGE
    assert (run.calls_count, run.prompt_tokens, run.cached_tokens) == (8, 14182, 11520)
    assert [m["content"] for m in run.messages if m["role"] == "user"] == [t.user for t in SUPPORT.turns]
    assert rows[0].tool_calls == [
        {
            "id": "call_1_1_1",
            "name": "lookup_order",
            "arguments": '{"order_id":"BL-104233"}',
            "result": rows[0].tool_calls[0]["result"],
            "error": None,
        }
    ]
    assert rows[0].tool_calls[0]["result"].startswith('{"order_id":"BL-104233","customer_first_name":"Maya"')


@pytest.mark.django_db
def test_crash_inside_a_tool_then_resume_never_runs_it_again(fake_server):
    run = new_run()
    ran: list[str] = []
    first = agent_for(fake_server, run, ran, crash_on="lookup_order")
    with pytest.raises(Crash):
        first.send(SUPPORT.turns[0].user)
    # The checkpoint before the tool ran holds the model's request for it.
    run.refresh_from_db()
    assert [m["role"] for m in run.messages] == ["system", "user", "assistant"]
    assert run.calls.get().tool_calls[0]["result"] is None

    resumed = agent_for(fake_server, run, ran)
    resumed.finish_interrupted_turn()
    assert ran == ["lookup_order"]
    call = Call.objects.get(run=run, index=1)
    assert call.tool_calls[0]["error"] == "interrupted; not run again"
    assert Run.objects.get(pk=run.pk).turns_completed == 1


@pytest.mark.django_db
def test_a_save_is_one_transaction(fake_server, monkeypatch):
    run = new_run()
    agent = agent_for(fake_server, run, [])
    agent.send(SUPPORT.turns[0].user)
    real_save = Run.save

    def fail_at_the_end_of_turn_2(self, *args, **kwargs):
        if self.turns_completed == 2:
            raise RuntimeError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Run, "save", fail_at_the_end_of_turn_2)
    with pytest.raises(RuntimeError, match="disk full"):
        agent.send(SUPPORT.turns[1].user)
    after = Run.objects.get(pk=run.pk)
    # The end-of-turn save had written call 4 before the run row failed: all of it rolled back, so the
    # database holds the checkpoint taken before turn 2's tool ran, consistent with itself.
    assert list(after.calls.values_list("index", flat=True)) == [1, 2, 3]
    assert after.turns_completed == 1
    assert [m["role"] for m in after.messages[-2:]] == ["user", "assistant"]
    assert after.calls.get(index=3).tool_calls[0]["result"] is None
    assert after.calls_count == 3


@pytest.mark.django_db
def test_an_unknown_conversation_loads_as_none():
    assert DatabaseStorage().load("424242") is None


@pytest.mark.django_db
def test_a_model_error_is_stored_as_a_failed_call(fake_server):
    run = new_run()
    client = offline_client(fake_server, default_headers={"x-fake-fault": "500:3"})
    agent = Agent(
        client, "gpt-4.1", system=SUPPORT.system, storage=DatabaseStorage(), conversation_id=str(run.pk)
    )
    with pytest.raises(openai.InternalServerError):
        agent.send("hello")
    call = Call.objects.get(run=run)
    assert call.error == "InternalServerError: Error code: 500 - The server had an error (injected)"
    assert (call.prompt_tokens, call.cost_usd, call.retries_taken) == (0, None, None)


def test_a_conversation_id_must_be_a_run_id():
    with pytest.raises(ValueError, match="^conversation_id must be a Run id \\(digits\\), not 'abc'$"):
        DatabaseStorage().load("abc")
