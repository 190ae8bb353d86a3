"""Which column of a client's file is which canonical field, decided once from the header row.

Headers are looked up in the alias table (`aliases`) in their normal form; an explicit column map
from the user comes first. Every problem is collected before anything is refused, so one upload
round is enough to fix the export or the column map.

Amounts come in three forms (docs/audit-rules.md section 3): a signed amount; debit and credit columns; an amount with a
debit/credit indicator. When a file carries more than one form, the indicator form wins over the signed
amount, and a signed amount wins over debit and credit columns (the SAF-T view carries all three, and
its credit column holds negative numbers, which only the signed column states plainly). An explicit
column map naming debit or credit selects that form. A trial balance uses the same three forms for its
closing balance (required) and its opening balance (optional); a trial balance whose only figures are
plain `Debit` and `Credit` columns lists closing balances, so those are read as the closing balance.

This module is imported on the HTTP cold-start path: it must not import pyarrow at module level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from functions.ingestion.aliases import ALIAS_INDEX, accepted_headers, normalize_header
from functions.ingestion.fields import (
    AMOUNT_TARGETS,
    DEBIT_CREDIT,
    INDICATOR,
    REQUIRED,
    SIGNED,
    TRIAL_BALANCE,
    AmountTarget,
    check_kind,
    source_fields,
)
from functions.ingestion.problems import IngestRejected, ProblemLog


@dataclass(frozen=True)
class Plan:
    """How one file's columns feed the output: which header each source field is read from, which
    amount form each amount target uses, and which headers are ignored."""

    kind: str
    header: tuple[str, ...]
    columns: dict[str, str]
    amount_forms: dict[str, str] = field(default_factory=dict)
    unmapped: tuple[str, ...] = ()

    @property
    def amount_form(self) -> str | None:
        """The form of the file's main amount: the GL amount or the TB closing balance."""
        return self.amount_forms.get("amount") or self.amount_forms.get("closing_balance")

    def header_for(self, source_field: str) -> str | None:
        return self.columns.get(source_field)


@dataclass(frozen=True)
class Match:
    """What the header matching found, before anything is refused: the plan as far as it goes, the
    header problems (unknown or unmatched column-map entries, ambiguous headers, missing required
    columns) and the refusal code each problem adds. The preview shows it; the load refuses on it."""

    plan: Plan
    problems: ProblemLog
    codes: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """The required source fields (or amount parts) no header was found for, in field order."""
        order = {name: i for i, name in enumerate(source_fields(self.plan.kind))}
        return tuple(
            sorted(
                (p["column"] for p in self.problems.problems if p["reason"].startswith("required column")),
                key=lambda name: order.get(name, len(order)),
            )
        )

    def rejection(self) -> IngestRejected:
        kind, header = self.plan.kind, self.plan.header
        code = next(c for c in ("invalid_column_map", "ambiguous_columns", "missing_columns") if c in self.codes)
        if code == "missing_columns":
            message = (
                f"required columns not found: {', '.join(self.missing)}. The file's headers: {_listing(header)}. "
                f"Rename the headers or pass a column map."
            )
        else:
            message = f"the file's columns cannot be read as a {kind.replace('_', ' ')}: " + "; ".join(
                f"{p['column']}: {p['reason']}" for p in self.problems.problems[:5]
            )
        return self.problems.reject(code, message)


def resolve(kind: str, header: list[str] | tuple[str, ...], column_map: dict[str, str] | None = None) -> Plan:
    """Decide the plan or refuse the file with every header problem at once, so one upload round
    is enough to fix the export or the column map."""
    found = match(kind, header, column_map)
    if found.problems:
        raise found.rejection()
    return found.plan


def match(kind: str, header: list[str] | tuple[str, ...], column_map: dict[str, str] | None = None) -> Match:
    """Match the header against the alias table and the column map, collecting every problem."""
    check_kind(kind)
    header = tuple("" if h is None else str(h) for h in header)
    problems = ProblemLog()
    codes: list[str] = []
    known = set(source_fields(kind))
    by_exact = {h: h for h in header}
    by_normal: dict[str, list[str]] = {}
    for h in header:
        by_normal.setdefault(normalize_header(h), []).append(h)

    columns: dict[str, str] = {}
    taken: set[str] = set()
    explicit: set[str] = set()
    for source_field, wanted in (column_map or {}).items():
        if source_field not in known:
            problems.add(
                row=1,
                column=str(source_field),
                value=wanted,
                reason=f"unknown field in column map; known fields: {', '.join(sorted(known))}",
            )
            codes.append("invalid_column_map")
            continue
        found = by_exact.get(wanted) or next(iter(by_normal.get(normalize_header(wanted), [])), None)
        if found is None:
            problems.add(
                row=1,
                column=source_field,
                value=wanted,
                reason=f"column map names a header that is not in the file; the file's headers: {_listing(header)}",
            )
            codes.append("invalid_column_map")
            continue
        columns[source_field] = found
        taken.add(found)
        explicit.add(source_field)

    matches: dict[str, list[str]] = {}
    index = ALIAS_INDEX[kind]
    for h in header:
        alias_of = index.get(normalize_header(h))
        if h in taken or alias_of is None or alias_of in explicit:
            continue
        matches.setdefault(alias_of, []).append(h)
    ambiguous: set[str] = set()
    for source_field, headers in matches.items():
        if len(headers) > 1:
            ambiguous.add(source_field)
            problems.add(
                row=1,
                column=source_field,
                value=", ".join(headers),
                reason=f"ambiguous: {len(headers)} columns could be {source_field} ({_listing(headers)}); "
                f"pass a column map naming the one to use",
            )
            codes.append("ambiguous_columns")
        else:
            columns[source_field] = headers[0]

    amount_forms: dict[str, str] = {}
    if kind == TRIAL_BALANCE:
        _closing_from_plain_debit_credit(columns, explicit)
    for target in AMOUNT_TARGETS[kind]:
        if ambiguous & {target.signed, target.debit, target.credit, target.indicator}:
            continue
        form = _choose_form(target, columns, explicit)
        if form is None:
            if target.required:
                _missing(problems, kind, target.target, header, _form_hint(kind, target))
                codes.append("missing_columns")
            continue
        amount_forms[target.target] = form
        unused = {
            SIGNED: (target.debit, target.credit, target.indicator),
            DEBIT_CREDIT: (target.signed, target.indicator),
            INDICATOR: (target.debit, target.credit),
        }[form]
        for part in unused:
            columns.pop(part, None)
        if form == DEBIT_CREDIT:
            for part in (target.debit, target.credit):
                if part not in columns:
                    _missing(problems, kind, part, header, f"{target.debit} and {target.credit} go together")
                    codes.append("missing_columns")

    amount_targets = {t.target for t in AMOUNT_TARGETS[kind]}
    for required in REQUIRED[kind]:
        if required not in amount_targets and required not in columns and required not in ambiguous:
            _missing(problems, kind, required, header, None)
            codes.append("missing_columns")

    used = set(columns.values())
    unmapped = tuple(h for h in header if h not in used and h.strip())
    plan = Plan(kind=kind, header=header, columns=columns, amount_forms=amount_forms, unmapped=unmapped)
    return Match(plan=plan, problems=problems, codes=tuple(codes))


def _closing_from_plain_debit_credit(columns: dict[str, str], explicit: set[str]) -> None:
    """A TB with only `Debit`/`Credit` figures lists closing balances, not period activity."""
    has_closing = any(p in columns for p in ("closing_balance", "closing_debit", "closing_credit"))
    has_opening = any(p in columns for p in ("opening_balance", "opening_debit", "opening_credit"))
    activity = ("period_debit", "period_credit")
    if has_closing or has_opening or any(p in explicit for p in activity):
        return
    if all(p in columns for p in activity):
        columns["closing_debit"] = columns.pop("period_debit")
        columns["closing_credit"] = columns.pop("period_credit")


def _choose_form(target: AmountTarget, columns: dict[str, str], explicit: set[str]) -> str | None:
    if target.debit in explicit or target.credit in explicit:
        return DEBIT_CREDIT
    if target.signed in columns and target.indicator in columns:
        return INDICATOR
    if target.signed in columns:
        return SIGNED
    if target.debit in columns or target.credit in columns:
        return DEBIT_CREDIT
    return None


def _form_hint(kind: str, target: AmountTarget) -> str:
    return (
        f"give {target.signed} (signed, debit positive), or {target.debit} and {target.credit}, "
        f"or {target.signed} with {target.indicator} (D/C, Dr/Cr, Debit/Credit, S/H)"
    )


def _missing(problems: ProblemLog, kind: str, source_field: str, header: tuple[str, ...], hint: str | None) -> None:
    accepted = ", ".join(accepted_headers(kind, source_field))
    reason = f"required column not found; accepted headers: {accepted}"
    if hint:
        reason += f" ({hint})"
    problems.add(row=1, column=source_field, value=None, reason=reason)


def _listing(headers: tuple[str, ...] | list[str]) -> str:
    return ", ".join(repr(h) for h in headers) if headers else "(none)"
