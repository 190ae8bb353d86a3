"""The journal-entry tests of docs/audit-rules.md section 4: the catalogue, and how each test finds its lines.

Every test reads the population `p` (one general-ledger version, read once out of PostgreSQL into a
table of the run's own DuckDB database, which DuckDB queries on every core) and yields the lines it flags as
(row_number, journal_id, score). Most tests are one SQL statement; a test carries its own way of
running (`JeTest.run`), given the `Engine` the runner provides, so the runner never asks which test it
runs. Nothing loops over lines in Python. Amounts are exact: `cents` is the signed amount in integer
cents. Parameters are validated models; user text reaches SQL only as bound parameters ($name), and
only whitelisted column expressions are ever composed into statements.

User ids and account numbers are compared trimmed, user ids case-insensitively. A date is usable when
present and not the 1900-01-01 placeholder; a test skips lines without the fields it needs and the
runner reports how many.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from shared.http.fields import IsoDate

if TYPE_CHECKING:
    import pyarrow as pa

USER = "lower(trim({0}))"
ACCOUNT = "trim(p.account_number)"

# What "usable" means for each optional field; the population profile counts these.
# A text field is there when it holds more than spaces: ltrim decides that as trim would, at a fifteenth of the
# cost (trim copies every 200-character description; 0.45 s against 0.03 s a million lines).
USABLE: dict[str, str] = {
    "entered_date": "p.entered_date IS NOT NULL AND p.entered_date <> DATE '1900-01-01'",
    "entered_time": "p.entered_time IS NOT NULL",
    "entered_by": "ltrim(coalesce(p.entered_by, '')) <> ''",
    "approved_by": "ltrim(coalesce(p.approved_by, '')) <> ''",
    "document_date": "p.document_date IS NOT NULL AND p.document_date <> DATE '1900-01-01'",
    "effective_date": "p.effective_date <> DATE '1900-01-01'",
    "description": "ltrim(coalesce(p.description, '')) <> ''",
    "header_description": "ltrim(coalesce(p.header_description, '')) <> ''",
    "period": "ltrim(coalesce(p.period, '')) <> ''",
    "business_unit": "ltrim(coalesce(p.business_unit, '')) <> ''",
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def needed_fields(self) -> tuple[str, ...]:
        """Optional fields a line must have that depend on the parameters (beyond the test's own needs)."""
        return ()


class NoParams(Params):
    pass


class CountParams(Params):
    max_lines: int = Field(10, ge=1, le=1_000_000, description="flag when the count is at most this", strict=True)


class AccountCountParams(CountParams):
    max_lines: int = Field(3, ge=1, le=1_000_000, strict=True)


class PairParams(Params):
    max_journals: int = Field(
        2, ge=1, le=1_000_000, description="flag pairs seen in at most this many journals", strict=True
    )


class DaysParams(Params):
    days: int = Field(30, ge=0, le=3660, strict=True)


class PeriodEndParams(Params):
    days: int = Field(3, ge=0, le=366, strict=True)


DUPLICATE_KEYS = {
    "account_number": ACCOUNT,
    "period": "trim(p.period)",
    "amount": "p.cents",
    "effective_date": "p.effective_date",
    "entered_date": "p.entered_date",
    "entered_by": USER.format("p.entered_by"),
    "description": "trim(p.description)",
    "document_date": "p.document_date",
    "business_unit": "trim(p.business_unit)",
}
DuplicateKey = Literal[
    "account_number",
    "period",
    "amount",
    "effective_date",
    "entered_date",
    "entered_by",
    "description",
    "document_date",
    "business_unit",
]


class DuplicateParams(Params):
    keys: tuple[DuplicateKey, ...] = Field(("account_number", "period", "amount"), min_length=1, max_length=9)

    @field_validator("keys")
    @classmethod
    def _distinct(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(keys)) != len(keys):
            raise ValueError("keys must be distinct")
        return keys

    def needed_fields(self) -> tuple[str, ...]:
        return tuple(key for key in self.keys if key in USABLE)


class RoundParams(Params):
    base: Decimal = Field(Decimal(1000), gt=0, le=Decimal("1e12"), decimal_places=2)


class WeekendParams(Params):
    weekend_days: tuple[StrictInt, ...] = Field(
        (6, 7), min_length=1, max_length=7, description="ISO weekdays, 1 = Monday"
    )
    holidays: tuple[IsoDate, ...] = Field((), max_length=400, description="dates also treated as non-working")

    @field_validator("weekend_days")
    @classmethod
    def _iso(cls, days: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= day <= 7 for day in days):
            raise ValueError("weekend days are ISO weekdays 1 (Monday) to 7 (Sunday)")
        return tuple(sorted(set(days)))


class HoursParams(Params):
    """After hours: from `from_hour` to `to_hour` inclusive, across midnight when from_hour > to_hour."""

    from_hour: int = Field(20, ge=0, le=23, description="flag at or after this hour", strict=True)
    to_hour: int = Field(5, ge=0, le=23, description="flag at or before this hour", strict=True)


class HighAmountParams(Params):
    threshold: Decimal | None = Field(None, gt=0, decimal_places=2, description="default: performance materiality")
    top_percent: Decimal = Field(Decimal(1), gt=0, le=50, description="used when no threshold nor materiality")


KEYWORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 &'/-]{0,38}[A-Za-z0-9]$|^[A-Za-z0-9]$")
DEFAULT_KEYWORDS = (
    "adjust",
    "adjustment",
    "correction",
    "reverse",
    "reversal",
    "plug",
    "override",
    "write off",
    "manual",
    "error",
    "fix",
    "reclass",
    "suspense",
    "per ceo",
    "per cfo",
    "bonus",
    "kickback",
    "misc",
    "temporary",
    "do not",
)


class KeywordParams(Params):
    keywords: tuple[str, ...] = Field(DEFAULT_KEYWORDS, min_length=1, max_length=200)

    @field_validator("keywords")
    @classmethod
    def _words(cls, keywords: tuple[str, ...]) -> tuple[str, ...]:
        for keyword in keywords:
            if not KEYWORD.match(keyword):
                raise ValueError(
                    f"keyword {keyword!r} may hold only letters, digits, spaces, & ' / - (at most 40 characters)"
                )
        return tuple(dict.fromkeys(k.lower() for k in keywords))


class OutlierParams(Params):
    z: Decimal = Field(Decimal(3), gt=0, le=100, description="flag when |z| exceeds this")
    min_lines: int = Field(30, ge=3, le=1_000_000, description="accounts with fewer lines are not scored", strict=True)


class ForestParams(Params):
    contamination: Decimal = Field(Decimal("0.001"), gt=0, le=Decimal("0.5"), description="share of lines flagged")
    trees: int = Field(100, ge=10, le=500, strict=True)
    sample_size: int = Field(256, ge=16, le=100_000, strict=True)
    seed: int = Field(20_261_127, ge=0, le=2**31 - 1, strict=True)


@dataclass(frozen=True)
class Context:
    """What a run knows besides a test's own parameters: the engagement's fiscal year and materiality."""

    fiscal_start: date
    fiscal_end: date
    performance_materiality: Decimal | None


Statement = tuple[str, dict[str, Any]]


class Engine(Protocol):
    """What a test may ask of the runner: DuckDB over the population, registered as `p`."""

    @property
    def context(self) -> Context: ...

    @property
    def lines(self) -> int:
        """How many lines the population has."""
        ...

    @property
    def passes(self) -> int:
        """In how many hash partitions of its journals a statement that holds per-journal state should run,
        so that each pass fits the engine's memory budget (1 when the whole population does)."""
        ...

    def query(self, sql: str, binds: dict[str, Any] | None = None) -> pa.Table:
        """The statement's result, as an Arrow table."""
        ...

    def registered(self, name: str, table: pa.Table) -> AbstractContextManager[None]:
        """`table` queryable by `name` within the block."""
        ...

    def batches(self, sql: str, rows: int) -> Iterator[pa.RecordBatch]:
        """The statement's result in Arrow batches of at most `rows` rows (never all of it at once)."""
        ...

    def reconnect(self) -> None:
        """Hand back the memory DuckDB kept from the statements so far (the population stays)."""
        ...


@dataclass(frozen=True)
class Found:
    """What a test found: the lines it flags (row_number, journal_id, score; None when none), the parameters
    it ran with (made concrete where they depend on the data or the engagement) and what else it reports."""

    flags: pa.Table | None
    params: Params
    extra: dict[str, Any] = field(default_factory=dict)


class NotApplicable(Exception):  # noqa: N818 (an outcome, not an error)
    """The population lacks what the test needs, as only running it can tell (numeric journal ids)."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


Strategy = Callable[[Engine, Any], Found]  # how a test runs: the lines it finds, given the engine


@dataclass(frozen=True)
class JeTest:
    """One test: its code, title, risk weight, parameters, the fields a line needs, and how it runs."""

    code: str
    title: str
    weight: int
    params: type[Params]
    run: Strategy
    needs: tuple[str, ...] = ()  # fields that must be usable on a line for the test to look at it
    needs_any: tuple[str, ...] = ()  # at least one of these must exist in the population
    # It narrows the population as it runs (to spare memory), so the runner runs it after every other test; it
    # is a model (the forest), whose results follow the rule-based tests' once those are committed.
    narrows_population: bool = False
    scored: bool = False  # it gives each line it flags a score (kept per line; other tests' flags are bits)

    def needed_fields(self, params: Params) -> tuple[str, ...]:
        """The optional fields a line must have for the test to look at it."""
        return self.needs + params.needed_fields()


def statement(build: Callable[[Any, Context], Statement]) -> Strategy:
    """A test that is one statement over `p`."""

    def run(engine: Engine, params: Params) -> Found:
        return Found(engine.query(*build(params, engine.context)), params)

    return run


def _select(where: str, binds: dict[str, Any] | None = None) -> Statement:
    return f"SELECT p.row_number, p.journal_id, NULL::DOUBLE AS score FROM p WHERE {where}", binds or {}


def _usable(*fields: str) -> str:
    return " AND ".join(f"({USABLE[f]})" for f in fields)


def _unbalanced(params: NoParams, ctx: Context) -> Statement:
    return (
        "SELECT p.row_number, p.journal_id, NULL::DOUBLE AS score FROM p JOIN ("
        " SELECT journal_id FROM p GROUP BY journal_id HAVING sum(cents) <> 0"
        ") j USING (journal_id)",
        {},
    )


def _duplicates(params: DuplicateParams, ctx: Context) -> Statement:
    exprs = [DUPLICATE_KEYS[key] for key in params.keys]
    keys = ", ".join(f"{expr} AS k{i}" for i, expr in enumerate(exprs))
    grouped = ", ".join(str(i + 1) for i in range(len(exprs)))
    joined = " AND ".join(f"d.k{i} = {expr}" for i, expr in enumerate(exprs))
    return (
        "SELECT p.row_number, p.journal_id, NULL::DOUBLE AS score FROM p JOIN ("
        f" SELECT {keys} FROM p GROUP BY {grouped} HAVING count(*) >= 2"
        f") d ON {joined}",
        {},
    )


def _round(params: RoundParams, ctx: Context) -> Statement:
    return _select("p.cents <> 0 AND abs(p.cents) % $base = 0", {"base": int(params.base * 100)})


def _weekend(params: WeekendParams, ctx: Context) -> Statement:
    return _select(
        f"{_usable('entered_date')} AND (list_contains(CAST($weekend_days AS INTEGER[]), isodow(p.entered_date))"
        " OR list_contains(CAST($holidays AS DATE[]), p.entered_date))",
        {"weekend_days": list(params.weekend_days), "holidays": list(params.holidays)},
    )


def _after_hours(params: HoursParams, ctx: Context) -> Statement:
    return _select(
        "p.entered_time IS NOT NULL AND CASE WHEN $from_hour > $to_hour"
        " THEN hour(p.entered_time) >= $from_hour OR hour(p.entered_time) <= $to_hour"
        " ELSE hour(p.entered_time) BETWEEN $from_hour AND $to_hour END",
        {"from_hour": params.from_hour, "to_hour": params.to_hour},
    )


def _rare(expr: str, usable: str, max_lines: int) -> Statement:
    return (
        "SELECT p.row_number, p.journal_id, NULL::DOUBLE AS score FROM p JOIN ("
        f" SELECT {expr} AS k FROM p WHERE {usable} GROUP BY 1 HAVING count(*) <= $max_lines"
        f") r ON r.k = {expr}",
        {"max_lines": max_lines},
    )


def _rare_user(params: CountParams, ctx: Context) -> Statement:
    return _rare(USER.format("p.entered_by"), _usable("entered_by"), params.max_lines)


def _rare_account(params: AccountCountParams, ctx: Context) -> Statement:
    return _rare(ACCOUNT, "true", params.max_lines)


def _post_dated(params: DaysParams, ctx: Context) -> Statement:
    return _select(
        f"{_usable('document_date', 'entered_date')} AND date_diff('day', p.entered_date, p.document_date) > $days",
        {"days": params.days},
    )


def _backdated(params: DaysParams, ctx: Context) -> Statement:
    return _select(
        f"{_usable('entered_date', 'effective_date')} AND date_diff('day', p.effective_date, p.entered_date) > $days",
        {"days": params.days},
    )


def _period_end(params: PeriodEndParams, ctx: Context) -> Statement:
    return _select(
        "p.effective_date BETWEEN $first AND $fiscal_end",
        {"first": ctx.fiscal_end - timedelta(days=params.days), "fiscal_end": ctx.fiscal_end},
    )


def _post_closing(params: NoParams, ctx: Context) -> Statement:
    return _select(
        f"{_usable('entered_date', 'effective_date')} AND p.entered_date > $fiscal_end"
        " AND p.effective_date <= $fiscal_end",
        {"fiscal_end": ctx.fiscal_end},
    )


def _missing_description(params: NoParams, ctx: Context) -> Statement:
    return _select(f"NOT ({USABLE['description']}) AND NOT ({USABLE['header_description']})")


def _high_amount(params: HighAmountParams, ctx: Context) -> Statement:
    if params.threshold is None:
        raise ValueError("high_amount needs its threshold resolved before it runs")
    return _select("abs(p.cents) >= $threshold", {"threshold": int(params.threshold * 100)})


def top_percent_position(lines: int, top_percent: Decimal) -> int:
    """Where percentile_disc(1 - top/100) of |amount| lies among `lines` lines sorted by |amount| (0-based):
    the first value whose cumulative share reaches it."""
    share = (Decimal(100) - Decimal(top_percent)) / 100
    return max(math.ceil(share * lines), 1) - 1


def top_percent_threshold(engine: Engine, top_percent: Decimal) -> Decimal:
    """percentile_disc(1 - top/100) of |amount| over the population, found by DuckDB among the largest
    amounts (at most `top_percent` of the lines are kept while it looks: never every amount in memory)."""
    if engine.lines == 0:
        return Decimal(0)
    above = engine.lines - 1 - top_percent_position(engine.lines, top_percent)  # lines sorted after it
    found = engine.query("SELECT abs(cents) AS a FROM p ORDER BY a DESC LIMIT 1 OFFSET $above", {"above": above})
    return (Decimal(int(found.column("a")[0].as_py())) / 100).quantize(Decimal("0.01"))


def _run_high_amount(engine: Engine, params: HighAmountParams) -> Found:
    """The threshold given; else the engagement's performance materiality; else the top percent's floor.
    The outcome says which (`basis`)."""
    if params.threshold is not None:
        basis = "threshold"
    elif engine.context.performance_materiality is not None:
        params = params.model_copy(update={"threshold": engine.context.performance_materiality})
        basis = "performance_materiality"
    else:
        params = params.model_copy(update={"threshold": top_percent_threshold(engine, params.top_percent)})
        basis = "top_percent"
    return Found(engine.query(*_high_amount(params, engine.context)), params, {"basis": basis})


def _self_approved(params: NoParams, ctx: Context) -> Statement:
    return _select(
        f"{_usable('entered_by', 'approved_by')} AND {USER.format('p.approved_by')} = {USER.format('p.entered_by')}"
    )


def _pairs(part: str) -> str:
    """Each journal's debit/credit account pairs (journal, debit account, credit account), of the journals
    that `part` (a condition on p) keeps."""
    return (
        f"WITH dr AS (SELECT DISTINCT p.journal_id, trim(p.account_number) AS a FROM p WHERE p.cents > 0 AND {part}),"
        f" cr AS (SELECT DISTINCT p.journal_id, trim(p.account_number) AS a FROM p WHERE p.cents < 0 AND {part})"
        " SELECT dr.journal_id, dr.a AS d, cr.a AS c FROM dr JOIN cr USING (journal_id)"
    )


def _pair_lines(part: str) -> str:
    """Both sides of the pairs of `rare` (d, c), of the journals that `part` keeps."""
    return (
        f"WITH hit AS (SELECT x.journal_id, x.d, x.c FROM ({_pairs(part)}) x JOIN rare USING (d, c)),"
        " sides AS (SELECT journal_id, d AS a, 1 AS side FROM hit UNION SELECT journal_id, c, -1 FROM hit)"
        " SELECT p.row_number, p.journal_id, NULL::DOUBLE AS score FROM p JOIN sides s"
        f" ON s.journal_id = p.journal_id AND s.a = trim(p.account_number) AND s.side = sign(p.cents) WHERE {part}"
    )


_PART = "hash(p.journal_id) % $passes = $part"


def _account_pairs(engine: Engine, params: PairParams) -> Found:
    """Both sides of every debit/credit account pair seen in at most `max_journals` journals: one statement
    when the population fits the engine's budget. A journal's pairs multiply its lines (50 lines make 600
    pairs), so a larger population is taken in `engine.passes` hash partitions of its journals: each pass
    counts its own journals' pairs, the counts are summed (a journal is in one partition), and the rare
    pairs' lines are found partition by partition again."""
    import pyarrow as pa

    passes = engine.passes
    if passes == 1:
        rare = f"rare AS (SELECT d, c FROM ({_pairs('true')}) x GROUP BY d, c HAVING count(*) <= $max_journals)"
        statement = _pair_lines("true").replace("WITH hit AS", f"WITH {rare}, hit AS", 1)
        return Found(engine.query(statement, {"max_journals": params.max_journals}), params)
    counts = [
        engine.query(
            f"SELECT d, c, count(*) AS n FROM ({_pairs(_PART)}) x GROUP BY d, c", {"passes": passes, "part": i}
        )
        for i in range(passes)
    ]
    with engine.registered("pair_counts", pa.concat_tables(counts)):
        rare_pairs = engine.query(
            "SELECT d, c FROM pair_counts GROUP BY d, c HAVING sum(n) <= $max_journals",
            {"max_journals": params.max_journals},
        )
    if rare_pairs.num_rows == 0:
        return Found(None, params)
    with engine.registered("rare", rare_pairs):
        found = [engine.query(_pair_lines(_PART), {"passes": passes, "part": i}) for i in range(passes)]
    return Found(pa.concat_tables(found), params)


def keyword_pattern(keywords: tuple[str, ...]) -> str:
    """An RE2 expression matching any keyword as whole words, case-insensitively, spaces as any blank run."""
    words = [re.escape(k).replace(r"\ ", " ").replace(" ", r"\s+") for k in keywords]
    return r"(?i)\b(" + "|".join(words) + r")\b"


def _keywords(params: KeywordParams, ctx: Context) -> Statement:
    return _select(
        "regexp_matches(concat_ws(' ', p.description, p.header_description), $pattern)",
        {"pattern": keyword_pattern(params.keywords)},
    )


def _amount_outlier(params: OutlierParams, ctx: Context) -> Statement:
    return (
        "SELECT p.row_number, p.journal_id, (p.cents / 100.0 - s.mean) / s.sd AS score FROM p JOIN ("
        f" SELECT {ACCOUNT} AS a, avg(p.cents / 100.0) AS mean, stddev_samp(p.cents / 100.0) AS sd"
        " FROM p GROUP BY 1 HAVING count(*) >= $min_lines AND stddev_samp(p.cents / 100.0) > 0"
        f") s ON s.a = {ACCOUNT} WHERE abs(p.cents / 100.0 - s.mean) > $z * s.sd",
        {"min_lines": params.min_lines, "z": float(params.z)},
    )


# Journal ids ending in digits, split into their prefix ("JE", "AP-2026-") and number; gaps are counted
# within each prefix's sequence, between consecutive distinct numbers.
NUMBERED = (
    "WITH ids AS (SELECT DISTINCT journal_id FROM p),"
    " split AS (SELECT journal_id, trim(journal_id) AS j, rtrim(trim(journal_id), '0123456789') AS prefix FROM ids)"
    " SELECT prefix, CAST(substr(j, length(prefix) + 1) AS BIGINT) AS n, min(journal_id) AS id"
    " FROM split WHERE length(j) - length(prefix) BETWEEN 1 AND 18 GROUP BY 1, 2"
)
GAPS = (
    "WITH steps AS (SELECT prefix, n, id, lag(n) OVER w AS prev_n, lag(id) OVER w AS prev_id FROM numbered"
    "   WINDOW w AS (PARTITION BY prefix ORDER BY n))"
    " SELECT prev_id, id AS next_id FROM steps WHERE n - prev_n > 1 ORDER BY prefix, n"
)
GAP_RANGES_KEPT = 1000


def _sequence_gaps(engine: Engine, params: NoParams) -> Found:
    """Both journals around each gap in a numbered sequence; not applicable without numbered journal ids."""
    import pyarrow as pa

    numbered = engine.query(NUMBERED)
    if numbered.num_rows == 0:
        raise NotApplicable(["journal_id (numeric)"])
    with engine.registered("numbered", numbered):
        gaps = engine.query(GAPS)
        ranges = [list(pair) for pair in zip(gaps["prev_id"].to_pylist(), gaps["next_id"].to_pylist(), strict=True)]
        # Ids that are not a sequence at all give a gap nearly everywhere: the bordering journals are
        # joined, never searched for line by line.
        bordering = pa.table({"journal_id": sorted({j for pair in ranges for j in pair})})
        with engine.registered("bordering", bordering):
            found = engine.query(
                "SELECT p.row_number, p.journal_id, NULL::DOUBLE AS score FROM p SEMI JOIN bordering USING (journal_id)"
            )
    extra = {
        "gap_count": len(ranges),
        "gap_ranges": ranges[:GAP_RANGES_KEPT],
        "gap_ranges_truncated": len(ranges) > GAP_RANGES_KEPT,
    }
    return Found(found, params, extra)


def _isolation_forest(engine: Engine, params: ForestParams) -> Found:
    """The `contamination` share of lines the forest isolates most easily, each with its anomaly score.
    The features are computed from the population's batches (as DuckDB reads them, unsorted) into one float32
    row per line, put in row order: the population itself never sits in memory beside the forest."""
    import pyarrow as pa

    from functions.analytics import outliers  # numpy and scikit-learn: not on the cold-start path

    rarities = {
        column: engine.query(f"SELECT {column} AS value, count(*) AS lines FROM p GROUP BY 1")  # nosec B608
        for column in outliers.RARITY_COLUMNS
    }
    rows, matrix = outliers.features(
        engine.lines, engine.batches(outliers.FEATURE_QUERY, outliers.BATCH_LINES), rarities
    )
    del rarities
    engine.reconnect()  # the blocks DuckDB read the lines from, back before the forest grows
    scored = outliers.most_anomalous(
        rows,
        matrix,
        contamination=float(params.contamination),
        trees=params.trees,
        sample_size=params.sample_size,
        seed=params.seed,
    )
    del rows, matrix
    if scored is None:
        return Found(None, params)
    top = pa.table({"row_number": scored.rows, "score": scored.scores})
    with engine.registered("top_rows", top):
        found = engine.query("SELECT t.row_number, p.journal_id, t.score FROM top_rows t JOIN p USING (row_number)")
    return Found(found, params, {"features": list(outliers.FEATURE_NAMES), "score_threshold": scored.threshold})


TESTS: dict[str, JeTest] = {
    t.code: t
    for t in (
        JeTest("unbalanced", "Journals that do not balance", 10, NoParams, statement(_unbalanced)),
        JeTest("sequence_gap", "Gaps in numeric journal ids", 0, NoParams, _sequence_gaps),
        JeTest("duplicate_lines", "Lines repeating the same key", 4, DuplicateParams, statement(_duplicates)),
        JeTest("round_amount", "Round amounts", 5, RoundParams, statement(_round)),
        JeTest(
            "post_dated",
            "Documents dated after entry",
            5,
            DaysParams,
            statement(_post_dated),
            ("document_date", "entered_date"),
        ),
        JeTest(
            "weekend_entry", "Entered on a weekend or holiday", 5, WeekendParams, statement(_weekend), ("entered_date",)
        ),
        JeTest("after_hours", "Entered after hours", 5, HoursParams, statement(_after_hours), ("entered_time",)),
        JeTest("rare_user", "Entered by a rare user", 8, CountParams, statement(_rare_user), ("entered_by",)),
        JeTest("rare_account", "Posted to a rare account", 8, AccountCountParams, statement(_rare_account)),
        JeTest(
            "backdated",
            "Entered long after their effective date",
            6,
            DaysParams,
            statement(_backdated),
            ("entered_date", "effective_date"),
        ),
        JeTest(
            "period_end",
            "Effective at the fiscal year end",
            5,
            PeriodEndParams,
            statement(_period_end),
            ("effective_date",),
        ),
        JeTest(
            "post_closing",
            "Entered after the year end for the year",
            10,
            NoParams,
            statement(_post_closing),
            ("entered_date", "effective_date"),
        ),
        JeTest(
            "missing_description",
            "No description",
            4,
            NoParams,
            statement(_missing_description),
            needs_any=("description", "header_description"),
        ),
        JeTest("high_amount", "High amounts", 6, HighAmountParams, _run_high_amount),
        JeTest(
            "self_approved",
            "Approved by who entered them",
            8,
            NoParams,
            statement(_self_approved),
            ("entered_by", "approved_by"),
        ),
        JeTest("unusual_account_pair", "Unusual debit/credit account pairs", 8, PairParams, _account_pairs),
        JeTest(
            "suspicious_keyword",
            "Suspicious words in descriptions",
            6,
            KeywordParams,
            statement(_keywords),
            needs_any=("description", "header_description"),
        ),
        JeTest(
            "amount_outlier",
            "Amounts far from their account's mean",
            0,
            OutlierParams,
            statement(_amount_outlier),
            scored=True,
        ),
        JeTest(
            "isolation_forest",
            "Isolation Forest anomalies",
            0,
            ForestParams,
            _isolation_forest,
            needs_any=("entered_date", "entered_time", "entered_by"),
            narrows_population=True,
            scored=True,
        ),
    )
}
# The nine tests the issue times together (bench-analytics).
CLASSIC = (
    "unbalanced",
    "sequence_gap",
    "duplicate_lines",
    "round_amount",
    "post_dated",
    "weekend_entry",
    "after_hours",
    "rare_user",
    "rare_account",
)


def dump(params: Params) -> dict[str, Any]:
    return params.model_dump(mode="json")
