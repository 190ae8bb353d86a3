"""The naive pandas baseline of `make bench-analytics` (issue 5): the journal-entry and Benford tests of
docs/audit-rules.md sections 4 and 5, written the way public audit scripts write them.

pd.read_csv with amounts as floats, pivot tables and groupby counts, and `.apply(..., axis=1)` row by row for
date arithmetic, hour extraction, weekdays, user comparisons and keyword search. It is deliberately not
optimised: it is what the set-wise SQL of functions/analytics is measured against. Its counts must still equal
the real implementation's exactly, so where a float or pandas default would change a count it follows the SQL:
amounts are rounded to cents after debit - credit, text is trimmed and blank means missing (as ingestion
stores it), and the 99th percentile is percentile_disc's, not pandas' interpolated quantile.

It reads the columns tools/synthetic_ledger.py writes (GL_HEADER, or the ADS GL_Detail names of its `ads`
shape, whose positive Amount takes its sign from an S/H or D/C indicator), plus optional `Header Description`,
`Document Date` and a signed `Amount` instead of Debit/Credit; dates are ISO (YYYY-MM-DD), times HH:MM:SS.
A test whose fields have no usable value in the file is not applicable and is left out of the result, as the
runner reports it. isolation_forest is not part of the baseline: its scores come from a model, not a rule.

`timings` holds the seconds of the latest calls, each function overwriting only its own keys: `read_csv` and
one per test code for run_baseline; `benford.read_csv`, `benford.digits` and `benford.<test>` for benford_baseline.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from functions.analytics.je_tests import DEFAULT_KEYWORDS
from shared.errors import ValidationFailed

timings: dict[str, float] = {}

PLACEHOLDER = pd.Timestamp(1900, 1, 1)
# Header spellings, compared lower-case without spaces, underscores or hyphens.
HEADERS: dict[str, tuple[str, ...]] = {
    "journal_id": ("journalid", "jenumber", "entryno"),
    "account_number": ("account", "accountnumber", "glaccountnumber"),
    "description": ("description", "linedescription", "jelinedescription"),
    "header_description": ("headerdescription", "jeheaderdescription"),
    "debit": ("debit",),
    "credit": ("credit",),
    "amount": ("amount",),
    "indicator": ("amountcreditdebitindicator",),
    "effective_date": ("effectivedate",),
    "entered_date": ("entereddate",),
    "entered_time": ("enteredtime",),
    "entered_by": ("enteredby",),
    "approved_by": ("approvedby",),
    "document_date": ("documentdate",),
    "period": ("period",),
}
MONEY = ("debit", "credit", "amount")
DATES = ("effective_date", "entered_date", "document_date")
TEXT = ("journal_id", "account_number", "description", "header_description", "entered_by", "approved_by", "period")
# A keyword as a whole word, case-insensitive, a space in it matching any run of blanks (je_tests.keyword_pattern).
KEYWORDS = re.compile(
    r"\b(?:" + "|".join(re.escape(k).replace(r"\ ", " ").replace(" ", r"\s+") for k in DEFAULT_KEYWORDS) + r")\b",
    re.IGNORECASE,
)
DIGITS = "0123456789"
CREDIT_MARKS = ("h", "c", "cr", "credit", "haben")


def _signed(amount: pd.Series, indicator: pd.Series | None) -> pd.Series:
    """A positive amount negated where its indicator says credit."""
    if indicator is None:
        return amount
    credit = indicator.astype(str).str.strip().str.lower().isin(CREDIT_MARKS)
    return amount.where(~credit, -amount)


# --------------------------------------------------------------------------- reading


def _columns(csv_path: Path) -> dict[str, str]:
    """The file's header names by canonical field; a missing required column is refused by name."""
    header = pd.read_csv(csv_path, nrows=0, encoding="utf-8-sig").columns
    found: dict[str, str] = {}
    for name in header:
        key = re.sub(r"[\s_-]", "", str(name)).lower()
        for field, spellings in HEADERS.items():
            if key in spellings and field not in found:
                found[field] = str(name)
    required = ["journal_id", "account_number", "effective_date"]
    required += ["amount"] if "amount" in found else ["debit", "credit"]
    for field in required:
        if field not in found:
            raise ValidationFailed.field(
                "file",
                field,
                message=f"no column for {field} in {csv_path.name} (columns: {', '.join(map(str, header))})",
            )
    return found


def _read(csv_path: Path) -> pd.DataFrame:
    """The lines with canonical column names: text trimmed (blank = missing), amounts float, dates Timestamps."""
    columns = _columns(csv_path)
    dtypes: dict[str, Any] = {name: ("float64" if field in MONEY else str) for field, name in columns.items()}
    try:
        raw = pd.read_csv(
            csv_path, encoding="utf-8-sig", usecols=list(columns.values()), dtype=dtypes,
            keep_default_na=False, na_values=[""],
        )  # fmt: skip
    except ValueError as exc:
        amounts = ", ".join(repr(columns[f]) for f in MONEY if f in columns)
        raise ValidationFailed.field("file", "amount", message=f"{amounts} must hold plain numbers: {exc}") from exc
    df = raw.rename(columns={name: field for field, name in columns.items()})
    for field in TEXT:
        if field in df:
            df[field] = df[field].str.strip().replace("", np.nan)
    if "amount" in df:
        df["amount"] = _signed(df["amount"], df.get("indicator")).round(2)
    else:
        df["amount"] = (df["debit"].fillna(0) - df["credit"].fillna(0)).round(2)
    for field in DATES:
        if field in df:
            df[field] = pd.to_datetime(df[field], format="ISO8601", errors="coerce")
    if "entered_time" in df:
        df["entered_time"] = df["entered_time"].str.strip().replace("", np.nan)
    return df


def _usable_date(value: Any) -> bool:
    return not pd.isna(value) and value != PLACEHOLDER


def _blank(value: Any) -> bool:
    return pd.isna(value) or str(value).strip() == ""


def _usable_count(df: pd.DataFrame, field: str) -> int:
    if field not in df:
        return 0
    if field in DATES:
        return int((df[field].notna() & (df[field] != PLACEHOLDER)).sum())
    return int(df[field].notna().sum())


def _hour(text: Any) -> int | None:
    """The hour of HH:MM[:SS] or HHMMSS (leading zeros may be missing), with an optional AM/PM."""
    if pd.isna(text):
        return None
    value = str(text).strip().upper()
    meridiem = value[-2:] if value.endswith(("AM", "PM")) else ""
    value = value.removesuffix(meridiem).strip()
    hour = int(value.split(":")[0]) if ":" in value else int(value) // 10000
    if meridiem:
        hour = hour % 12 + (12 if meridiem == "PM" else 0)
    return hour


def _rowwise(df: pd.DataFrame, test: Callable[[pd.Series], bool]) -> pd.Series:
    """`df.apply(test, axis=1)` as a boolean Series (apply on no rows returns a frame)."""
    if df.empty:
        return pd.Series(False, index=df.index, dtype=bool)
    return df.apply(test, axis=1).astype(bool)


# --------------------------------------------------------------------------- journal-entry tests

Flags: TypeAlias = "pd.Series | None"  # a boolean mask over the lines, or None when the test is not applicable


def _unbalanced(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    totals = pd.pivot_table(df, index="journal_id", values="amount", aggfunc="sum")
    out_of_balance = totals[totals["amount"].round(2) != 0].index
    return df["journal_id"].isin(out_of_balance)


def _sequence_gap(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    ids = pd.DataFrame({"journal_id": df["journal_id"].dropna().unique()})
    ids["prefix"] = ids["journal_id"].apply(lambda j: j.rstrip(DIGITS))
    ids["number"] = [j[len(prefix) :] for j, prefix in zip(ids["journal_id"], ids["prefix"], strict=True)]
    ids = ids[ids["number"].str.len().between(1, 18)]
    if ids.empty:
        return None
    ids["n"] = ids["number"].astype("int64")
    # Ids with the same prefix and number ("JE01", "JE1") count once, under the smallest spelling.
    ids = ids.groupby(["prefix", "n"], as_index=False)["journal_id"].min().sort_values(["prefix", "n"])
    ids["prev_n"] = ids.groupby("prefix")["n"].shift()
    ids["prev_id"] = ids.groupby("prefix")["journal_id"].shift()
    gaps = ids[ids["n"] - ids["prev_n"] > 1]
    bordering = set(gaps["prev_id"]) | set(gaps["journal_id"])
    return df["journal_id"].isin(bordering)


def _duplicate_lines(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    if _usable_count(df, "period") == 0:
        return None
    # groupby drops keys with a missing part, so those lines get NaN and are never duplicates.
    counts = df.groupby(["account_number", "period", "amount"])["amount"].transform("size")
    return counts >= 2


def _round_amount(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    return (df["amount"] != 0) & (df["amount"].abs() % 1000 == 0)


def _weekend_entry(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    if _usable_count(df, "entered_date") == 0:
        return None
    return _rowwise(df, lambda r: _usable_date(r["entered_date"]) and r["entered_date"].isoweekday() in (6, 7))


def _after_hours(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    if _usable_count(df, "entered_time") == 0:
        return None

    def late(row: pd.Series) -> bool:
        hour = _hour(row["entered_time"])
        return hour is not None and (hour >= 20 or hour <= 5)

    return _rowwise(df, late)


def _rare(key: pd.Series, max_lines: int) -> pd.Series:
    """Lines whose key (blank keys excluded) occurs on at most max_lines lines."""
    return key.map(key.value_counts()) <= max_lines


def _rare_user(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    if _usable_count(df, "entered_by") == 0:
        return None
    return _rare(df["entered_by"].str.lower(), 10)


def _rare_account(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    return _rare(df["account_number"], 3)


def _post_dated(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    if _usable_count(df, "document_date") == 0 or _usable_count(df, "entered_date") == 0:
        return None
    return _rowwise(
        df,
        lambda r: (
            _usable_date(r["document_date"])
            and _usable_date(r["entered_date"])
            and (r["document_date"] - r["entered_date"]).days > 30
        ),
    )


def _backdated(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    if _usable_count(df, "entered_date") == 0:
        return None
    return _rowwise(
        df,
        lambda r: (
            _usable_date(r["entered_date"])
            and _usable_date(r["effective_date"])
            and (r["entered_date"] - r["effective_date"]).days > 30
        ),
    )


def _period_end(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    first, last = pd.Timestamp(ctx["fiscal_end"] - timedelta(days=3)), pd.Timestamp(ctx["fiscal_end"])
    return _rowwise(df, lambda r: first <= r["effective_date"] <= last)


def _post_closing(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    if _usable_count(df, "entered_date") == 0:
        return None
    year_end = pd.Timestamp(ctx["fiscal_end"])
    # The effective date is compared as recorded: a 1900-01-01 placeholder is "on or before" the year end.
    return _rowwise(
        df,
        lambda r: _usable_date(r["entered_date"]) and r["entered_date"] > year_end and r["effective_date"] <= year_end,
    )


def _missing_description(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    if _usable_count(df, "description") == 0 and _usable_count(df, "header_description") == 0:
        return None
    return _rowwise(df, lambda r: _blank(r.get("description")) and _blank(r.get("header_description")))


def _high_amount(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    size = df["amount"].abs()
    materiality: Decimal | None = ctx["performance_materiality"]
    if materiality is not None:
        return size >= float(materiality)
    if size.empty:
        return size > 0
    # percentile_disc(0.99): the value at row ceil(0.99 * N) of the ascending order (float8 arithmetic, as PostgreSQL).
    row = max(1, math.ceil(0.99 * len(size)))
    threshold = size.sort_values().iloc[row - 1]
    return size >= threshold


def _self_approved(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    if _usable_count(df, "entered_by") == 0 or _usable_count(df, "approved_by") == 0:
        return None
    return _rowwise(
        df,
        lambda r: (
            not _blank(r["entered_by"])
            and not _blank(r["approved_by"])
            and str(r["approved_by"]).strip().lower() == str(r["entered_by"]).strip().lower()
        ),
    )


def _unusual_account_pair(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    debits = df[df["amount"] > 0][["journal_id", "account_number"]].drop_duplicates()
    credits = df[df["amount"] < 0][["journal_id", "account_number"]].drop_duplicates()
    pairs = debits.merge(credits, on="journal_id", suffixes=("_dr", "_cr"))
    if pairs.empty:
        return pd.Series(False, index=df.index, dtype=bool)
    journals = pd.pivot_table(
        pairs, index=["account_number_dr", "account_number_cr"], values="journal_id", aggfunc="count"
    )
    rare = journals[journals["journal_id"] <= 2].reset_index()[["account_number_dr", "account_number_cr"]]
    hit = pairs.merge(rare, on=["account_number_dr", "account_number_cr"])
    sides = {(j, a, 1) for j, a in zip(hit["journal_id"], hit["account_number_dr"], strict=True)}
    sides |= {(j, a, -1) for j, a in zip(hit["journal_id"], hit["account_number_cr"], strict=True)}
    return _rowwise(df, lambda r: (r["journal_id"], r["account_number"], np.sign(r["amount"])) in sides)


def _suspicious_keyword(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    if _usable_count(df, "description") == 0 and _usable_count(df, "header_description") == 0:
        return None

    def listed(row: pd.Series) -> bool:
        parts = [row.get("description"), row.get("header_description")]
        text = " ".join(str(p) for p in parts if not pd.isna(p))
        return KEYWORDS.search(text) is not None

    return _rowwise(df, listed)


def _amount_outlier(df: pd.DataFrame, ctx: dict[str, Any]) -> Flags:
    stats = df.groupby("account_number")["amount"].agg(["count", "mean", "std"])
    stats = stats[(stats["count"] >= 30) & (stats["std"] > 0)]
    joined = df.join(stats, on="account_number")
    # z = (amount - mean) / sample standard deviation of the account; NaN (unscored accounts) compares False.
    return (joined["amount"] - joined["mean"]).abs() > 3 * joined["std"]


TESTS: dict[str, Callable[[pd.DataFrame, dict[str, Any]], Flags]] = {
    "unbalanced": _unbalanced,
    "sequence_gap": _sequence_gap,
    "duplicate_lines": _duplicate_lines,
    "round_amount": _round_amount,
    "post_dated": _post_dated,
    "weekend_entry": _weekend_entry,
    "after_hours": _after_hours,
    "rare_user": _rare_user,
    "rare_account": _rare_account,
    "backdated": _backdated,
    "period_end": _period_end,
    "post_closing": _post_closing,
    "missing_description": _missing_description,
    "high_amount": _high_amount,
    "self_approved": _self_approved,
    "unusual_account_pair": _unusual_account_pair,
    "suspicious_keyword": _suspicious_keyword,
    "amount_outlier": _amount_outlier,
}


def run_baseline(
    csv_path: Path, *, fiscal_end: date, performance_materiality: Decimal | None = None
) -> dict[str, tuple[int, int]]:
    """{test code: (flagged lines, flagged journals)} of the journal-entry tests with their default parameters."""
    started = time.perf_counter()
    df = _read(Path(csv_path))
    if df.empty:
        raise ValidationFailed.field("file", "lines", message=f"{Path(csv_path).name} holds no lines")
    timings["read_csv"] = time.perf_counter() - started
    ctx = {"fiscal_end": fiscal_end, "performance_materiality": performance_materiality}
    results: dict[str, tuple[int, int]] = {}
    for code, test in TESTS.items():
        started = time.perf_counter()
        flagged = test(df, ctx)
        if flagged is not None:
            flagged = flagged.fillna(False).astype(bool)
            results[code] = (int(flagged.sum()), int(df.loc[flagged, "journal_id"].nunique()))
        timings[code] = time.perf_counter() - started
    return results


# --------------------------------------------------------------------------- Benford


def _benford_expected() -> dict[str, list[float]]:
    """log10(1 + 1/d) for first and first-two digits; the second digit sums that law over the first digit."""
    second = [sum(math.log10(1 + 1 / (10 * d1 + d2)) for d1 in range(1, 10)) for d2 in range(10)]
    return {
        "first_digit": [math.log10(1 + 1 / d) for d in range(1, 10)],
        "second_digit": second,
        "first_two": [math.log10(1 + 1 / d) for d in range(10, 100)],
        "last_two": [1 / 100] * 100,
        "summation": [1 / 90] * 90,
    }


BENFORD_LABELS = {
    "first_digit": [str(d) for d in range(1, 10)],
    "second_digit": [str(d) for d in range(10)],
    "first_two": [str(d) for d in range(10, 100)],
    "last_two": [f"{d:02d}" for d in range(100)],
    "summation": [str(d) for d in range(10, 100)],
}


def _benford_statistics(counts: pd.Series, observed: pd.Series, expected: list[float]) -> dict[str, Any]:
    """MAD = mean |p - p0|; Z = max(|p - p0| - 1/(2N), 0) / sqrt(p0 (1 - p0) / N), flagged above 1.96."""
    n = int(counts.sum())
    p0 = pd.Series(expected, index=counts.index)
    gap = (observed - p0).abs()
    z = (gap - 1 / (2 * n)).clip(lower=0) / np.sqrt(p0 * (1 - p0) / n)
    return {
        "n": n,
        "counts": [int(c) for c in counts],
        "mad": float(gap.mean()),
        "flagged": [label for label, value in z.items() if value > 1.96],
    }


def benford_baseline(csv_path: Path) -> dict[str, dict[str, Any]]:
    """The five Benford tests on the positive amounts of 10 or more (the defaults), digits by string formatting.

    Each test: n, counts per bin in bin order, MAD and the labels of the bins flagged by Z; summation also
    gives each bin's share of the summed amount.
    """
    started = time.perf_counter()
    columns = _columns(Path(csv_path))
    df = pd.read_csv(csv_path, encoding="utf-8-sig")
    timings["benford.read_csv"] = time.perf_counter() - started

    started = time.perf_counter()
    if "amount" in columns:
        indicator = df[columns["indicator"]] if "indicator" in columns else None
        amount = _signed(df[columns["amount"]].astype(float), indicator).round(2)
    else:
        amount = (df[columns["debit"]].fillna(0).astype(float) - df[columns["credit"]].fillna(0).astype(float)).round(2)
    kept = amount[amount >= 10]
    if kept.empty:
        raise ValidationFailed.field("file", "amount", message=f"no positive amount of 10 or more in {csv_path}")
    text = kept.apply(lambda x: f"{x:.2f}")
    digits = text.apply(lambda s: s.replace(".", "").lstrip("0"))
    bins = pd.DataFrame({"amount": kept, "first_two": digits.str[:2], "last_two": text.str[-2:]})
    bins["first_digit"] = bins["first_two"].str[0]
    bins["second_digit"] = bins["first_two"].str[1]
    timings["benford.digits"] = time.perf_counter() - started

    expected = _benford_expected()
    results: dict[str, dict[str, Any]] = {}
    for test in ("first_digit", "second_digit", "first_two", "last_two"):
        started = time.perf_counter()
        counts = bins[test].value_counts().reindex(BENFORD_LABELS[test], fill_value=0)
        results[test] = _benford_statistics(counts, counts / counts.sum(), expected[test])
        timings[f"benford.{test}"] = time.perf_counter() - started

    started = time.perf_counter()
    labels = BENFORD_LABELS["summation"]
    counts = bins["first_two"].value_counts().reindex(labels, fill_value=0)
    sums = pd.pivot_table(bins, index="first_two", values="amount", aggfunc="sum")["amount"]
    shares = sums.reindex(labels, fill_value=0.0) / sums.sum()
    results["summation"] = _benford_statistics(counts, shares, expected["summation"]) | {
        "shares": [float(s) for s in shares]
    }
    timings["benford.summation"] = time.perf_counter() - started
    return results
