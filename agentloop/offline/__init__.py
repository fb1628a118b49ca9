"""Test doubles for the loop: an offline OpenAI-compatible server that replays workload scripts.

    python -m agentloop.offline --port 8500 [--script FILE ...] [--cache-write-model MODEL ...]

Not needed in production: copy `agentloop/` without this package.
"""

from agentloop.offline.model import NO_SCRIPT_REPLY, FakeOpenAI, RequestError
from agentloop.offline.scripts import (
    BUNDLED,
    Script,
    ScriptError,
    ScriptTurn,
    bundled_script_path,
    bundled_scripts,
    load_script,
    parse_script,
)
from agentloop.offline.server import OfflineServer, free_port

__all__ = [
    "BUNDLED",
    "NO_SCRIPT_REPLY",
    "FakeOpenAI",
    "OfflineServer",
    "RequestError",
    "Script",
    "ScriptError",
    "ScriptTurn",
    "bundled_script_path",
    "bundled_scripts",
    "free_port",
    "load_script",
    "parse_script",
]
