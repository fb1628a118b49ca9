"""Image input tokens by the formulas OpenAI publishes (vision guide), from the image's own size.

Tile models: the image is scaled to fit 2048×2048, then so its short side is at most 768 px; each 512 px
tile costs `tile` tokens on top of `base` (`detail: low` is `base` alone). Patch models: 32 px patches,
at most 1,536 (the image is scaled down to fit), times the model's multiplier. The size is read from a
`data:` URL's PNG, JPEG, GIF or WebP header; an image at a remote URL, or of a model without a published
formula, is reported as not counted.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct

# (base, tile) per model prefix, longest prefix first.
TILE_MODELS = (
    ("gpt-4o-mini", (2833, 5667)),
    ("computer-use-preview", (65, 129)),
    ("gpt-4o", (85, 170)),
    ("gpt-4.1", (85, 170)),
    ("gpt-4.5", (85, 170)),
    ("o1", (75, 150)),
    ("o3", (75, 150)),
    ("gpt-5", (70, 140)),
)
PATCH_MODELS = (
    ("gpt-4.1-mini", 1.62),
    ("gpt-4.1-nano", 2.46),
    ("gpt-5-mini", 1.62),
    ("gpt-5-nano", 2.46),
    ("o4-mini", 1.72),
)
PATCH = 32
MAX_PATCHES = 1536


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF, WebP or JPEG header; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def data_url_size(url: str) -> tuple[int, int] | None:
    if not url.startswith("data:") or "," not in url:
        return None
    try:
        data = base64.b64decode(url.split(",", 1)[1][:65536], validate=False)
    except (binascii.Error, ValueError):
        return None
    return image_size(data)


def _prefixed[T](model: str, table: tuple[tuple[str, T], ...]) -> T | None:
    return next((value for prefix, value in table if model.startswith(prefix)), None)


def tile_tokens(width: int, height: int, base: int, tile: int, detail: str) -> int:
    if detail == "low":
        return base
    scale = min(1.0, 2048 / max(width, height))
    scaled_w, scaled_h = width * scale, height * scale
    scale = min(1.0, 768 / min(scaled_w, scaled_h))
    scaled_w, scaled_h = scaled_w * scale, scaled_h * scale
    return base + tile * math.ceil(scaled_w / 512) * math.ceil(scaled_h / 512)


def patch_tokens(width: int, height: int, multiplier: float) -> int:
    patches = math.ceil(width / PATCH) * math.ceil(height / PATCH)
    if patches > MAX_PATCHES:
        ratio = math.sqrt(PATCH * PATCH * MAX_PATCHES / (width * height))
        scaled_w, scaled_h = width * ratio / PATCH, height * ratio / PATCH
        ratio *= min(math.floor(scaled_w) / scaled_w, math.floor(scaled_h) / scaled_h)
        patches = min(math.ceil(width * ratio / PATCH) * math.ceil(height * ratio / PATCH), MAX_PATCHES)
    return math.ceil(patches * multiplier)


def image_tokens(model: str, url: str, detail: str = "auto") -> int | None:
    """Tokens of one image part, or None when the formula or the image's size is unknown."""
    patch = _prefixed(model, PATCH_MODELS)
    tiles = _prefixed(model, TILE_MODELS)
    if tiles is not None and patch is None and detail == "low":
        base, _ = tiles
        return int(base)
    size = data_url_size(url)
    if size is None or (patch is None and tiles is None):
        return None
    width, height = size
    if patch is not None:
        return patch_tokens(width, height, float(patch))
    assert tiles is not None  # checked above: a tile or a patch formula
    base, tile = tiles
    return tile_tokens(width, height, int(base), int(tile), detail)
