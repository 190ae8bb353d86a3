"""Use cases of account mapping: the standard chart and the firm's additions, the firm's rules, the
suggestion job, and the reviewer's decisions.

The engagement's mapping is the firm's working papers: client users never see it (404), reads need
engagement.read, asking for suggestions engagement.update, deciding a mapping mapping.confirm, and
every write is refused once the engagement is finalized (409 engagement_locked, and the lock trigger
of migration 0015 behind it). A confirmed mapping is kept as one of the firm's examples: the next
engagement of the same client starts from it (prior_year), and every suggestion of the firm learns
from it (model).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from functions.mapping.suggest import Account, Knowledge, suggest
from functions.mapping.suggest.classifier import Example, Taught
from functions.mapping.suggest.firm_rules import Rule
from shared import audit_log, clock
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.bus.events import AccountsMapped, DatasetIngested, SuggestMappings
from shared.datasets import current_dataset
from shared.db.models import Job
from shared.db.models_engagement import Engagement
from shared.db.models_mapping import AccountMapping, FirmStandardAccount, MappingExample, MappingRule
from shared.db.uow import UnitOfWork
from shared.engagement_access import LOCKED_STATUS, record, require
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.jobs import JobFailed, ProgressReporter, create_job
from shared.standard_chart import Chart, StandardAccount, firm_chart, own_account
from shared.trial_balances import balances, chart_of_accounts, current_trial_balance

READ = Permission.ENGAGEMENT_READ
WRITE = Permission.ENGAGEMENT_UPDATE
CONFIRM = Permission.MAPPING_CONFIRM
RULES = Permission.MAPPING_RULES
MAX_TRAINING_EXAMPLES = 50_000
DECIDED = ("confirmed", "unmapped")


# --- the standard chart and the firm's additions -------------------------------------------------------


def get_standard_chart(*, uow: UnitOfWork, principal: Principal) -> Chart:
    """The shipped chart and the firm's own accounts, in code order."""
    return firm_chart(uow)


def _unknown_code(code: str, *loc: str) -> ValidationFailed:
    return ValidationFailed.field(
        *loc, message=f"{code!r} is not an account of the standard chart", code="unknown_standard_code"
    )


def create_firm_account(*, uow: UnitOfWork, principal: Principal, fields: dict[str, Any]) -> StandardAccount:
    """Add an account of the firm's own to the standard chart; its code must be new."""
    if fields["code"] in firm_chart(uow):
        raise Conflict(f"The standard chart already has an account {fields['code']!r}", code="code_taken")
    row = FirmStandardAccount(firm_id=principal.firm_id, created_by=principal.user_id, **fields)
    uow.session.add(row)
    uow.session.flush()
    audit_log.append(uow, "mapping.firm_account_created", target_type="standard_account", target_id=row.code)
    uow.commit()
    return own_account(row)


def list_rules(*, uow: UnitOfWork, principal: Principal) -> list[MappingRule]:
    """The firm's rules, in the order they are tried."""
    return list(uow.session.scalars(select(MappingRule).order_by(MappingRule.position, MappingRule.created_at)))


def create_rule(*, uow: UnitOfWork, principal: Principal, fields: dict[str, Any]) -> MappingRule:
    """Add a rule at the end of the firm's list."""
    if fields["standard_code"] not in firm_chart(uow):
        raise _unknown_code(fields["standard_code"], "body", "standard_code")
    last = uow.session.scalar(select(func.max(MappingRule.position)))
    row = MappingRule(firm_id=principal.firm_id, position=(last or 0) + 1, created_by=principal.user_id, **fields)
    uow.session.add(row)
    uow.session.flush()
    audit_log.append(uow, "mapping.rule_created", target_type="mapping_rule", target_id=row.id, data={"kind": row.kind})
    uow.commit()
    return row


def delete_rule(*, uow: UnitOfWork, principal: Principal, rule_id: uuid.UUID) -> None:
    row = uow.session.get(MappingRule, rule_id)
    if row is None:
        raise NotFound("No such rule", code="rule_not_found")
    uow.session.delete(row)
    audit_log.append(uow, "mapping.rule_deleted", target_type="mapping_rule", target_id=rule_id)
    uow.commit()


# --- suggestions ---------------------------------------------------------------------------------------------


def _queue(uow: UnitOfWork, *, engagement_id: uuid.UUID, created_by: uuid.UUID | None) -> Job:
    return create_job(
        uow,
        kind=SuggestMappings.type,
        params={"engagement_id": str(engagement_id)},
        created_by=created_by,
        engagement_id=engagement_id,
    )


def request_suggestions(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> Job:
    """Queue the suggestion job for every account of the engagement (202 with its id)."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    job = _queue(uow, engagement_id=engagement_id, created_by=principal.user_id)
    record(uow, "mapping.suggestions_requested", engagement_id=engagement_id, target_type="job", target_id=job.id)
    uow.commit()
    return job


def on_dataset_ingested(uow: UnitOfWork, event: DatasetIngested) -> Job | None:
    """A chart of accounts or the year's trial balance loaded: suggest (background scope), unless it
    is a comparative, no longer current, or the engagement is finalized."""
    if event.kind not in ("trial_balance", "chart_of_accounts"):
        return None
    engagement = uow.session.get(Engagement, event.engagement_id)
    if engagement is None or engagement.status == LOCKED_STATUS:
        return None
    current = current_dataset(uow, engagement_id=engagement.id, kind=event.kind)
    if current is None or current.id != event.dataset_id:
        return None
    return _queue(uow, engagement_id=engagement.id, created_by=None)


def engagement_accounts(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> list[Account]:
    """The accounts to map: the chart of accounts' and the current trial balance's, names from the chart."""
    named = chart_of_accounts(uow, engagement_id=engagement_id)
    dataset = current_trial_balance(uow, engagement_id=engagement_id)
    found = balances(uow, dataset_id=dataset.id) if dataset is not None else {}
    numbers = sorted({*named, *found})
    return [
        Account(
            number,
            named.get(number) or (found[number].account_name if number in found else ""),
            found[number].closing if number in found else None,
        )
        for number in numbers
    ]


def _knowledge(uow: UnitOfWork, engagement: Engagement, standard: Chart) -> Knowledge:
    prior_rows = uow.session.execute(
        select(MappingExample.account_number, MappingExample.account_name, MappingExample.standard_code)
        .join(Engagement, Engagement.id == MappingExample.engagement_id)
        .where(
            MappingExample.client_id == engagement.client_id,
            MappingExample.engagement_id != engagement.id,
            Engagement.period_end <= engagement.period_end,
        )
        .order_by(Engagement.period_end, MappingExample.confirmed_at)
    )
    # The latest prior engagement's decision wins: later rows overwrite earlier ones.
    prior = {number: (name, code) for number, name, code in prior_rows}
    rules = [
        Rule(row.kind, row.standard_code, row.range_start, row.range_end, row.pattern)
        for row in uow.session.scalars(select(MappingRule).order_by(MappingRule.position, MappingRule.created_at))
    ]
    examples = [
        Example(name, code)
        for name, code in uow.session.execute(
            select(MappingExample.account_name, MappingExample.standard_code)
            .order_by(MappingExample.confirmed_at.desc())
            .limit(MAX_TRAINING_EXAMPLES)
        )
    ]
    return Knowledge(prior=prior, rules=rules, taught=Taught(examples, set(standard.by_code)))


def _alternatives(alternatives: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"standard_code": a.standard_code, "confidence": a.confidence} for a in alternatives]


def run_suggestions(uow: UnitOfWork, *, engagement_id: uuid.UUID, progress: ProgressReporter) -> dict[str, Any]:
    """The job: suggest for every account; confirmed and reviewer-unmapped accounts keep their decision,
    and accounts no longer in the data are dropped unless decided."""
    engagement = uow.session.get(Engagement, engagement_id)
    if engagement is None:
        raise JobFailed("engagement_missing", "The engagement no longer exists")
    if engagement.status == LOCKED_STATUS:
        raise JobFailed("engagement_locked", "The engagement is finalized and locked")
    accounts = engagement_accounts(uow, engagement_id=engagement_id)
    if not accounts:
        raise JobFailed("no_accounts", "Load a chart of accounts or a trial balance before asking for suggestions")
    standard = firm_chart(uow)
    suggestions = suggest(accounts, standard, _knowledge(uow, engagement, standard))
    progress(0.8)
    existing = {
        row.account_number: row
        for row in uow.session.scalars(select(AccountMapping).where(AccountMapping.engagement_id == engagement_id))
    }
    methods: Counter[str] = Counter()
    for account, suggestion in zip(accounts, suggestions, strict=True):
        row = existing.pop(account.number, None)
        if row is None:
            row = AccountMapping(firm_id=engagement.firm_id, engagement_id=engagement_id, account_number=account.number)
            uow.session.add(row)
        row.account_name = account.name
        if row.status in DECIDED:
            continue
        code = suggestion.standard_code
        row.standard_code, row.section = code, standard[code].section if code else None
        row.confidence = Decimal(str(suggestion.confidence)) if code else None
        row.method = suggestion.method if code else None
        row.status = "suggested" if code else "pending"
        row.alternatives = _alternatives(suggestion.alternatives)
        if code:
            methods[suggestion.method] += 1
    gone = [row.id for row in existing.values() if row.status not in DECIDED]
    if gone:
        uow.session.execute(delete(AccountMapping).where(AccountMapping.id.in_(gone)))
    uow.session.flush()
    return {"accounts": len(accounts), "suggested": sum(methods.values()), "methods": dict(methods)}


# --- reads and decisions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingView:
    row: AccountMapping
    balance: Decimal | None


def list_mappings(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    status: str | None,
    section: str | None,
    q: str | None,
    offset: int,
    limit: int,
) -> tuple[list[MappingView], int, Chart]:
    """The engagement's accounts in number order, with their current balances."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    conditions: list[ColumnElement[bool]] = [AccountMapping.engagement_id == engagement_id]
    if status is not None:
        conditions.append(AccountMapping.status == status)
    if section is not None:
        conditions.append(AccountMapping.section == section)
    if q is not None:
        conditions.append(
            AccountMapping.account_number.icontains(q, autoescape=True)
            | AccountMapping.account_name.icontains(q, autoescape=True)
        )
    total = uow.session.scalar(select(func.count()).select_from(AccountMapping).where(*conditions)) or 0
    rows = uow.session.scalars(
        select(AccountMapping).where(*conditions).order_by(AccountMapping.account_number).offset(offset).limit(limit)
    ).all()
    dataset = current_trial_balance(uow, engagement_id=engagement_id)
    found = balances(uow, dataset_id=dataset.id) if dataset is not None and rows else {}
    views = [
        MappingView(row, found[row.account_number].closing if row.account_number in found else None) for row in rows
    ]
    return views, total, firm_chart(uow)


def mapping_progress(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> dict[str, Any]:
    """Counts of the engagement's accounts by status, method and section."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    rows = uow.session.execute(
        select(AccountMapping.status, AccountMapping.method, AccountMapping.section, func.count())
        .where(AccountMapping.engagement_id == engagement_id)
        .group_by(AccountMapping.status, AccountMapping.method, AccountMapping.section)
    ).all()
    by_status: Counter[str] = Counter()
    by_method: Counter[str] = Counter()
    by_section: Counter[str] = Counter()
    for status, method, section, count in rows:
        by_status[status] += count
        if method is not None:
            by_method[method] += count
        if section is not None:
            by_section[section] += count
    return {
        "total": sum(by_status.values()),
        "by_status": dict(by_status),
        "by_method": dict(by_method),
        "by_section": dict(by_section),
    }


def _learn(uow: UnitOfWork, engagement: Engagement, rows: Sequence[AccountMapping], user_id: uuid.UUID) -> None:
    """Keep confirmed mappings as the firm's examples (one per engagement and account, the latest)."""
    if not rows:
        return
    values = [
        {
            "id": uuid.uuid4(),
            "firm_id": engagement.firm_id,
            "client_id": engagement.client_id,
            "engagement_id": engagement.id,
            "account_number": row.account_number,
            "account_name": row.account_name,
            "standard_code": row.standard_code,
            "confirmed_by": user_id,
        }
        for row in rows
    ]
    statement = insert(MappingExample).values(values)
    uow.session.execute(
        statement.on_conflict_do_update(
            constraint="uq_mapping_examples_engagement_id_account_number",
            set_={
                "account_name": statement.excluded.account_name,
                "standard_code": statement.excluded.standard_code,
                "confirmed_by": statement.excluded.confirmed_by,
                "confirmed_at": func.now(),
            },
        )
    )


def _mapping_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, account_number: str) -> AccountMapping:
    # A number PostgreSQL cannot even compare (a NUL from the path) names no account.
    if "\x00" in account_number or not account_number:
        raise NotFound("No such account in this engagement's mapping", code="account_not_found")
    row = uow.session.scalar(
        select(AccountMapping)
        .where(AccountMapping.engagement_id == engagement_id, AccountMapping.account_number == account_number)
        .with_for_update()
    )
    if row is None:
        raise NotFound(f"No account {account_number!r} in this engagement's mapping", code="account_not_found")
    return row


def set_mapping(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, account_number: str, standard_code: str | None
) -> tuple[MappingView, Chart]:
    """Confirm an account's mapping or set another (a reviewer's override), or mark it unmapped (null)."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=CONFIRM)
    row = _mapping_or_raise(uow, engagement_id, account_number)
    standard = firm_chart(uow)
    if standard_code is not None and standard_code not in standard:
        raise _unknown_code(standard_code, "body", "standard_code")
    previous = row.standard_code
    if standard_code is None:
        row.standard_code, row.section, row.status, row.method = None, None, "unmapped", "manual"
        uow.session.execute(
            delete(MappingExample).where(
                MappingExample.engagement_id == engagement_id, MappingExample.account_number == account_number
            )
        )
    else:
        if standard_code != previous or row.method is None:
            row.method, row.confidence = "manual", Decimal(1)
        row.standard_code, row.section, row.status = standard_code, standard[standard_code].section, "confirmed"
        _learn(uow, access.engagement, [row], principal.user_id)
    row.confirmed_by, row.confirmed_at = principal.user_id, clock.now()
    uow.session.flush()
    record(
        uow,
        "mapping.set",
        engagement_id=engagement_id,
        target_type="account_mapping",
        target_id=row.id,
        account_number=account_number,
        standard_code={"from": previous, "to": standard_code},
    )
    uow.publish(AccountsMapped(engagement_id=engagement_id, accounts=1))
    uow.commit()
    dataset = current_trial_balance(uow, engagement_id=engagement_id)
    found = balances(uow, dataset_id=dataset.id) if dataset is not None else {}
    return MappingView(row, found[account_number].closing if account_number in found else None), standard


def confirm_mappings(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    all_suggested: bool,
    min_confidence: float | None,
    accounts: list[str] | None,
) -> int:
    """Confirm suggestions in bulk: all of them, those at least this confident, or the accounts named."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=CONFIRM)
    query = select(AccountMapping).where(AccountMapping.engagement_id == engagement_id).with_for_update()
    if accounts is not None:
        rows = {
            row.account_number: row
            for row in uow.session.scalars(query.where(AccountMapping.account_number.in_(accounts)))
        }
        for index, number in enumerate(accounts):
            row = rows.get(number)
            if row is None:
                raise ValidationFailed.field(
                    "body",
                    "accounts",
                    str(index),
                    message=f"no account {number!r} in this engagement's mapping",
                    code="account_not_found",
                )
            if row.status != "suggested" or row.standard_code is None:
                raise ValidationFailed.field(
                    "body",
                    "accounts",
                    str(index),
                    message=f"account {number!r} is {row.status}, not suggested: set it with PUT instead",
                    code="nothing_to_confirm",
                )
        chosen = list(rows.values())
    else:
        query = query.where(AccountMapping.status == "suggested", AccountMapping.standard_code.is_not(None))
        if min_confidence is not None:
            query = query.where(AccountMapping.confidence >= Decimal(str(min_confidence)))
        chosen = list(uow.session.scalars(query))
    now = clock.now()
    for row in chosen:
        row.status, row.confirmed_by, row.confirmed_at = "confirmed", principal.user_id, now
    _learn(uow, access.engagement, chosen, principal.user_id)
    uow.session.flush()
    record(
        uow,
        "mapping.confirmed",
        engagement_id=engagement_id,
        target_type="engagement",
        target_id=engagement_id,
        accounts=len(chosen),
        how="accounts" if accounts is not None else "min_confidence" if min_confidence is not None else "all_suggested",
    )
    if chosen:
        uow.publish(AccountsMapped(engagement_id=engagement_id, accounts=len(chosen)))
    uow.commit()
    return len(chosen)
