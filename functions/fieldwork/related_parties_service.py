"""Use cases of the related parties register (AU-C 550 / AS 2410): the parties, the ledger lines found
for them, and the reviewer's decision on each.

The firm's working papers: anyone on the team reads them (engagement.read), workpaper.prepare adds and
changes parties, runs the search and notes a transaction's business purpose, workpaper.review confirms
or dismisses a found transaction. Client users get 404, and a finalized engagement is locked (409).
Audit records name what changed, never the party's name or the client's figures.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from functions.fieldwork import related_parties
from shared import clock
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.datasets import current_dataset
from shared.db.models_ingestion import JournalLine
from shared.db.models_parties import RelatedParty, RelatedPartyTransaction
from shared.db.uow import UnitOfWork
from shared.engagement_access import record, require
from shared.errors import Conflict, NotFound

READ = Permission.ENGAGEMENT_READ
PREPARE = Permission.WORKPAPER_PREPARE
REVIEW = Permission.WORKPAPER_REVIEW
ZERO = Decimal("0.00")


@dataclass
class Totals:
    confirmed: int = 0
    pending: int = 0
    dismissed: int = 0
    confirmed_amount: Decimal = ZERO
    flagged: int = 0


@dataclass(frozen=True)
class PartyView:
    party: RelatedParty
    totals: Totals = field(default_factory=Totals)

    @property
    def undisclosed(self) -> bool:
        """The statements do not say what the register knows: the relationship, or its confirmed transactions."""
        return not self.party.relationship_disclosed or (
            self.totals.confirmed > 0 and not self.party.transactions_disclosed
        )


@dataclass(frozen=True)
class PartyScan:
    party: RelatedParty
    found: int
    new: int


@dataclass(frozen=True)
class Scan:
    dataset_id: uuid.UUID
    parties: list[PartyScan]
    removed: int


def flags(row: RelatedPartyTransaction) -> list[str]:
    """The red flags of a found transaction; the business purpose is the auditor's note, read as it stands."""
    found = []
    if row.round_amount:
        found.append("round_amount")
    if row.near_period_end:
        found.append("near_period_end")
    if not (row.business_purpose or "").strip():
        found.append("no_business_purpose")
    return found


def _totals(uow: UnitOfWork, party_ids: list[uuid.UUID]) -> dict[uuid.UUID, Totals]:
    totals = {party_id: Totals() for party_id in party_ids}
    if not party_ids:
        return totals
    rows = uow.session.scalars(select(RelatedPartyTransaction).where(RelatedPartyTransaction.party_id.in_(party_ids)))
    for row in rows:
        total = totals[row.party_id]
        if row.status == "confirmed":
            total.confirmed += 1
            total.confirmed_amount += abs(row.amount)
        elif row.status == "pending":
            total.pending += 1
        else:
            total.dismissed += 1
        if row.status != "dismissed" and flags(row):
            total.flagged += 1
    return totals


def _party_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, party_id: uuid.UUID) -> RelatedParty:
    party = uow.session.scalar(
        select(RelatedParty).where(RelatedParty.id == party_id, RelatedParty.engagement_id == engagement_id)
    )
    if party is None:
        raise NotFound("No such related party", code="related_party_not_found")
    return party


def _refuse_a_second(uow: UnitOfWork, engagement_id: uuid.UUID, name: str, party_id: uuid.UUID | None) -> None:
    same = select(RelatedParty.id).where(RelatedParty.engagement_id == engagement_id, RelatedParty.name == name)
    if party_id is not None:
        same = same.where(RelatedParty.id != party_id)
    if uow.session.scalar(same) is not None:
        raise Conflict(f"The register already has a party named {name!r}", code="related_party_exists")


def list_parties(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> list[PartyView]:
    """The register by name, each party with its transactions' totals."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    parties = list(
        uow.session.scalars(
            select(RelatedParty).where(RelatedParty.engagement_id == engagement_id).order_by(RelatedParty.name)
        )
    )
    totals = _totals(uow, [party.id for party in parties])
    return [PartyView(party, totals[party.id]) for party in parties]


def get_party_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, party_id: uuid.UUID
) -> PartyView:
    """One party with its totals."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    party = _party_or_raise(uow, engagement_id, party_id)
    return PartyView(party, _totals(uow, [party.id])[party.id])


def create_party(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, fields: dict[str, Any]
) -> PartyView:
    """Add a party to the register."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    _refuse_a_second(uow, engagement_id, fields["name"], None)
    party = RelatedParty(
        firm_id=access.engagement.firm_id, engagement_id=engagement_id, created_by=principal.user_id, **fields
    )
    uow.session.add(party)
    uow.session.flush()
    uow.session.refresh(party)  # ownership as stored (to the hundredth), not as sent
    record(
        uow,
        "related_party.created",
        engagement_id=engagement_id,
        target_type="related_party",
        target_id=party.id,
        relationship=party.relationship,
    )
    uow.commit()
    return PartyView(party)


def update_party(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    party_id: uuid.UUID,
    changes: dict[str, Any],
) -> PartyView:
    """Change a party: its names, relationship, accounts, or whether it is disclosed."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    party = _party_or_raise(uow, engagement_id, party_id)
    if "name" in changes:
        _refuse_a_second(uow, engagement_id, changes["name"], party.id)
    changed = {name: value for name, value in changes.items() if getattr(party, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(party, name, value)
        uow.session.flush()
        uow.session.refresh(party)
        disclosure = {
            name: changed[name] for name in ("relationship_disclosed", "transactions_disclosed") if name in changed
        }
        record(
            uow,
            "related_party.updated",
            engagement_id=engagement_id,
            target_type="related_party",
            target_id=party.id,
            fields=sorted(changed),
            **disclosure,
        )
        uow.commit()
    return PartyView(party, _totals(uow, [party.id])[party.id])


def delete_party(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, party_id: uuid.UUID) -> None:
    """Remove a party and the transactions found for it; the audit log keeps that it was there."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    party = _party_or_raise(uow, engagement_id, party_id)
    totals = _totals(uow, [party.id])[party.id]
    record(
        uow,
        "related_party.deleted",
        engagement_id=engagement_id,
        target_type="related_party",
        target_id=party.id,
        confirmed=totals.confirmed,
        dismissed=totals.dismissed,
    )
    uow.session.delete(party)
    uow.session.flush()
    uow.commit()


def _distinct_texts(uow: UnitOfWork, dataset_id: uuid.UUID) -> list[str]:
    texts: set[str] = set()
    for column in (JournalLine.description, JournalLine.header_description):
        texts.update(
            uow.session.scalars(
                select(column).where(JournalLine.dataset_id == dataset_id, column.is_not(None)).distinct()
            )
        )
    return sorted(texts)


def _lines_of(
    uow: UnitOfWork, dataset_id: uuid.UUID, party: RelatedParty, matches: dict[str, related_parties.NameMatch]
) -> Iterable[tuple[JournalLine, str, str, Decimal | None]]:
    """The party's lines: (line, matched_by, matched_text, score), by name first, then by its accounts."""
    seen: set[int] = set()
    if matches:
        texts = list(matches)
        query = select(JournalLine).where(
            JournalLine.dataset_id == dataset_id,
            or_(JournalLine.description.in_(texts), JournalLine.header_description.in_(texts)),
        )
        for line in uow.session.scalars(query.order_by(JournalLine.row_number)):
            text = line.description if line.description in matches else line.header_description
            match = matches[text or ""]
            seen.add(line.row_number)
            yield line, "name", match.name, Decimal(str(match.score))
    accounts = [number.strip() for number in party.accounts]
    if accounts:
        query = select(JournalLine).where(
            JournalLine.dataset_id == dataset_id, func.btrim(JournalLine.account_number).in_(accounts)
        )
        for line in uow.session.scalars(query.order_by(JournalLine.row_number)):
            if line.row_number not in seen:
                yield line, "account", line.account_number.strip(), None


def scan(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    threshold: int,
    period_end_days: int,
    round_base: Decimal,
) -> Scan:
    """Search the current ledger for every party's transactions: by name or alias in a line's descriptions
    (fuzzy), or by an account assigned to the party. Decided transactions stay as decided; undecided ones
    the search no longer finds are removed."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    ledger = current_dataset(uow, engagement_id=engagement_id, kind="general_ledger")
    if ledger is None:
        raise Conflict("No general ledger is loaded to search", code="general_ledger_missing")
    period_end = access.engagement.period_end
    parties = list(
        uow.session.scalars(
            select(RelatedParty).where(RelatedParty.engagement_id == engagement_id).order_by(RelatedParty.name)
        )
    )
    texts = _distinct_texts(uow, ledger.id)
    existing = {
        (row.party_id, row.dataset_id, row.row_number): row
        for row in uow.session.scalars(
            select(RelatedPartyTransaction).where(RelatedPartyTransaction.engagement_id == engagement_id)
        )
    }
    found_keys: set[tuple[uuid.UUID, uuid.UUID, int]] = set()
    results = []
    for party in parties:
        matches = related_parties.match_descriptions(texts, [party.name, *party.aliases], threshold=threshold)
        found = new = 0
        for line, matched_by, matched_text, score in _lines_of(uow, ledger.id, party, matches):
            key = (party.id, ledger.id, line.row_number)
            found += 1
            found_keys.add(key)
            if key in existing:
                continue
            new += 1
            uow.session.add(
                RelatedPartyTransaction(
                    firm_id=party.firm_id,
                    engagement_id=engagement_id,
                    party_id=party.id,
                    dataset_id=ledger.id,
                    row_number=line.row_number,
                    journal_id=line.journal_id,
                    line_number=line.line_number,
                    account_number=line.account_number,
                    amount=line.amount,
                    effective_date=line.effective_date,
                    description=line.description or line.header_description,
                    matched_by=matched_by,
                    matched_text=matched_text,
                    score=score,
                    round_amount=related_parties.is_round(line.amount, round_base),
                    near_period_end=related_parties.near_period_end(line.effective_date, period_end, period_end_days),
                )
            )
        results.append(PartyScan(party, found, new))
    removed = 0
    for key, row in existing.items():
        if row.status == "pending" and key not in found_keys:
            uow.session.delete(row)
            removed += 1
    uow.session.flush()
    record(
        uow,
        "related_parties.searched",
        engagement_id=engagement_id,
        target_type="dataset",
        target_id=ledger.id,
        threshold=threshold,
        period_end_days=period_end_days,
        round_base=str(round_base),
        found=sum(result.found for result in results),
        new=sum(result.new for result in results),
        removed=removed,
    )
    uow.commit()
    return Scan(ledger.id, results, removed)


def list_transactions(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    party_id: uuid.UUID,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[RelatedPartyTransaction], int]:
    """A party's found transactions by date."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    _party_or_raise(uow, engagement_id, party_id)
    conditions: list[ColumnElement[bool]] = [RelatedPartyTransaction.party_id == party_id]
    if status is not None:
        conditions.append(RelatedPartyTransaction.status == status)
    total = uow.session.scalar(select(func.count()).select_from(RelatedPartyTransaction).where(*conditions)) or 0
    rows = uow.session.scalars(
        select(RelatedPartyTransaction)
        .where(*conditions)
        .order_by(
            RelatedPartyTransaction.effective_date,
            RelatedPartyTransaction.journal_id,
            RelatedPartyTransaction.line_number,
            RelatedPartyTransaction.id,
        )
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total


def _transaction_or_raise(
    uow: UnitOfWork, engagement_id: uuid.UUID, party_id: uuid.UUID, transaction_id: uuid.UUID
) -> RelatedPartyTransaction:
    row = uow.session.scalar(
        select(RelatedPartyTransaction).where(
            RelatedPartyTransaction.id == transaction_id,
            RelatedPartyTransaction.party_id == party_id,
            RelatedPartyTransaction.engagement_id == engagement_id,
        )
    )
    if row is None:
        raise NotFound("No such related party transaction", code="related_party_transaction_not_found")
    return row


def note_business_purpose(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    party_id: uuid.UUID,
    transaction_id: uuid.UUID,
    business_purpose: str | None,
) -> RelatedPartyTransaction:
    """Note (or clear) the business purpose the auditor found for a transaction."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    row = _transaction_or_raise(uow, engagement_id, party_id, transaction_id)
    purpose = (business_purpose or "").strip() or None
    if purpose != row.business_purpose:
        row.business_purpose = purpose
        uow.session.flush()
        record(
            uow,
            "related_party_transaction.purpose_noted",
            engagement_id=engagement_id,
            target_type="related_party_transaction",
            target_id=row.id,
            noted=purpose is not None,
        )
        uow.commit()
    return row


def decide_transaction(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    party_id: uuid.UUID,
    transaction_id: uuid.UUID,
    decision: str,
) -> RelatedPartyTransaction:
    """The reviewer confirms a found transaction as the party's, or dismisses it as a false match."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=REVIEW)
    row = _transaction_or_raise(uow, engagement_id, party_id, transaction_id)
    previous = row.status
    row.status = decision
    row.decided_by = principal.user_id
    row.decided_at = clock.now()
    uow.session.flush()
    record(
        uow,
        "related_party_transaction.decided",
        engagement_id=engagement_id,
        target_type="related_party_transaction",
        target_id=row.id,
        status={"from": previous, "to": decision},
    )
    uow.commit()
    return row
