"""The offline OpenAI-compatible HTTP server (127.0.0.1 only) around `FakeOpenAI`.

    with OfflineServer(bundled_scripts(), port=free_port()) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="offline")

`POST /v1/chat/completions` answers JSON, or with `stream: true` a `text/event-stream` of chunks sent as
they are made (chunked transfer), ending `data: [DONE]`. `GET /v1/models` lists nothing.

Faults, on request, through the `x-fake-fault` header: `429` (with `retry-after-ms`), `500`, `drop` (the
connection closes with no response), `malformed_args` (a tool call's arguments are cut short, so they are
not valid JSON). `429:3` applies the fault to the first 3 attempts of the request, counted by the SDK's
`x-stainless-retry-count` header; the default is the first attempt only, so the SDK's retry then succeeds.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import socket
import sys
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agentloop.offline.model import FakeOpenAI, RequestError, chunks
from agentloop.offline.scripts import Script

log = logging.getLogger("agentloop.offline")

FAULTS = ("429", "500", "drop", "malformed_args")
RETRY_AFTER_MS = 20
PORTS = range(8500, 8600)  # the range this project's helpers use on a shared machine


def free_port() -> int:
    """A free port in 8500-8599 on 127.0.0.1, tried in random order: several test runs on one machine
    would all pick the first free one and race for it."""
    for port in random.sample(PORTS, len(PORTS)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError("no free port in 8500-8599")


def parse_fault(header: str | None) -> tuple[str, int] | None:
    """(fault, attempts it applies to) from an `x-fake-fault` header."""
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as with the real API
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s " + format, self.address_string(), *args)

    def _head(self, status: int, kind: str, headers: dict | None = None, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        if length is None:
            self.send_header("transfer-encoding", "chunked")
        else:
            self.send_header("content-length", str(length))
        self.send_header("x-request-id", f"req_fake_{next(self.server.request_ids)}")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()

    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self._head(status, "application/json", headers, len(data))
        self.wfile.write(data)

    def _stream(self, events: Iterable[dict]) -> None:
        self._head(200, "text/event-stream; charset=utf-8")
        for event in [*events, None]:
            data = b"data: [DONE]\n\n" if event is None else f"data: {json.dumps(event)}\n\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _error(
        self, status: int, message: str, kind: str, param: str | None = None, headers: dict | None = None
    ) -> None:
        self._send(
            status, {"error": {"message": message, "type": kind, "param": param, "code": None}}, headers
        )

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send(200, {"object": "list", "data": []})
        else:
            self._error(404, f"no route {self.path}", "invalid_request_error")

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
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
            if active in ("429", "500"):
                status, message, kind = (
                    (429, "Rate limit reached (injected)", "requests")
                    if active == "429"
                    else (500, "The server had an error (injected)", "server_error")
                )
                self._error(status, message, kind, headers={"retry-after-ms": str(RETRY_AFTER_MS)})
                return
            try:
                body = json.loads(raw or b"null")
            except json.JSONDecodeError as exc:
                raise RequestError(f"the body is not valid JSON ({exc.msg})") from None
            completion = self.server.model.complete(body, active)
        except RequestError as exc:
            self._error(400, str(exc), "invalid_request_error", exc.param)
            return
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(chunks(completion, include_usage))
        else:
            self._send(200, completion)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], model: FakeOpenAI):
        super().__init__(address, _Handler)
        self.model = model
        self.request_ids = itertools.count(1)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that drops a kept-alive connection with a reset (the SDK's pool may) is no error here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class OfflineServer:
    """The HTTP server on 127.0.0.1; port 0 picks any free one. A context manager."""

    def __init__(self, scripts: Iterable[Script] = (), port: int = 0, cache_write_models: Iterable[str] = ()):
        self.model = FakeOpenAI(scripts, cache_write_models)
        self.httpd = _HTTPServer(("127.0.0.1", port), self.model)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread: threading.Thread | None = None

    def start(self) -> OfflineServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="offline-openai",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the CLI)."""
        try:
            self.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.httpd.server_close()

    def __enter__(self) -> OfflineServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
