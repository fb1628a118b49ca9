"""History truncation: whole turns, oldest first, never the system prompt or the current turn."""

from agentloop.history import History
from agentloop.tokens import count_message, count_messages

ENC = "o200k_base"
SYSTEM = {"role": "system", "content": "You are a helpful assistant."}  # 3 + 1 + 6 = 10 tokens


def turn(n: int, with_tool: bool = False) -> list[dict]:
    messages: list[dict] = [{"role": "user", "content": f"question number {n}"}]
    if with_tool:
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"c{n}",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"n": 1}'},
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": f"c{n}", "content": "a result of some length"})
    messages.append({"role": "assistant", "content": f"answer number {n}"})
    return messages


def history_of(*turns) -> History:
    history = History(ENC, [SYSTEM])
    for messages in turns:
        for message in messages:
            history.messages.append(message)
    return history


def test_no_budget_sends_everything():
    history = history_of(turn(1), turn(2))
    window, dropped = history.window(None)
    assert window == history.messages
    assert dropped == 0


def test_window_counts_like_openai():
    history = history_of(turn(1, with_tool=True), [{"role": "user", "content": "next"}])
    # The whole history plus 50 tokens of tools, as OpenAI counts it, fits exactly; a token less does not.
    exact = count_messages(history.messages, ENC) + 50
    assert history.window(exact, tool_tokens=50) == (history.messages, 0)
    assert history.window(exact - 1, tool_tokens=50)[1] == 1


def test_oldest_turns_go_first_and_the_system_prompt_stays():
    turns = [turn(1, with_tool=True), turn(2), turn(3, with_tool=True)]
    current = [{"role": "user", "content": "and now?"}]
    history = history_of(*turns, current)
    # A tool result is rendered from `functions.NAME`: its size depends on the call it answers.
    names = {"c1": "lookup", "c3": "lookup"}
    sizes = [sum(count_message(m, ENC, names) for m in t) for t in turns]
    system = count_message(SYSTEM, ENC)
    current_size = count_message(current[0], ENC)
    # Exactly enough for system + turns 2 and 3 + the current turn + the reply's priming.
    budget = system + sizes[1] + sizes[2] + current_size + 3
    window, dropped = history.window(budget)
    assert dropped == 1
    assert window == [SYSTEM, *turns[1], *turns[2], *current]
    assert count_messages(window, ENC) == budget
    # One token less and turn 2 goes too; turn 3's tool call still travels with its result.
    window, dropped = history.window(budget - 1)
    assert dropped == 2
    assert window == [SYSTEM, *turns[2], *current]
    assert [m["role"] for m in window] == ["system", "user", "assistant", "tool", "assistant", "user"]


def test_tool_definitions_count_against_the_budget():
    history = history_of(turn(1), [{"role": "user", "content": "hi"}])
    full = count_messages(history.messages, ENC)
    assert history.window(full)[1] == 0
    assert history.window(full, tool_tokens=1)[1] == 1


def test_the_current_turn_is_never_dropped_even_over_budget():
    current = turn(9, with_tool=True)[:3]  # user, assistant tool call, tool result: mid-turn
    history = history_of(turn(1), current)
    window, dropped = history.window(1)
    assert dropped == 1
    assert window == [SYSTEM, *current]


def test_the_full_history_is_kept_whatever_the_window():
    history = history_of(turn(1), turn(2), [{"role": "user", "content": "x"}])
    history.window(1)
    assert len(history.messages) == 1 + 2 + 2 + 1
