"""The journal-entry tests of docs/audit-rules.md section 4, each one SQL statement over a dataset's lines.

Every test reads the population `p` (one general-ledger version, read once out of PostgreSQL into an
Arrow table that DuckDB queries in place, on every core) and yields the lines it flags as
(row_number, journal_id, score). Nothing loops over lines in Python. Amounts are exact: `cents` is
the signed amount in integer cents. Parameters are validated models; user text reaches SQL only as
bound parameters ($name), and only whitelisted column expressions are ever composed into statements.

User ids and account numbers are compared trimmed, user ids case-insensitively. A date is usable when
present and not the 1900-01-01 placeholder; a test skips lines without the fields it needs and the
runner reports how many.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from shared.http.fields import IsoDate

USER = "lower(trim({0}))"
ACCOUNT = "trim(p.account_number)"

# What "usable" means for each optional field; the population profile counts these.
USABLE: dict[str, str] = {
    "entered_date": "p.entered_date IS NOT NULL AND p.entered_date <> DATE '1900-01-01'",
    "entered_time": "p.entered_time IS NOT NULL",
    "entered_by": "trim(coalesce(p.entered_by, '')) <> ''",
    "approved_by": "trim(coalesce(p.approved_by, '')) <> ''",
    "document_date": "p.document_date IS NOT NULL AND p.document_date <> DATE '1900-01-01'",
    "effective_date": "p.effective_date <> DATE '1900-01-01'",
    "description": "trim(coalesce(p.description, '')) <> ''",
    "header_description": "trim(coalesce(p.header_description, '')) <> ''",
    "period": "trim(coalesce(p.period, '')) <> ''",
    "business_unit": "trim(coalesce(p.business_unit, '')) <> ''",
}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


@dataclass(frozen=True)
class JeTest:
    """One test: its code, risk weight, what it needs, its parameters and its SQL."""

    code: str
    title: str
    weight: int
    params: type[Params]
    sql: Callable[[Any, Context], Statement] | None
    needs: tuple[str, ...] = ()  # fields that must be usable on a line for the test to look at it
    needs_any: tuple[str, ...] = ()  # at least one of these must exist in the population


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


def _self_approved(params: NoParams, ctx: Context) -> Statement:
    return _select(
        f"{_usable('entered_by', 'approved_by')} AND {USER.format('p.approved_by')} = {USER.format('p.entered_by')}"
    )


def _account_pairs(params: PairParams, ctx: Context) -> Statement:
    return (
        "WITH dr AS (SELECT DISTINCT p.journal_id, trim(p.account_number) AS a FROM p WHERE p.cents > 0),"
        " cr AS (SELECT DISTINCT p.journal_id, trim(p.account_number) AS a FROM p WHERE p.cents < 0),"
        " pairs AS (SELECT dr.journal_id, dr.a AS d, cr.a AS c FROM dr JOIN cr USING (journal_id)),"
        " rare AS (SELECT d, c FROM pairs GROUP BY d, c HAVING count(*) <= $max_journals),"
        " hit AS (SELECT pairs.journal_id, pairs.d, pairs.c FROM pairs JOIN rare USING (d, c)),"
        " sides AS (SELECT journal_id, d AS a, 1 AS side FROM hit UNION SELECT journal_id, c, -1 FROM hit)"
        " SELECT p.row_number, p.journal_id, NULL::DOUBLE AS score FROM p JOIN sides s"
        " ON s.journal_id = p.journal_id AND s.a = trim(p.account_number) AND s.side = sign(p.cents)",
        {"max_journals": params.max_journals},
    )


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


TESTS: dict[str, JeTest] = {
    t.code: t
    for t in (
        JeTest("unbalanced", "Journals that do not balance", 10, NoParams, _unbalanced),
        JeTest("sequence_gap", "Gaps in numeric journal ids", 0, NoParams, None),
        JeTest("duplicate_lines", "Lines repeating the same key", 4, DuplicateParams, _duplicates),
        JeTest("round_amount", "Round amounts", 5, RoundParams, _round),
        JeTest(
            "post_dated", "Documents dated after entry", 5, DaysParams, _post_dated, ("document_date", "entered_date")
        ),
        JeTest("weekend_entry", "Entered on a weekend or holiday", 5, WeekendParams, _weekend, ("entered_date",)),
        JeTest("after_hours", "Entered after hours", 5, HoursParams, _after_hours, ("entered_time",)),
        JeTest("rare_user", "Entered by a rare user", 8, CountParams, _rare_user, ("entered_by",)),
        JeTest("rare_account", "Posted to a rare account", 8, AccountCountParams, _rare_account),
        JeTest(
            "backdated",
            "Entered long after their effective date",
            6,
            DaysParams,
            _backdated,
            ("entered_date", "effective_date"),
        ),
        JeTest("period_end", "Effective at the fiscal year end", 5, PeriodEndParams, _period_end, ("effective_date",)),
        JeTest(
            "post_closing",
            "Entered after the year end for the year",
            10,
            NoParams,
            _post_closing,
            ("entered_date", "effective_date"),
        ),
        JeTest(
            "missing_description",
            "No description",
            4,
            NoParams,
            _missing_description,
            needs_any=("description", "header_description"),
        ),
        JeTest("high_amount", "High amounts", 6, HighAmountParams, _high_amount),
        JeTest(
            "self_approved", "Approved by who entered them", 8, NoParams, _self_approved, ("entered_by", "approved_by")
        ),
        JeTest("unusual_account_pair", "Unusual debit/credit account pairs", 8, PairParams, _account_pairs),
        JeTest(
            "suspicious_keyword",
            "Suspicious words in descriptions",
            6,
            KeywordParams,
            _keywords,
            needs_any=("description", "header_description"),
        ),
        JeTest("amount_outlier", "Amounts far from their account's mean", 0, OutlierParams, _amount_outlier),
        JeTest(
            "isolation_forest",
            "Isolation Forest anomalies",
            0,
            ForestParams,
            None,
            needs_any=("entered_date", "entered_time", "entered_by"),
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


def needed_fields(test: JeTest, params: Params) -> tuple[str, ...]:
    """The optional fields a line must have for the test to look at it (duplicate keys depend on parameters)."""
    if isinstance(params, DuplicateParams):
        return tuple(key for key in params.keys if key in USABLE)
    return test.needs


def parse_parameters(overrides: dict[str, dict[str, Any]]) -> dict[str, Params]:
    """Every test's parameters: the defaults with the caller's overrides, validated (ValueError names the test)."""
    unknown = sorted(set(overrides) - set(TESTS))
    if unknown:
        raise KeyError(unknown[0])
    return {code: test.params.model_validate(overrides.get(code, {})) for code, test in TESTS.items()}


def dump(params: Params) -> dict[str, Any]:
    return params.model_dump(mode="json")


# The forest runs last: before it, the runner frees the population it no longer needs (runner.py).
if list(TESTS)[-1] != "isolation_forest":
    raise RuntimeError("isolation_forest must be the last test of the catalogue")
