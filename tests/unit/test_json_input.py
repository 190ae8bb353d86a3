"""The depth scan that runs before any JSON is parsed: it must agree with the parser on valid JSON, never
count a bracket inside a string, and treat unpaired brackets as nested, as the parser would meet them."""

from __future__ import annotations

import json

import pytest

from shared.errors import ValidationFailed
from shared.http.json_input import MAX_DEPTH, parse_json, raw_depth, value_depth

pytestmark = pytest.mark.unit

VALID = [
    "1",
    '"[[[{{{"',
    "[]",
    "{}",
    '{"a": [1, {"b": []}], "c": {}}',
    '[[[["\\"]]]]\\\\"]]]]',  # an escaped quote, then an escaped backslash, inside one string
    '{"k\\"[": "v\\\\"}',
    "[" * 40 + "]" * 40,
    '[{"x": [[]]}, [[[[[]]]]], {"y": {"z": {}}}]',
]


@pytest.mark.parametrize("text", VALID)
def test_the_scan_agrees_with_the_depth_of_the_parsed_value(text: str) -> None:
    assert raw_depth(text.encode()) == value_depth(json.loads(text))


@pytest.mark.parametrize(
    ("text", "depth"),
    [(b"[" * 5000, 5000), (b"{" * 3 + b"[[", 5), (b"]]]]", 0), (b'"unterminated [[[', 3), (b"", 0)],
)
def test_unpaired_brackets_count_as_nested(text: bytes, depth: int) -> None:
    assert raw_depth(text) == depth


def test_parse_refuses_one_level_past_the_limit_before_parsing_and_parses_the_limit() -> None:
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    with pytest.raises(ValidationFailed) as refused:
        parse_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    assert refused.value.detail == f"JSON nested deeper than {MAX_DEPTH} levels"
    assert refused.value.extra["errors"][0]["type"] == "json_too_deep"


def test_parse_keeps_exact_numbers_as_text_and_refuses_text_that_is_not_json() -> None:
    assert parse_json('{"amount": 0.10}', exact_numbers=True) == {"amount": "0.10"}
    with pytest.raises(ValidationFailed, match="The column_map is not valid JSON"):
        parse_json("{'single': 'quotes'}", loc="column_map")


def test_value_depth_does_not_recurse() -> None:
    value: list[object] = []
    for _ in range(10_000):  # far past Python's recursion limit
        value = [value]
    assert value_depth(value) == 10_001
