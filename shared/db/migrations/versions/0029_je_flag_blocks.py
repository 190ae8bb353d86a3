"""A run's rule flags stored as bitmaps of its lines, not a row per flagged line (issue 16).

A test that flags most of a million lines (no description: 619,752 of them) wrote a row per flagged line
into `je_line_flags`, and 633,334 narrow rows cost PostgreSQL 1.6 s of heap and WAL with no index at all.
Now a row of `je_flag_blocks` is one test's flags over BLOCK_LINES (8,192) consecutive row numbers:
`bits` holds BLOCK_LINES / 8 bytes, and line `block * 8192 + k` is flagged when bit k is set, counting
LSB-first within each byte (byte k / 8, value 1 << k % 8: PostgreSQL's get_bit(bits, k) and numpy's
packbits(bitorder="little") read it so). `bit` is the test's index in `je_runs.tests` (as the bitmask of
`je_line_flags` had it); `lines` is how many lines the block flags. A block without a flagged line has no
row, so a million lines are at most 123 rows per test. Tests that score their lines keep their row per
line in `je_flag_scores`.

Secured like the table it replaces: the *internal* rule (row-level security enabled and forced),
insert-only for the app, with the finalized-lock check once per statement. The rows of `je_line_flags`
move across, and back on a downgrade.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = (SELECT aura_current_firm()) AND engagement_id IN (SELECT aura_internal_engagements())"

# Blocks of 8,192 lines (functions/analytics/flag_blocks.py BLOCK_LINES: the two must agree).
# Each test's flagged lines (bit k of a line's mask) as the bytes of their blocks, each byte once with its bits
# OR-ed; then every block's 1,024 bytes in order (a missing byte zero) as hexadecimal, decoded. One hash join
# and one aggregate: the time is linear in the flags.
MOVE_ACROSS = """
    INSERT INTO je_flag_blocks (run_id, firm_id, engagement_id, bit, block, lines, bits)
    WITH bytes AS (
        SELECT f.run_id, f.firm_id, f.engagement_id, k.bit, f.row_number / 8192 AS block,
               (f.row_number % 8192)::int / 8 AS byte, bit_or(1 << (f.row_number % 8)::int) AS value
        FROM je_line_flags f CROSS JOIN generate_series(0, 63) AS k(bit)
        WHERE f.tests & (1::bigint << k.bit) <> 0
        GROUP BY 1, 2, 3, 4, 5, 6
    ), blocks AS (SELECT DISTINCT run_id, firm_id, engagement_id, bit, block FROM bytes)
    SELECT run_id, firm_id, engagement_id, bit, block, bit_count(packed), packed
    FROM (
        SELECT b.run_id, b.firm_id, b.engagement_id, b.bit, b.block,
               decode(string_agg(lpad(to_hex(coalesce(y.value, 0)), 2, '0'), '' ORDER BY i.byte), 'hex') AS packed
        FROM blocks b CROSS JOIN generate_series(0, 1023) AS i(byte)
        LEFT JOIN bytes y ON y.run_id = b.run_id AND y.bit = b.bit AND y.block = b.block AND y.byte = i.byte
        GROUP BY 1, 2, 3, 4, 5
    ) p
"""
MOVE_BACK = """
    INSERT INTO je_line_flags (run_id, firm_id, engagement_id, row_number, tests)
    SELECT b.run_id, b.firm_id, b.engagement_id, b.block::bigint * 8192 + k.i, bit_or(1::bigint << b.bit)
    FROM je_flag_blocks b CROSS JOIN generate_series(0, 8 * length(b.bits) - 1) AS k(i)
    WHERE get_bit(b.bits, k.i) = 1
    GROUP BY 1, 2, 3, 4
"""


def _owner_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
    ]


def _secure(table: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY internal ON {table} TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
    op.execute(f"GRANT SELECT, INSERT ON {table} TO aura_app")
    op.execute(
        f"CREATE TRIGGER {table}_locked AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION aura_refuse_finalized_rows()"
    )


def upgrade() -> None:
    op.create_table(
        "je_flag_blocks",
        *_owner_columns(),
        sa.Column("bit", sa.SmallInteger(), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "bit", "block", name="pk_je_flag_blocks"),
    )
    # The old rows are read and the new written before the new table's policies apply to their owner.
    op.execute("ALTER TABLE je_line_flags NO FORCE ROW LEVEL SECURITY")
    op.execute(MOVE_ACROSS)
    op.drop_table("je_line_flags")
    _secure("je_flag_blocks")


def downgrade() -> None:
    op.create_table(
        "je_line_flags",
        *_owner_columns(),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("tests", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "row_number", name="pk_je_line_flags"),
    )
    op.execute("ALTER TABLE je_flag_blocks NO FORCE ROW LEVEL SECURITY")
    op.execute(MOVE_BACK)
    op.drop_table("je_flag_blocks")
    _secure("je_line_flags")
