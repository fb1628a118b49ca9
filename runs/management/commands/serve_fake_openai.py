"""Serve the offline OpenAI-compatible server on 127.0.0.1 until interrupted."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from agentloop.fake_server import FakeOpenAIServer
from agentloop.script import ScriptError, bundled_scripts, load_script


class Command(BaseCommand):
    help = "Serve /v1/chat/completions on 127.0.0.1, replaying workload scripts (default: the bundled ones)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8500)
        parser.add_argument("--script", action="append", default=[], help="a script JSON file (repeatable)")
        parser.add_argument(
            "--cache-write-model",
            action="append",
            default=[],
            help="report prompt_tokens_details.cache_write_tokens for this model (repeatable)",
        )

    def handle(self, *args, **options):
        if not 0 < options["port"] < 65536:
            raise CommandError("--port: must be between 1 and 65535")
        try:
            scripts = [load_script(path) for path in options["script"]] or bundled_scripts()
        except ScriptError as exc:
            raise CommandError(str(exc)) from None
        try:
            server = FakeOpenAIServer(
                scripts, port=options["port"], cache_write_models=options["cache_write_model"]
            )
        except OSError as exc:
            raise CommandError(
                f"--port: cannot listen on 127.0.0.1:{options['port']}: {exc.strerror}"
            ) from None
        self.stdout.write(f"Offline OpenAI-compatible server on {server.base_url} ({len(scripts)} scripts).")
        self.stdout.write(
            "Faults on request: header x-fake-fault: 429 | 500 | drop | malformed_args[:N]. Ctrl-C stops."
        )
        try:
            server.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.httpd.server_close()
