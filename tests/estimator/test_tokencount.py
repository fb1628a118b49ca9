"""The token counter: exact tiktoken counts, htmx out-of-band fills, the no-JavaScript form, limits."""

import json
import re
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from agentloop import tokens
from pricing.sync import sync_prices
from tests.estimator.test_pages import card_figure
from tests.matching import first_group

pytestmark = pytest.mark.django_db

SYSTEM = "You are a helpful assistant for Acme's support desk. Answer briefly."
TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "get_order",
            "description": "Look up an order by its id.",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string", "description": "The order id."},
                    "status": {"type": "string", "enum": ["open", "closed"]},
                },
            },
        },
    }
]
USER = "Where is my order 123?"
REPLY = "Your order ships tomorrow."
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


def count(client, headers=None, **fields):
    # Urlencoded, as browsers and htmx send a form (the test client's default is multipart).
    return client.post(
        "/tokens/count",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers=headers or {},
    )


def all_texts(**extra):
    return {
        "system_prompt": SYSTEM,
        "tools_json": json.dumps(TOOLS),
        "user_message": USER,
        "assistant_reply": REPLY,
        **extra,
    }


def test_exact_counts_in_o200k_base(client):
    html = count(client, **all_texts(model="gpt-4.1")).content.decode()
    # system: 3 per message + "system" (1) + 15 text tokens, + 3 priming the reply = 22
    assert 'data-figure="system_prompt_tokens" data-value="22"' in html
    assert 'data-figure="tool_schema_tokens" data-value="50"' in html
    # user: 3 per message + "user" (1) + 7 text tokens = 11
    assert 'data-figure="user_message_tokens" data-value="11"' in html
    assert 'data-figure="assistant_reply_tokens" data-value="5"' in html
    assert "Counted in <strong>o200k_base</strong> for gpt-4.1" in html


def test_counts_agree_with_agentloop_tokens(client):
    html = count(client, **all_texts(model="gpt-4.1")).content.decode()
    expected = tokens.count_messages([{"role": "system", "content": SYSTEM}], "gpt-4.1")
    assert f'data-figure="system_prompt_tokens" data-value="{expected}"' in html
    assert f'data-value="{tokens.count_tools(TOOLS, "gpt-4.1")}"' in html


def test_a_whole_chat_completions_body_is_counted_and_fills_the_fields(client):
    body = {
        "model": "gpt-4.1",
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}],
        "tools": TOOLS,
    }
    html = count(client, request_json=json.dumps(body), model="gpt-4o").content.decode()
    # The whole prompt as OpenAI bills it; the parts sum one more (".\n\n" is one token in the whole).
    assert tokens.count_request("chat_completions", "gpt-4.1", body) == tokens.RequestCount(82)
    assert 'data-figure="request_prompt_tokens" data-value="82"' in html
    assert "as OpenAI bills a Chat Completions request's prompt" in html
    for name, value in (
        ("system_prompt_tokens", 22),
        ("tool_schema_tokens", 50),
        ("user_message_tokens", 11),
    ):
        assert f'data-figure="{name}" data-value="{value}"' in html
    assert "Counted in <strong>o200k_base</strong> for gpt-4.1" in html  # the body's own model


def test_a_responses_body_and_what_it_cannot_count(client):
    body = {"instructions": SYSTEM, "input": USER, "tools": [{"type": "function", **TOOLS[0]["function"]}]}
    html = count(client, request_json=json.dumps(body), model="gpt-4.1").content.decode()
    # The Responses API gives the tools a system message of their own: its framing instead of the blank
    # line that joins them to the instructions in Chat Completions (80, not 76).
    assert 'data-figure="request_prompt_tokens" data-value="80"' in html
    assert "a Responses API request's input" in html
    image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    body = {
        "model": "gpt-4.1",
        "messages": [{"role": "user", "content": [image, {"type": "text", "text": "what?"}]}],
    }
    html = count(client, request_json=json.dumps(body)).content.decode()
    assert (
        "<li data-not-counted>messages[0].content[0]: an image whose size or formula is unknown</li>" in html
    )


def test_a_box_wins_over_the_same_part_of_the_request(client):
    body = {
        "model": "gpt-4.1",
        "messages": [{"role": "system", "content": "x"}, {"role": "user", "content": USER}],
    }
    html = count(
        client, request_json=json.dumps(body), system_prompt=SYSTEM, model="gpt-4.1"
    ).content.decode()
    assert 'data-figure="system_prompt_tokens" data-value="22"' in html
    assert 'data-figure="user_message_tokens" data-value="11"' in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not valid JSON"),
        (
            '["a list"]',
            'must be a Chat Completions body (with "messages") or a Responses body (with "input").',
        ),
        ('{"messages": "hi"}', "messages: must be a list."),
        ('{"input": 5}', "input: must be a string or a list of items."),
    ],
)
def test_a_bad_request_body_is_an_error_on_its_box(client, text, message):
    response = count(client, request_json=text, model="gpt-4.1")
    assert response.status_code == 400
    html = response.content.decode()
    error = first_group(r'<p class="error" id="err-request_json">([^<]*)</p>', html)
    assert message in error.replace("&quot;", '"')


def test_cl100k_model_uses_its_encoding(client):
    html = count(client, system_prompt=SYSTEM, model="gpt-4").content.decode()
    assert "Counted in <strong>cl100k_base</strong> for gpt-4" in html


def test_responses_style_flat_tools_count_the_same(client):
    flat = [{"type": "function", **TOOLS[0]["function"]}]
    html = count(client, tools_json=json.dumps(flat), model="gpt-4.1").content.decode()
    assert 'data-figure="tool_schema_tokens" data-value="50"' in html


def test_without_javascript_the_page_comes_back_filled_and_nothing_is_lost(client):
    response = count(
        client,
        **all_texts(
            model="gpt-4.1", turns_per_session="3", turns_distribution="fixed", tool_result_tokens="250"
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="system_prompt_tokens" value="22"' in html
    assert 'name="tool_schema_tokens" value="50"' in html
    assert 'name="user_message_tokens" value="11"' in html
    assert 'name="assistant_reply_tokens" value="5"' in html
    assert 'name="turns_per_session" value="3"' in html
    assert 'name="tool_result_tokens" value="250"' in html
    assert "Acme&#x27;s support desk" in html  # the pasted prompt is still in its box
    assert card_figure(html, "chat_completions", "model_calls") == "6"


def test_htmx_fills_the_fields_out_of_band_and_refreshes_the_results(client):
    response = count(client, HTMX, system_prompt=SYSTEM, user_message=USER, model="gpt-4.1")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger-After-Settle"] == "tokens-counted"
    assert html.lstrip().startswith('<div id="token-result"')
    assert re.search(
        r'<input type="text" name="system_prompt_tokens" value="22"[^>]*hx-swap-oob="true"[^>]*'
        r'id="id_system_prompt_tokens"',
        html,
    )
    assert 'name="user_message_tokens" value="11"' in html and 'id="id_user_message_tokens"' in html
    assert "id_tool_schema_tokens" not in html  # an empty box leaves its field alone


def test_bad_tools_json_names_the_field(client):
    response = count(client, tools_json="[{not json", system_prompt=SYSTEM, turns_per_session="4")
    html = response.content.decode()
    assert response.status_code == 400
    assert '<p class="error" id="err-tools_json">is not valid JSON:' in html
    assert "[{not json</textarea>" in html
    assert 'name="turns_per_session" value="4"' in html


@pytest.mark.parametrize(
    ("tools_json", "message"),
    [
        ('{"a": 1}', "must be a JSON list of tools."),
        ("[1]", "tool 1 is not a JSON object."),
        ('[{"type": "function", "function": {}}]', 'tool 1 has no "name".'),
    ],
)
def test_tools_shape_errors(client, tools_json, message):
    html = count(client, HTMX, tools_json=tools_json).content.decode()
    assert message.replace('"', "&quot;") in html
    assert "hx-swap-oob" not in html


def test_nothing_to_count(client):
    html = count(client, HTMX, model="gpt-4.1", system_prompt="  ").content.decode()
    assert "Paste at least one text to count." in html


def test_over_200_kb_is_a_clear_error(client):
    response = count(client, system_prompt="a" * (200 * 1024 + 1))
    assert response.status_code == 400
    assert "the counter takes at most 200 KB per box." in response.content.decode()


def test_huge_body_is_refused_before_it_is_read(client):
    response = client.post(
        "/tokens/count",
        "system_prompt=" + "a" * (3 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "KB limit" in response.content.decode()


def test_a_100_kb_prompt_in_well_under_a_second(client):
    prompt = ("The quick brown fox jumps over the lazy dog; the agent must answer politely. " * 1400)[
        : 100 * 1024
    ]
    count(client, HTMX, system_prompt="warm up")
    started = time.perf_counter()
    response = count(client, HTMX, system_prompt=prompt, model="gpt-4.1")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    expected = tokens.count_text(prompt, "o200k_base") + 3 + 1 + 3
    assert f'data-value="{expected}"' in response.content.decode()
    assert elapsed < 0.5


def test_multipart_is_refused_with_a_clear_message(client):
    response = client.post("/tokens/count", {"system_prompt": SYSTEM})
    assert response.status_code == 400
    assert "application/x-www-form-urlencoded" in response.content.decode()


def test_get_is_not_allowed(client):
    assert client.get("/tokens/count").status_code == 405


def test_deeply_nested_json_is_an_error_not_a_crash(client):
    response = count(client, HTMX, tools_json="[" * 100_000 + "]" * 100_000, model="gpt-4.1")
    assert response.status_code == 200
    assert "is nested too deeply to be a list of tools." in response.content.decode()


def test_a_model_id_with_a_nul_byte_is_refused_before_any_query(client):
    response = count(client, system_prompt=SYSTEM, model="gpt-4.1\x00")
    assert response.status_code == 400
    assert "must be a model id from the price table." in response.content.decode()
    page = client.get("/", {"model": "gpt-4.1\x00"})
    assert page.status_code == 400
    assert (
        '<p class="error" id="err-model">must be a model id from the price table.</p>'
        in page.content.decode()
    )
