"""JSON from outside, parsed only after its nesting is known to be bounded.

`json.loads` recurses once per level: about a thousand levels of `[` raise RecursionError, which no
caller expects, and a few hundred parse but can never be serialized back (pydantic stops near 255), so a
deep value could be stored that the API cannot return. The depth is therefore counted on the raw bytes
first, by a scan that skips string contents and never recurses, and the parse is refused with a 400
naming the limit. Every request body goes through `parse_json` (shared/http/endpoint.py), and so does
JSON carried in a query parameter. An object with a key given twice is refused too, naming the key.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
from collections.abc import Callable
from typing import Any

from shared.errors import ValidationFailed

# Deep enough for any document the API takes (a workpaper's own limit, settings.workpaper_max_depth, is
# lower), far below where parsing or answering fails.
MAX_DEPTH = 64

# A whole string, escapes included, so a quoted bracket is never counted.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")
# An opener becomes 2 and a closer 0, so (running sum - count) is the depth after each bracket.
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def too_deep(limit: int, what: str = "JSON") -> str:
    return f"{what} nested deeper than {limit} levels"


def raw_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in `raw`, brackets inside strings not counted.

    Strings are cut out, everything but brackets dropped and the running depth's maximum taken, each
    step a C loop (re, bytes.translate, itertools.accumulate): no recursion, and for a 1 MiB body a
    fraction of the parse's own time. Unpaired brackets (malformed text) count as a parser would meet
    them; the parse refuses such text afterwards.
    """
    steps = _STRING.sub(b"", raw).translate(None, _NOT_A_BRACKET).translate(_STEPS)
    # Below zero (a closer with nothing open) the parser stops, so only the maximum matters, never less than 0.
    return max(0, max(map(operator.sub, itertools.accumulate(steps), itertools.count(1)), default=0))


def value_depth(value: Any) -> int:
    """The nesting of a parsed value (an empty object or array is 1, a scalar 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def compact_size(value: Any) -> int:
    """Bytes of the value as compact UTF-8 JSON: what a size limit on stored content measures."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _unique_keys(loc: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """An object hook refusing a key given twice: JSON allows it, and parsers disagree on which value
    wins, so a proxy or a log could read another body than the one acted on."""

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        value = dict(pairs)
        if len(value) == len(pairs):
            return value
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                message = f"The {loc} has the key {key[:100]!r} twice in one object"
                raise ValidationFailed(message, errors=[{"loc": [loc], "msg": message, "type": "json_duplicate_key"}])
            seen.add(key)
        return value  # unreachable: fewer keys than pairs means one came twice

    return build


def parse_json(raw: bytes | str, *, loc: str = "body", max_depth: int = MAX_DEPTH, exact_numbers: bool = False) -> Any:
    """Parse JSON text, refusing (400) text nested deeper than `max_depth` before parsing it, text that
    is not JSON, and a key twice in one object. `exact_numbers` keeps numbers with a fraction or
    exponent as their text."""
    scanned = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    # Most bodies hold fewer brackets than the limit in all, so no nesting of them can pass it.
    if scanned.count(b"[") + scanned.count(b"{") > max_depth and raw_depth(scanned) > max_depth:
        message = too_deep(max_depth)
        raise ValidationFailed(message, errors=[{"loc": [loc], "msg": message, "type": "json_too_deep"}])
    text = raw or "null"
    try:
        return json.loads(text, parse_float=str if exact_numbers else None, object_pairs_hook=_unique_keys(loc))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValidationFailed(
            f"The {loc} is not valid JSON", errors=[{"loc": [loc], "msg": "invalid JSON", "type": "json_invalid"}]
        ) from exc
