"""A run's rule flags as bitmaps of its lines: one per test and block of BLOCK_LINES consecutive row numbers.

A test that flags most of a million lines is 123 blocks of 1 kB, not 620,000 rows (`je_flag_blocks`,
migration 0029). Line `block * BLOCK_LINES + k` is flagged when bit k of the block's bytes is set,
counting LSB-first within each byte: byte k // 8, value 1 << k % 8, as PostgreSQL's get_bit(bits, k)
and numpy's packbits(bitorder="little") read it. A block is always BLOCK_BYTES long; a block the test
flags no line of is not stored. `bit` is the test's index in the run's tests (`JeRun.tests`), as in
the masks DuckDB combines (runner.FlagStore: bit i of a line's mask, the run's i-th test).

Everything here is vectorised with numpy: encoding a million flagged lines or decoding a block is a few
array operations, never a loop over lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BLOCK_LINES = 8192  # migration 0029 moves the old flags into blocks of the same size
BLOCK_BYTES = BLOCK_LINES // 8
MAX_TESTS = 64  # the bits of a line's mask

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Blocks:
    """Blocks of one or more tests: row i is test `bit[i]`'s block `block[i]`, its bytes `bits[i]` (uint8,
    BLOCK_BYTES), its flagged lines `lines[i]`; sorted by (bit, block), each pair once."""

    bit: npt.NDArray[np.int16]
    block: Ints
    bits: npt.NDArray[np.uint8]

    @property
    def lines(self) -> Ints:
        """How many lines each block flags."""
        counts: Ints = np.unpackbits(self.bits, axis=1).sum(axis=1, dtype=np.int64)
        return counts

    def __len__(self) -> int:
        return len(self.block)


def _empty() -> Blocks:
    return Blocks(np.zeros(0, np.int16), np.zeros(0, np.int64), np.zeros((0, BLOCK_BYTES), np.uint8))


def encode(row_numbers: npt.ArrayLike, masks: npt.ArrayLike) -> Blocks:
    """The blocks of flagged lines given as row numbers (each once, non-negative) with the mask of the tests
    that flagged each (bit i: the run's i-th test; a signed 64-bit mask's sign is test 63)."""
    rows = np.asarray(row_numbers, dtype=np.int64)
    tests = np.asarray(masks, dtype=np.int64).view(np.uint64)
    if rows.shape != tests.shape or rows.ndim != 1:
        raise ValueError("row numbers and masks must be one-dimensional and of one length")
    if rows.size and rows.min() < 0:
        raise ValueError("row numbers are never negative")
    parts = []
    for bit in range(MAX_TESTS):
        flagged = rows[(tests >> np.uint64(bit)) & np.uint64(1) == 1]
        if flagged.size:
            parts.append(_blocks_of(bit, flagged))
    return merge(parts)


def _blocks_of(bit: int, rows: Ints) -> Blocks:
    """One test's blocks of these row numbers."""
    numbers, where = np.unique(rows // BLOCK_LINES, return_inverse=True)
    dense = np.zeros((numbers.size, BLOCK_LINES), dtype=bool)
    dense[where, rows % BLOCK_LINES] = True
    packed = np.packbits(dense, axis=1, bitorder="little")
    return Blocks(np.full(numbers.size, bit, np.int16), numbers.astype(np.int64), packed)


def merge(parts: Iterable[Blocks]) -> Blocks:
    """The blocks of all the parts, sorted by (bit, block), each pair's bytes OR-ed into one block: parts may
    come from batches of lines whose blocks overlap."""
    found = [part for part in parts if len(part)]
    if not found:
        return _empty()
    bit = np.concatenate([part.bit for part in found])
    block = np.concatenate([part.block for part in found])
    bits = np.concatenate([part.bits for part in found])
    order = np.lexsort((block, bit))
    bit, block, bits = bit[order], block[order], bits[order]
    starts = np.flatnonzero(np.r_[True, (bit[1:] != bit[:-1]) | (block[1:] != block[:-1])])
    return Blocks(bit[starts], block[starts], np.bitwise_or.reduceat(bits, starts, axis=0))


def rows_of(block: int, bits: bytes) -> Ints:
    """The row numbers a block flags, in order."""
    offsets = np.flatnonzero(np.unpackbits(np.frombuffer(bits, np.uint8), bitorder="little"))
    return offsets.astype(np.int64) + block * BLOCK_LINES


def decode(blocks: Iterable[tuple[int, bytes]]) -> Ints:
    """The row numbers the blocks (block, bits) of one test flag, in order, whatever order the blocks come in."""
    found = [rows_of(block, bits) for block, bits in sorted(blocks)]
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def masks_of(blocks: Iterable[tuple[int, int, bytes]], row_numbers: npt.ArrayLike) -> Ints:
    """The mask of the tests (bit i: the run's i-th test) that flagged each of these row numbers, from the
    blocks (bit, block, bits) that hold them; 0 for a line no block flags. Signed, as PostgreSQL's bigint."""
    rows = np.asarray(row_numbers, dtype=np.int64)
    found = np.zeros(rows.shape, np.uint64)
    numbers = rows // BLOCK_LINES
    offsets = rows % BLOCK_LINES
    for bit, block, bits in blocks:
        here = numbers == block
        if not here.any():
            continue
        flags = np.unpackbits(np.frombuffer(bits, np.uint8), bitorder="little")
        hit = np.zeros(rows.shape, bool)
        hit[here] = flags[offsets[here]] == 1
        found[hit] |= np.uint64(1) << np.uint64(bit)
    return found.view(np.int64)
