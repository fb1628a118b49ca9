"""Run a workload script through the reference loop and store the run with every call."""

from __future__ import annotations

import json
from typing import Any

import openai
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agentloop.limits import LoopLimitError
from agentloop.offline import BUNDLED
from agentloop.tools import ToolError
from runs.measuring import MeasureError, run_measure, run_resume, run_to_dict


class Command(BaseCommand):
    help = (
        "Run a workload script (a bundled name: "
        + ", ".join(BUNDLED)
        + "; or a JSON file) through the reference loop against OpenAI (OPENAI_API_KEY), any "
        "OpenAI-compatible endpoint (--base-url), or the offline server (--offline), and store the run; "
        "--resume RUN_ID continues one whose process died."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("script", nargs="?", help="bundled script name or path to a script JSON file")
        parser.add_argument(
            "--resume",
            type=int,
            metavar="RUN_ID",
            help="continue an interrupted or failed run (its script, model, endpoint and prices)",
        )
        parser.add_argument("--model", help="model id from the price table (default: the script's)")
        parser.add_argument("--base-url", help="an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8500/v1")
        parser.add_argument(
            "--offline", action="store_true", help="start the bundled offline server; no key needed"
        )
        parser.add_argument("--history-budget", type=int, help="the loop's prompt budget in tokens")
        parser.add_argument("--max-retries", type=int, default=2)
        parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
        parser.add_argument("--json", action="store_true", help="print the run with every call as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["history_budget"] is not None and options["history_budget"] < 1:
            raise CommandError("--history-budget: must be a positive number of tokens")
        if options["max_retries"] < 0:
            raise CommandError("--max-retries: must be 0 or more")
        resume = options["resume"]
        if (resume is None) == (options["script"] is None):
            raise CommandError("give a script to measure, or --resume RUN_ID, not both")
        if resume is not None and any(
            options[key] for key in ("model", "base_url", "offline", "history_budget")
        ):
            raise CommandError("--resume: the run's own model, endpoint and history budget are used")
        try:
            if resume is not None:
                run = run_resume(resume, max_retries=options["max_retries"], timeout=options["timeout"])
            else:
                run = run_measure(
                    options["script"],
                    model=options["model"],
                    base_url=options["base_url"],
                    offline=options["offline"],
                    history_budget=options["history_budget"],
                    max_retries=options["max_retries"],
                    timeout=options["timeout"],
                )
        except MeasureError as exc:
            raise CommandError(str(exc)) from None
        except (openai.APIError, LoopLimitError, ToolError) as exc:
            raise CommandError(f"the run failed and is stored with its calls so far: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(run_to_dict(run), indent=2))
            return
        self.stdout.write(
            f"Run #{run.pk}: {run.script_name} on {run.model} ({run.endpoint}), {run.effective_status}\n"
            f"  turns {run.turns_completed}, calls {run.calls_count}, retries {run.retries}\n"
            f"  input {run.prompt_tokens} tokens ({run.cached_tokens} cached, "
            f"{run.cache_write_tokens} written), "
            f"output {run.completion_tokens} ({run.reasoning_tokens} reasoning)\n"
            f"  cost {run.cost_usd.normalize():f} USD at prices {run.price_version} as of {run.price_as_of}\n"
            f"  latency {run.latency_ms:.1f} ms over all calls\n"
            f"  inspect: /runs/{run.pk}/   calibration: /runs/{run.pk}/calibration"
        )
