"""Use cases of confirmations: the request log, the letters, the replies, closing, and the per-account summary.

The firm's working papers: client users get 404 (`require` without `clients`) and row-level security
hides the rows from them too. Preparers (workpaper.prepare) create, change, send, record replies and
close; closing a request with an exception is a reviewer's decision (workpaper.review), since it says
the difference is understood. Every change is in the audit log; a finalized engagement is locked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from functions.fieldwork import confirmation_rules as rules
from shared import clock
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.models import Client, Firm, User
from shared.db.models_confirmations import Confirmation
from shared.db.models_engagement import Engagement
from shared.db.models_sampling import SampleItem
from shared.db.uow import UnitOfWork
from shared.engagement_access import EngagementAccess, record, require
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.mapped_tb import final_trial_balance

TARGET = "confirmation"
PREPARERS = Permission.WORKPAPER_PREPARE
REVIEWERS = Permission.WORKPAPER_REVIEW
NOT_A_PREPARER = "Your role on this engagement may not prepare confirmations"
NOT_A_REVIEWER = "Only a reviewer (a senior or above on the team) may close a confirmation with an exception"
NEEDS_AMOUNT = "give an amount per books, an account of the trial balance or a sample item"


def today() -> date:
    """Today in UTC, by the process's clock."""
    return clock.now().date()


# --- reading ---------------------------------------------------------------------------------------


def _reader(uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> EngagementAccess:
    return require(uow, principal=principal, engagement_id=engagement_id)


def _writer(uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> EngagementAccess:
    return require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARERS, refusal=NOT_A_PREPARER
    )


def _row_or_raise(
    uow: UnitOfWork, *, engagement_id: uuid.UUID, confirmation_id: uuid.UUID, lock: bool = False
) -> Confirmation:
    query = select(Confirmation).where(Confirmation.id == confirmation_id, Confirmation.engagement_id == engagement_id)
    row = uow.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound("No such confirmation", code="confirmation_not_found")
    return row


def list_confirmations(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    kind: str | None = None,
    status: str | None = None,
) -> Sequence[Confirmation]:
    """The engagement's confirmation log, by kind then party."""
    _reader(uow, principal, engagement_id)
    query = select(Confirmation).where(Confirmation.engagement_id == engagement_id)
    if kind is not None:
        query = query.where(Confirmation.kind == kind)
    if status is not None:
        query = query.where(Confirmation.status == status)
    return uow.session.scalars(query.order_by(Confirmation.kind, Confirmation.party_name, Confirmation.id)).all()


def get_confirmation_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, confirmation_id: uuid.UUID
) -> Confirmation:
    """One confirmation request."""
    _reader(uow, principal, engagement_id)
    return _row_or_raise(uow, engagement_id=engagement_id, confirmation_id=confirmation_id)


# --- what the books say ----------------------------------------------------------------------------


def _tb_balances(uow: UnitOfWork, engagement_id: uuid.UUID) -> dict[str, tuple[str, Decimal]] | None:
    """Account number -> (name, final balance, debit positive), or None before a trial balance is loaded."""
    final = final_trial_balance(uow, engagement_id=engagement_id)
    if final is None:
        return None
    return {line.account_number: (line.account_name, line.final) for line in final.lines}


def _amount_from_account(uow: UnitOfWork, engagement_id: uuid.UUID, kind: str, account_number: str) -> Decimal:
    balances = _tb_balances(uow, engagement_id)
    if balances is None:
        raise ValidationFailed.field(
            "body", "account_number", message=f"no trial balance is loaded to read {account_number!r} from"
        )
    if account_number not in balances:
        raise ValidationFailed.field(
            "body", "account_number", message=f"{account_number!r} is not an account of the trial balance"
        )
    return rules.amount_as_stated(kind, balances[account_number][1])


def _sample_item_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, item_id: uuid.UUID) -> SampleItem:
    item = uow.session.scalar(
        select(SampleItem).where(SampleItem.id == item_id, SampleItem.engagement_id == engagement_id)
    )
    if item is None:
        raise ValidationFailed.field("body", "sample_item_id", message=f"no sample item {item_id} on this engagement")
    return item


def _owner_or_raise(uow: UnitOfWork, access: EngagementAccess, owner_id: uuid.UUID) -> uuid.UUID:
    user = uow.session.get(User, owner_id)
    if user is None or user.firm_id != access.engagement.firm_id or user.client_id is not None or not user.is_active:
        raise ValidationFailed.field("body", "owner_id", message=f"{owner_id} is not an active member of the firm")
    return user.id


def _check_blank(kind: str, form: str, blank: bool) -> None:
    if blank and (kind != "receivable" or form != "positive"):
        raise ValidationFailed.field(
            "body", "blank", message=f"only a positive receivable request may be blank, not a {form} {kind} one"
        )


# --- the team's writes -----------------------------------------------------------------------------


def create_confirmation(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, fields: dict[str, Any]
) -> Confirmation:
    """A draft request to a party, its amount per books entered, from a sample item, or from the account."""
    access = _writer(uow, principal, engagement_id)
    kind, form, blank = fields["kind"], fields["form"], fields["blank"]
    _check_blank(kind, form, blank)
    amount, source = fields.get("amount_per_books"), "entered"
    if fields.get("sample_item_id") is not None:
        item = _sample_item_or_raise(uow, engagement_id, fields["sample_item_id"])
        if amount is None:
            amount, source = item.book_value, "sample_item"
    if amount is None and fields.get("account_number") is not None:
        amount, source = _amount_from_account(uow, engagement_id, kind, fields["account_number"]), "trial_balance"
    if amount is None and kind != "legal":
        raise ValidationFailed.field("body", "amount_per_books", message=NEEDS_AMOUNT)
    owner = fields.get("owner_id")
    row = Confirmation(
        id=uuid.uuid4(),
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        kind=kind,
        form=form,
        blank=blank,
        party_name=fields["party_name"],
        party_contact=fields.get("party_contact"),
        party_address=fields.get("party_address"),
        party_email=fields.get("party_email"),
        account_number=fields.get("account_number"),
        client_account_ref=fields.get("client_account_ref"),
        sample_item_id=fields.get("sample_item_id"),
        amount_per_books=_money(amount),
        amount_source=source,
        status=rules.DRAFT,
        owner_id=_owner_or_raise(uow, access, owner) if owner is not None else principal.user_id,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    uow.session.add(row)
    uow.session.flush()
    record(
        uow,
        "confirmation.created",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=row.id,
        kind=kind,
        form=form,
        party_name=row.party_name,
        account_number=row.account_number,
        amount_per_books=_text(amount),
        amount_source=source,
    )
    uow.commit()
    return row


def _money(value: Decimal | None) -> Decimal | None:
    """An amount as stored (two places), so what is answered at once reads as what is read back later."""
    return None if value is None else value.quantize(rules.CENT)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _open_row(uow: UnitOfWork, engagement_id: uuid.UUID, confirmation_id: uuid.UUID) -> Confirmation:
    row = _row_or_raise(uow, engagement_id=engagement_id, confirmation_id=confirmation_id, lock=True)
    if row.status in rules.FINISHED:
        raise Conflict("The confirmation is closed", code="confirmation_closed", confirmation_status=row.status)
    return row


def update_confirmation(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    confirmation_id: uuid.UUID,
    changes: dict[str, Any],
) -> Confirmation:
    """Change the party, the account, the amount or the form of a request not yet closed.

    A new account without an amount re-reads the amount from the trial balance; an amount given is entered."""
    access = _writer(uow, principal, engagement_id)
    row = _open_row(uow, engagement_id, confirmation_id)
    _check_blank(row.kind, changes.get("form", row.form), changes.get("blank", row.blank))
    if "owner_id" in changes:
        changes["owner_id"] = _owner_or_raise(uow, access, changes["owner_id"])
    if "amount_per_books" in changes:
        if changes["amount_per_books"] is None and row.kind != "legal":
            raise ValidationFailed.field("body", "amount_per_books", message=NEEDS_AMOUNT)
        changes["amount_per_books"] = _money(changes["amount_per_books"])
        changes["amount_source"] = "entered"
    elif changes.get("account_number") not in (None, row.account_number) and row.amount_source == "trial_balance":
        changes["amount_per_books"] = _amount_from_account(uow, engagement_id, row.kind, changes["account_number"])
    changed: dict[str, str | None] = {}
    for name, value in changes.items():
        if getattr(row, name) != value:
            changed[name] = _text(value)
            setattr(row, name, value)
    if changed:
        row.updated_by = principal.user_id
        uow.session.flush()
        record(
            uow, "confirmation.updated", engagement_id=engagement_id, target_type=TARGET, target_id=row.id, **changed
        )
        uow.commit()
    return row


def _wrong_status(row: Confirmation, action: str) -> Conflict:
    return Conflict(
        f"A confirmation that is {row.status} cannot be {action}",
        code="invalid_confirmation_status",
        confirmation_status=row.status,
    )


def send_confirmation(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    confirmation_id: uuid.UUID,
    sent_date: date | None,
) -> Confirmation:
    """Mark a draft as sent on a date (today when not given); the reply is awaited from then."""
    _writer(uow, principal, engagement_id)
    row = _row_or_raise(uow, engagement_id=engagement_id, confirmation_id=confirmation_id, lock=True)
    if row.status != rules.DRAFT:
        raise _wrong_status(row, "sent: only a draft can")
    row.sent_date = sent_date or today()
    row.status = rules.SENT
    row.updated_by = principal.user_id
    uow.session.flush()
    record(
        uow,
        "confirmation.sent",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=row.id,
        sent_date=row.sent_date.isoformat(),
    )
    uow.commit()
    return row


def record_reply(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    confirmation_id: uuid.UUID,
    received_date: date,
    response_amount: Decimal | None,
    exception: bool | None,
) -> Confirmation:
    """The party's reply: its date and amount; an exception when it differs from the books unless said otherwise."""
    _writer(uow, principal, engagement_id)
    row = _row_or_raise(uow, engagement_id=engagement_id, confirmation_id=confirmation_id, lock=True)
    if row.status not in rules.AWAITING_REPLY:
        raise _wrong_status(row, "given a reply: only one sent and awaiting a reply can")
    if row.sent_date is not None and received_date < row.sent_date:
        raise ValidationFailed.field(
            "body",
            "received_date",
            message=f"{received_date.isoformat()} is before the request was sent ({row.sent_date.isoformat()})",
        )
    if response_amount is None and row.kind != "legal":
        raise ValidationFailed.field("body", "response_amount", message=f"a {row.kind} reply states an amount")
    row.received_date = received_date
    row.response_amount = _money(response_amount)
    row.exception = exception if exception is not None else rules.is_exception(row.amount_per_books, response_amount)
    row.status = rules.RECEIVED
    row.updated_by = principal.user_id
    uow.session.flush()
    record(
        uow,
        "confirmation.replied",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=row.id,
        received_date=received_date.isoformat(),
        response_amount=_text(response_amount),
        difference=_text(rules.difference(row.amount_per_books, response_amount)),
        exception=row.exception,
    )
    uow.commit()
    return row


def close_confirmation(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    confirmation_id: uuid.UUID,
    resolution: str | None,
    alternative_procedures: str | None,
) -> Confirmation:
    """Close a request: agreed, with its exception resolved (a reviewer), or on alternative procedures."""
    access = _writer(uow, principal, engagement_id)
    row = _row_or_raise(uow, engagement_id=engagement_id, confirmation_id=confirmation_id, lock=True)
    target = rules.close_to(status=row.status, form=row.form, exception=row.exception)
    if target is None:
        raise _wrong_status(row, "closed: only one sent or replied to can")
    if target == rules.CLOSED_WITH_EXCEPTION:
        if not access.can(REVIEWERS):
            raise Forbidden(NOT_A_REVIEWER, code="forbidden")
        if resolution is None:
            raise ValidationFailed.field("body", "resolution", message="say how the exception was resolved")
        row.resolution, row.resolved_by, row.resolved_at = resolution, principal.user_id, clock.now()
    if target == rules.NO_REPLY_ALTERNATIVE:
        if alternative_procedures is None:
            raise ValidationFailed.field(
                "body",
                "alternative_procedures",
                message="a positive request without a reply is closed on the alternative procedures performed",
            )
        row.alternative_procedures = alternative_procedures
    row.status = target
    row.updated_by = principal.user_id
    uow.session.flush()
    record(
        uow,
        "confirmation.closed",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=row.id,
        status=target,
        resolution=row.resolution,
        alternative_procedures=row.alternative_procedures,
    )
    uow.commit()
    return row


# --- the summary and its export --------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    summary: rules.AccountSummary
    account_name: str | None


def summarize(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> list[SummaryRow]:
    """Per account: its balance per books, what was confirmed and its coverage, exceptions, open and no-reply."""
    _reader(uow, principal, engagement_id)
    rows = uow.session.scalars(select(Confirmation).where(Confirmation.engagement_id == engagement_id)).all()
    items = [
        rules.Item(row.account_number, row.status, row.amount_per_books, row.response_amount, row.exception)
        for row in rows
    ]
    tb = _tb_balances(uow, engagement_id) or {}
    kinds: dict[str, str] = {}
    for row in rows:
        if row.account_number is not None:
            kinds.setdefault(row.account_number, row.kind)
    balances = {number: rules.amount_as_stated(kind, tb[number][1]) for number, kind in kinds.items() if number in tb}
    return [
        SummaryRow(line, tb[line.account_number][0] if line.account_number in tb else None)
        for line in rules.summarize(items, balances)
    ]


SUMMARY_HEADER = (
    "account_number",
    "account_name",
    "balance_per_books",
    "requests",
    "amount_requested",
    "amount_confirmed",
    "coverage_percent",
    "exceptions",
    "exceptions_total",
    "open",
    "no_reply",
)


@dataclass(frozen=True)
class FileOut:
    filename: str
    media_type: str
    content: bytes


def export_summary(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, fmt: str) -> FileOut:
    """The per-account summary as CSV or XLSX, written by shared/exports.py (no cell reads as a formula)."""
    from shared.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Sheet, csv_file, xlsx_file

    lines = summarize(uow=uow, principal=principal, engagement_id=engagement_id)
    rows = [
        (
            line.summary.account_number,
            line.account_name,
            line.summary.balance_per_books,
            line.summary.requests,
            line.summary.amount_requested,
            line.summary.amount_confirmed,
            line.summary.coverage_percent,
            line.summary.exceptions,
            line.summary.exceptions_total,
            line.summary.open,
            line.summary.no_reply,
        )
        for line in lines
    ]
    if fmt == "xlsx":
        money = dict.fromkeys((2, 4, 5, 8), "#,##0.00")
        content = xlsx_file(Sheet("Confirmations", rows, header=SUMMARY_HEADER, number_formats=money))
        return FileOut("confirmations-summary.xlsx", XLSX_MEDIA_TYPE, content)
    return FileOut("confirmations-summary.csv", CSV_MEDIA_TYPE, csv_file(SUMMARY_HEADER, rows))


# --- the letter ------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "party"


def letter(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, confirmation_id: uuid.UUID) -> FileOut:
    """The request's letter as a PDF: the second request's once one is due."""
    from functions.fieldwork import confirmation_letters

    access = _reader(uow, principal, engagement_id)
    row = _row_or_raise(uow, engagement_id=engagement_id, confirmation_id=confirmation_id)
    engagement: Engagement = access.engagement
    firm = uow.session.get(Firm, engagement.firm_id)
    client = uow.session.get(Client, engagement.client_id)
    owner = uow.session.get(User, row.owner_id)
    content = confirmation_letters.render(
        confirmation_letters.Letter(
            kind=row.kind,
            form=row.form,
            blank=row.blank,
            second_request=row.second_request_at is not None,
            firm_name=firm.name if firm else "",
            client_name=(client.legal_name or client.name) if client else "",
            reply_to=owner.email if owner else "",
            as_of=engagement.period_end,
            letter_date=row.sent_date or today(),
            party_name=row.party_name,
            party_contact=row.party_contact,
            party_address=row.party_address,
            client_account_ref=row.client_account_ref,
            amount=row.amount_per_books,
        )
    )
    prefix = "second-request" if row.second_request_at is not None else "confirmation"
    return FileOut(f"{prefix}-{row.kind}-{_slug(row.party_name)}.pdf", "application/pdf", content)
