"""An offline OpenAI-compatible Chat Completions server that replays workload scripts.

    server = FakeOpenAIServer(bundled_scripts(), port=8500).start()   # or: python -m agentloop.fake_server
    client = openai.OpenAI(base_url=server.base_url, api_key="offline")

It serves `POST /v1/chat/completions` on 127.0.0.1 only. A request is matched to a script by its system
prompt and to a turn by its last user message; the server answers the turn's next tool round, or its
reply once every round has its results. Usage is reported as OpenAI counts it: `agentloop.tokens`
(per-message overhead, tool definitions, the reply's priming), and `prompt_tokens_details.cached_tokens`
by the prefix rule across requests: the longest run of leading segments (system message, tool
definitions, then each message) that an earlier request already sent, in 128-token steps from 1,024
(token by token for models billed for cache writes, `cache_write_models`, which also report in
`cache_write_tokens` what of their prompt they did not read, as cost model v2 bills it).

Faults, on request, through the `x-fake-fault` header: `429` (with `retry-after-ms`), `500`, `drop`
(the connection closes with no response), `malformed_args` (a tool call's arguments are cut short, so
they are not valid JSON). `429:3` applies the fault to the first 3 attempts of the request, counted by
the SDK's `x-stainless-retry-count` header; the default is the first attempt only, so the SDK's retry
then succeeds.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from agentloop.script import Script, ScriptTurn, bundled_scripts, load_script
from agentloop.tokens import TOKENS_PER_TOOL_CALL, count_message, count_text, count_tools, encoding_for_model

log = logging.getLogger("agentloop.fake_server")

CACHE_MIN_TOKENS = 1024
CACHE_STEP = 128
FAULTS = ("429", "500", "drop", "malformed_args")
RETRY_AFTER_MS = 20
NO_SCRIPT_REPLY = "This offline server has no workload script whose system prompt matches this conversation."


def cacheable(prefix_tokens: int, step: int = CACHE_STEP) -> int:
    """The cached part of a shared prefix: whole steps (128 tokens, or 1 for models billed for cache
    writes), from 1,024 tokens."""
    return prefix_tokens // step * step if prefix_tokens >= CACHE_MIN_TOKENS else 0


class RequestError(ValueError):
    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


def parse_fault(header: str | None) -> tuple[str, int] | None:
    if not header:
        return None
    name, _, times = header.strip().partition(":")
    if name not in FAULTS:
        raise RequestError(
            f"x-fake-fault must be one of {', '.join(FAULTS)}, optionally ':N'", "x-fake-fault"
        )
    if times and not times.isdigit():
        raise RequestError("x-fake-fault: N in ':N' must be a whole number", "x-fake-fault")
    return name, int(times or 1)


class FakeOpenAI:
    """The model side, without HTTP: scripts, usage accounting and the prompt cache."""

    def __init__(self, scripts=(), cache_write_models=()):
        self.scripts: dict[str, Script] = {script.system: script for script in scripts}
        self.cache_write_models = frozenset(cache_write_models)
        self._cached_prefixes: set[bytes] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def _script_turn(self, messages: list[dict]) -> tuple[Script | None, int, ScriptTurn | None]:
        system = next((m.get("content") for m in messages if m.get("role") == "system"), None)
        script = self.scripts.get(system)
        users = [m.get("content") for m in messages if m.get("role") == "user"]
        if script is None or not users:
            return script, -1, None
        # Equal user texts are told apart by how many times the text came before (truncation may have
        # dropped early turns, so the position of the message is no guide).
        candidates = [i for i, turn in enumerate(script.turns) if turn.user == users[-1]]
        if not candidates:
            return script, -1, None
        index = candidates[min(users[:-1].count(users[-1]), len(candidates) - 1)]
        return script, index, script.turns[index]

    def usage(self, model: str, messages: list[dict], tools: list[dict]) -> tuple[int, int]:
        """(prompt_tokens, cached_tokens) for a request, remembering its prefixes for later requests."""
        encoding = encoding_for_model(model)
        segments = []
        rest = list(messages)
        if rest and rest[0].get("role") in ("system", "developer"):
            segments.append((rest.pop(0), count_message(messages[0], encoding)))
        if tools:
            segments.append((tools, count_tools(tools, encoding)))
        segments.extend((message, count_message(message, encoding)) for message in rest)
        prompt_tokens = sum(tokens for _, tokens in segments) + 3  # +3 primes the reply
        digest = hashlib.sha256(model.encode()).digest()
        prefix = shared = 0
        chain = []
        for segment, tokens in segments:
            digest = hashlib.sha256(digest + json.dumps(segment, sort_keys=True).encode()).digest()
            chain.append(digest)
            prefix += tokens
            with self._lock:
                if digest in self._cached_prefixes and shared == prefix - tokens:
                    shared = prefix
        with self._lock:
            self._cached_prefixes.update(chain)
        return prompt_tokens, cacheable(shared, self.cache_step(model))

    def cache_step(self, model: str) -> int:
        return 1 if model in self.cache_write_models else CACHE_STEP

    def cache_write(self, model: str, prompt_tokens: int, cached: int) -> int:
        """Tokens this request writes to the cache (cost model v2): what of its prompt it did not read,
        from 1,024 tokens, whether or not a later call reads it. Reported only for models billed for
        cache writes, which cache token by token."""
        if model not in self.cache_write_models:
            return 0
        return max(0, cacheable(prompt_tokens, 1) - cached)

    def complete(self, body: dict, fault: str | None = None) -> dict:
        if not isinstance(body, dict):
            raise RequestError("the request body must be a JSON object")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise RequestError("model: a model id is required", "model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise RequestError("messages: a non-empty list of messages is required", "messages")
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or not isinstance(message.get("role"), str):
                raise RequestError(f"messages[{i}]: must be an object with a role", f"messages[{i}]")
        tools = body.get("tools") or []
        if not isinstance(tools, list):
            raise RequestError("tools: must be a list", "tools")
        script, turn_index, turn = self._script_turn(messages)
        last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
        rounds_done = sum(1 for m in messages[last_user + 1 :] if m.get("tool_calls"))
        encoding = encoding_for_model(model)
        message: dict = {"role": "assistant", "content": None, "refusal": None}
        if turn is not None and rounds_done < len(turn.rounds):
            calls = []
            for j, call in enumerate(turn.rounds[rounds_done]):
                arguments = json.dumps(call["arguments"], separators=(",", ":"), ensure_ascii=False)
                if fault == "malformed_args":
                    arguments = arguments[:-1]
                call_id = f"call_{turn_index + 1}_{rounds_done + 1}_{j + 1}"
                calls.append(
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": call["name"], "arguments": arguments},
                    }
                )
            message["tool_calls"] = calls
            finish_reason = "tool_calls"
            completion_tokens = sum(
                TOKENS_PER_TOOL_CALL
                + count_text(c["function"]["name"], encoding)
                + count_text(c["function"]["arguments"], encoding)
                for c in calls
            )
        else:
            message["content"] = turn.reply if turn is not None else NO_SCRIPT_REPLY
            finish_reason = "stop"
            completion_tokens = count_text(message["content"], encoding)
        prompt_tokens, cached = self.usage(model, messages, tools)
        written = self.cache_write(model, prompt_tokens, cached)
        number = next(self._ids)
        return {
            "id": f"chatcmpl-fake-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {
                    "cached_tokens": cached,
                    "cache_write_tokens": written,
                    "audio_tokens": 0,
                },
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
            },
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as with the real API
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall
    server: _HTTPServer

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        log.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", f"req_fake_{next(self.server.request_ids)}")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str, param=None, headers=None) -> None:
        self._send(
            status, {"error": {"message": message, "type": kind, "param": param, "code": None}}, headers
        )

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send(200, {"object": "list", "data": []})
        else:
            self._error(404, f"no route {self.path}", "invalid_request_error")

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        if self.path.split("?")[0].rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._error(404, f"no route {self.path}", "invalid_request_error")
            return
        try:
            fault = parse_fault(self.headers.get("x-fake-fault"))
            attempt = int(self.headers.get("x-stainless-retry-count") or 0)
            active = fault[0] if fault is not None and attempt < fault[1] else None
            if active == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if active == "429":
                self._error(
                    429,
                    "Rate limit reached (injected)",
                    "requests",
                    headers={"retry-after-ms": str(RETRY_AFTER_MS)},
                )
                return
            if active == "500":
                self._error(
                    500,
                    "The server had an error (injected)",
                    "server_error",
                    headers={"retry-after-ms": str(RETRY_AFTER_MS)},
                )
                return
            try:
                body = json.loads(raw or b"null")
            except json.JSONDecodeError as exc:
                raise RequestError(f"the body is not valid JSON ({exc.msg})") from None
            self._send(200, self.server.model.complete(body, active))
        except RequestError as exc:
            self._error(400, str(exc), "invalid_request_error", exc.param)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, model: FakeOpenAI):
        super().__init__(address, _Handler)
        self.model = model
        self.request_ids = itertools.count(1)


class FakeOpenAIServer:
    """The HTTP server on 127.0.0.1; port 0 picks a free one. A context manager."""

    def __init__(self, scripts=(), port: int = 0, cache_write_models=()):
        self.model = FakeOpenAI(scripts, cache_write_models)
        self.httpd = _HTTPServer(("127.0.0.1", port), self.model)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread: threading.Thread | None = None

    def start(self) -> FakeOpenAIServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agentloop.fake_server")
    parser.add_argument("--port", type=int, default=8500)
    parser.add_argument(
        "--script", action="append", default=[], help="a workload script (default: the bundled ones)"
    )
    parser.add_argument("--cache-write-model", action="append", default=[], help="report cache writes for it")
    args = parser.parse_args(argv)
    scripts = [load_script(path) for path in args.script] or bundled_scripts()
    server = FakeOpenAIServer(scripts, port=args.port, cache_write_models=args.cache_write_model)
    print(f"offline OpenAI-compatible server on {server.base_url} ({len(scripts)} scripts); Ctrl-C stops it")
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
