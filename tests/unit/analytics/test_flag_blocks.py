"""Flag bitmaps (flag_blocks.py): what goes in as flagged lines and their tests comes out the same, at the
edges of a block, for a test flagging every line, and for all 64 tests."""

from __future__ import annotations

import numpy as np
import pytest

from functions.analytics.flag_blocks import BLOCK_BYTES, BLOCK_LINES, Blocks, decode, encode, masks_of, merge, rows_of

pytestmark = pytest.mark.unit


def lines_of(blocks: Blocks, bit: int) -> list[int]:
    """Test `bit`'s flagged row numbers, decoded from the blocks."""
    found: list[int] = decode((block, bits) for test, block, bits in stored(blocks) if test == bit).tolist()
    return found


def stored(blocks: Blocks) -> list[tuple[int, int, bytes]]:
    """The blocks as PostgreSQL stores them: (bit, block, bytes)."""
    return [(int(t), int(b), bytes(bits)) for t, b, bits in zip(blocks.bit, blocks.block, blocks.bits, strict=True)]


def test_nothing_flagged_is_no_block() -> None:
    blocks = encode([], [])
    assert len(blocks) == 0
    assert decode([]).tolist() == []
    assert masks_of([], [1, 2]).tolist() == [0, 0]


def test_rows_at_the_edges_of_blocks_come_back_exactly() -> None:
    rows = [0, 1, 7, 8, BLOCK_LINES - 1, BLOCK_LINES, BLOCK_LINES + 1, 3 * BLOCK_LINES - 1, 10 * BLOCK_LINES]
    blocks = encode(rows, [1] * len(rows))
    assert blocks.block.tolist() == [0, 1, 2, 10]
    assert blocks.lines.tolist() == [5, 2, 1, 1]
    assert all(len(bits) == BLOCK_BYTES for bits in blocks.bits)
    assert lines_of(blocks, 0) == rows


def test_the_bit_order_is_lsb_first_within_each_byte_as_postgresql_get_bit_reads_it() -> None:
    blocks = encode([BLOCK_LINES + 1, BLOCK_LINES + 10], [1, 1])
    bits = bytes(blocks.bits[0])
    assert bits[0] == 0b0000_0010  # line 1 of the block: bit 1 of byte 0
    assert bits[1] == 0b0000_0100  # line 10: bit 2 of byte 1
    assert rows_of(1, bits).tolist() == [BLOCK_LINES + 1, BLOCK_LINES + 10]


def test_a_test_flagging_every_line_is_full_blocks() -> None:
    rows = np.arange(2, 3 * BLOCK_LINES + 2)
    blocks = encode(rows, np.full(rows.size, 0b100))
    assert blocks.bit.tolist() == [2, 2, 2, 2]
    assert blocks.lines.tolist() == [BLOCK_LINES - 2, BLOCK_LINES, BLOCK_LINES, 2]
    assert lines_of(blocks, 2) == rows.tolist()


def test_all_64_tests_and_their_masks_come_back() -> None:
    generator = np.random.default_rng(16)
    rows = np.sort(generator.choice(5 * BLOCK_LINES, size=4000, replace=False))
    masks = generator.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=rows.size, dtype=np.int64)
    masks[0] = -1  # all 64 tests
    masks[1] = np.iinfo(np.int64).min  # test 63 alone: the sign
    masks[2] = 1
    blocks = encode(rows, masks)
    assert set(blocks.bit.tolist()) == set(range(64))
    assert masks_of(stored(blocks), rows).tolist() == masks.tolist()
    for bit in (0, 31, 63):
        assert lines_of(blocks, bit) == rows[(masks.view(np.uint64) >> np.uint64(bit)) & np.uint64(1) == 1].tolist()


def test_masks_of_lines_no_block_holds_are_zero() -> None:
    blocks = stored(encode([5, BLOCK_LINES + 5], [0b11, 0b10]))
    assert masks_of(blocks, [5, 6, BLOCK_LINES + 5, 7 * BLOCK_LINES]).tolist() == [0b11, 0, 0b10, 0]


def test_batches_whose_blocks_overlap_merge_into_one_block_each() -> None:
    first = encode([1, 2, BLOCK_LINES + 3], [1, 3, 1])
    second = encode([4, BLOCK_LINES + 4], [2, 1])
    merged = merge([second, first, encode([], [])])
    assert list(zip(merged.bit.tolist(), merged.block.tolist(), strict=True)) == [(0, 0), (0, 1), (1, 0)]
    assert lines_of(merged, 0) == [1, 2, BLOCK_LINES + 3, BLOCK_LINES + 4]
    assert lines_of(merged, 1) == [2, 4]


def test_decoding_takes_blocks_in_any_order() -> None:
    blocks = encode([3, 2 * BLOCK_LINES], [1, 1])
    pairs = [(int(b), bytes(bits)) for b, bits in zip(blocks.block, blocks.bits, strict=True)]
    assert decode(reversed(pairs)).tolist() == [3, 2 * BLOCK_LINES]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        encode([-1], [1])
    with pytest.raises(ValueError, match="one length"):
        encode([1, 2], [1])
