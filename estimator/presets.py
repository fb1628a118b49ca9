"""Starting points for common agents: each preset is a set of inputs that fills the form.

Values are raw inputs (as a user would type them); anything not listed keeps its default. They are
plausible shapes, not measurements: the page says so, and the user is expected to tweak them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    summary: str
    inputs: dict[str, str]


PRESETS: tuple[Preset, ...] = (
    Preset(
        "support_bot",
        "Support bot with a help centre and order tools",
        "Answers from a help-centre knowledge base (file search) and looks up orders with function tools.",
        {
            "sessions_per_month": "20000",
            "turns_per_session": "6",
            "system_prompt_tokens": "1200",
            "tool_schema_tokens": "900",
            "user_message_tokens": "80",
            "assistant_reply_tokens": "250",
            "function_calls_per_turn": "1",
            "tool_call_tokens": "60",
            "tool_result_tokens": "400",
            "file_search_calls_per_turn": "0.5",
            "vector_store_gb": "2",
            "retrieval_infra_usd_per_month": "50",
            "session_minutes": "8",
        },
    ),
    Preset(
        "document_qa",
        "Document Q&A with uploads and file search",
        "Users upload files and ask questions; answers come from file search.",
        {
            "sessions_per_month": "5000",
            "turns_per_session": "5",
            "system_prompt_tokens": "800",
            "tool_schema_tokens": "200",
            "user_message_tokens": "100",
            "assistant_reply_tokens": "400",
            "function_calls_per_turn": "0",
            "file_search_calls_per_turn": "1",
            "vector_store_gb": "2",
            "upload_gb_per_session": "0.01",
            "upload_retention_days": "7",
            "retrieval_infra_usd_per_month": "50",
            "session_minutes": "12",
        },
    ),
    Preset(
        "data_analyst",
        "Data analyst with code execution",
        "Writes and runs code on the user's data, a couple of runs per question.",
        {
            "sessions_per_month": "2000",
            "turns_per_session": "10",
            "system_prompt_tokens": "1500",
            "tool_schema_tokens": "300",
            "user_message_tokens": "150",
            "assistant_reply_tokens": "500",
            "function_calls_per_turn": "0",
            "code_interpreter_calls_per_turn": "2",
            "tool_call_tokens": "250",
            "code_interpreter_output_tokens": "800",
            "session_minutes": "20",
            "sandbox_usd_per_hour": "0.1",
        },
    ),
    Preset(
        "coding_agent",
        "Coding agent with many tool rounds",
        "Reads and edits files in a long loop of function calls on a reasoning model; your own loop drops "
        "old file contents from its history.",
        {
            "model": "gpt-5.4",
            "keep_tool_results_in_history": "false",
            "sessions_per_month": "3000",
            "turns_per_session": "12",
            "system_prompt_tokens": "4000",
            "tool_schema_tokens": "3000",
            "user_message_tokens": "200",
            "assistant_reply_tokens": "600",
            "function_calls_per_turn": "8",
            "tool_call_tokens": "150",
            "tool_result_tokens": "1500",
            "reasoning_tokens_per_call": "400",
            "session_minutes": "30",
        },
    ),
)
PRESETS_BY_KEY = {preset.key: preset for preset in PRESETS}
