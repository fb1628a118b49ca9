"""`measure`: a script through the loop, stored call by call; offline, or any compatible endpoint."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from agentloop.limits import Limits, ToolRoundLimitExceeded
from agentloop.offline import OfflineServer, bundled_scripts, free_port
from agentloop.tokens import count_request
from runs.models import Run, RunStatus
from runs.services import MeasureError, run_measure
from tests.runs.conftest import AS_OF

# Per bundled script: (calls, turns, prompt tokens, cached, completion, measured USD at 2 / 0.5 / 8).
EXPECTED = {
    "support_agent": (8, 4, 14182, 11520, 384, "0.014156"),
    "document_qa": (8, 4, 21156, 15488, 449, "0.022672"),
    "coding_agent": (12, 3, 30859, 25088, 765, "0.030206"),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_measure_offline_stores_every_call(price_table, name):
    run = run_measure(name, offline=True, as_of=AS_OF)
    calls, turns, prompt, cached, completion, cost = EXPECTED[name]
    assert run.status == RunStatus.COMPLETED
    assert (run.calls_count, run.turns_completed, run.turns_planned) == (calls, turns, turns)
    assert (run.prompt_tokens, run.cached_tokens, run.completion_tokens) == (prompt, cached, completion)
    assert (run.cache_write_tokens, run.reasoning_tokens, run.retries) == (0, 0, 0)
    assert run.cost_usd == Decimal(cost)
    rows = run.calls.aggregate(prompt=Sum("prompt_tokens"), cached=Sum("cached_tokens"), cost=Sum("cost_usd"))
    assert (rows["prompt"], rows["cached"], rows["cost"]) == (prompt, cached, Decimal(cost))
    assert list(run.calls.values_list("index", flat=True)) == list(range(1, calls + 1))
    for call in run.calls.all():
        rates = (call.prompt_tokens - call.cached_tokens) * 2 + call.cached_tokens * Decimal("0.5")
        assert call.cost_usd == (rates + call.completion_tokens * 8) / 1_000_000
        assert call.latency_ms > 0
        assert call.request_id.startswith("req_fake_")
    assert (run.endpoint, run.offline, run.model, run.price_as_of) == ("offline", True, "gpt-4.1", AS_OF)
    assert run.messages[0]["role"] == "system"


def test_measure_command_prints_a_summary(price_table):
    out = StringIO()
    call_command("measure", "support_agent", "--offline", stdout=out)
    run = Run.objects.get()
    text = out.getvalue()
    assert text.startswith(
        f"Run #{run.pk}: Support agent with function tools on gpt-4.1 (offline), completed\n"
    )
    assert "  turns 4, calls 8, retries 0\n" in text
    assert "  input 14182 tokens (11520 cached, 0 written), output 384 (0 reasoning)\n" in text
    assert f"  inspect: /runs/{run.pk}/   calibration: /runs/{run.pk}/calibration" in text


def test_measure_command_json(price_table):
    out = StringIO()
    call_command("measure", "coding_agent", "--offline", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["status"] == "completed"
    assert body["totals"]["calls"] == 12
    assert body["totals"]["prompt_tokens"] == 30859
    assert len(body["calls"]) == 12
    first = body["calls"][0]
    assert {
        k: first[k] for k in ("index", "turn", "round", "prompt_tokens", "cached_tokens", "completion_tokens")
    } == {
        "index": 1,
        "turn": 1,
        "round": 0,
        "prompt_tokens": 983,
        "cached_tokens": 0,
        "completion_tokens": 13,
    }
    assert first["tool_calls"][0]["name"] == "read_file"
    assert first["tool_calls"][0]["arguments"] == '{"path":"billing/invoice.py"}'
    script = bundled_scripts()[2]
    messages = [
        {"role": "system", "content": script.system},
        {"role": "user", "content": script.turns[0].user},
    ]
    request = {"messages": messages, "tools": script.tool_definitions()}
    assert count_request("chat_completions", "gpt-4.1", request).prompt_tokens == 983
    assert first["cost_usd"] == "0.00207"  # (983 * 2 + 13 * 8) / 1e6
    assert sum(Decimal(c["cost_usd"]) for c in body["calls"]) == Decimal(body["totals"]["cost_usd"])


def test_measure_against_any_compatible_endpoint(price_table, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with OfflineServer(bundled_scripts(), port=free_port()) as server:
        run = run_measure("document_qa", base_url=server.base_url, as_of=AS_OF)
    assert (run.endpoint, run.offline, run.calls_count) == (server.base_url, False, 8)
    assert run.cost_usd == Decimal("0.022672")


def test_a_failed_run_is_stored_with_its_calls(price_table):
    with pytest.raises(ToolRoundLimitExceeded):
        run_measure("coding_agent", offline=True, limits=Limits(max_tool_rounds=0), as_of=AS_OF)
    run = Run.objects.get()
    assert run.status == RunStatus.FAILED
    assert run.error == "ToolRoundLimitExceeded: turn 1: the model asked for more than 0 tool rounds"
    assert run.calls_count == 1
    assert run.finished_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.json", "--offline"], "script: script: cannot read nope.json: No such file or directory"),
        (["support_agent", "--offline", "--model", "gpt-nope"], "model: Unknown model 'gpt-nope'"),
        (["support_agent"], "api_key: OPENAI_API_KEY is not set: set it, or use --offline"),
        (
            ["support_agent", "--offline", "--base-url", "http://127.0.0.1:8599/v1"],
            "base_url: give either --offline or --base-url, not both",
        ),
        (
            ["support_agent", "--offline", "--history-budget", "0"],
            "--history-budget: must be a positive number",
        ),
    ],
)
def test_measure_errors_name_the_option(price_table, monkeypatch, args, message):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(CommandError) as caught:
        call_command("measure", *args, stdout=StringIO())
    assert str(caught.value).startswith(message)
    assert not Run.objects.exists()


def test_a_bad_script_file_names_the_field(price_table, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "x", "model": "gpt-4.1", "system": "s", "turns": [{"user": "hi"}]}))
    with pytest.raises(MeasureError, match=r"^script: turns\[0\]\.reply: is required$"):
        run_measure(str(path), offline=True)


def test_a_history_budget_truncates_and_the_script_still_plays(price_table):
    run = run_measure("support_agent", offline=True, history_budget=1700, as_of=AS_OF)
    prompts = list(run.calls.values_list("prompt_tokens", flat=True))
    assert prompts == [1203, 1412, 1543, 1395, 1501, 1688, 1470, 1660]  # turn 1 dropped from call 4 on
    assert max(prompts) <= 1700
    assert (run.turns_completed, run.history_budget) == (4, 1700)
    assert len(run.messages) == 17  # the stored conversation keeps everything; only the window shrinks
