"""The related parties register's HTTP functions (AU-C 550 / AS 2410).

The routes declare no firm permission: the service asks `require`, so client users and people who may
not see the engagement get 404, and a role on the engagement without workpaper.prepare (or
workpaper.review, to decide a found transaction) 403.
"""

from __future__ import annotations

from functions.fieldwork import bp
from functions.fieldwork import related_parties_schemas as schemas
from functions.fieldwork import related_parties_service as service
from shared.db.models_parties import RelatedParty, RelatedPartyTransaction
from shared.http import Call, Page, endpoint

TAGS = ["related parties"]
PARTIES = "engagements/{engagement_id:guid}/related-parties"
PARTY = PARTIES + "/{party_id:guid}"
TRANSACTIONS = PARTY + "/transactions"
TRANSACTION = TRANSACTIONS + "/{transaction_id:guid}"


def _party(view: service.PartyView) -> schemas.RelatedPartyRead:
    fields = {column.key: getattr(view.party, column.key) for column in RelatedParty.__table__.columns}
    totals = schemas.RelatedPartyTotals(**vars(view.totals))
    return schemas.RelatedPartyRead.model_validate({**fields, "totals": totals, "undisclosed": view.undisclosed})


def _transaction(row: RelatedPartyTransaction) -> schemas.RelatedPartyTransactionRead:
    fields = {column.key: getattr(row, column.key) for column in RelatedPartyTransaction.__table__.columns}
    return schemas.RelatedPartyTransactionRead.model_validate({**fields, "flags": service.flags(row)})


@endpoint(
    bp,
    "GET",
    PARTIES,
    name="list_related_parties",
    summary="The related parties register, each party with its found transactions' totals and disclosure",
    tags=TAGS,
    response=schemas.RelatedPartiesRead,
    errors=[404],
)
def list_related_parties(call: Call) -> schemas.RelatedPartiesRead:
    with call.uow() as uow:
        views = service.list_parties(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return schemas.RelatedPartiesRead(items=[_party(view) for view in views])


@endpoint(
    bp,
    "POST",
    PARTIES,
    name="create_related_party",
    summary="Add a related party: its names, relationship, ownership, accounts and disclosure",
    tags=TAGS,
    body=schemas.RelatedPartyCreate,
    response=schemas.RelatedPartyRead,
    status=201,
    errors=[403, 404, 409],
    exact_numbers=True,
)
def create_related_party(call: Call) -> schemas.RelatedPartyRead:
    with call.uow() as uow:
        view = service.create_party(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), fields=call.body.model_dump()
        )
        return _party(view)


@endpoint(
    bp,
    "POST",
    PARTIES + "/search",
    name="search_related_party_transactions",
    summary="Search the current ledger for every party's transactions, by name or alias (fuzzy) and by account",
    tags=TAGS,
    body=schemas.RelatedPartySearch,
    response=schemas.RelatedPartySearchRead,
    errors=[403, 404, 409],
    exact_numbers=True,
)
def search_related_party_transactions(call: Call) -> schemas.RelatedPartySearchRead:
    body: schemas.RelatedPartySearch = call.body
    with call.uow() as uow:
        found = service.scan(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            threshold=body.threshold,
            period_end_days=body.period_end_days,
            round_base=body.round_base,
        )
        return schemas.RelatedPartySearchRead(
            dataset_id=found.dataset_id,
            threshold=body.threshold,
            period_end_days=body.period_end_days,
            round_base=body.round_base,
            parties=[
                schemas.RelatedPartySearchParty(
                    party_id=item.party.id, name=item.party.name, found=item.found, new=item.new
                )
                for item in found.parties
            ],
            removed=found.removed,
        )


@endpoint(
    bp,
    "GET",
    PARTY,
    name="get_related_party",
    summary="One related party with its found transactions' totals",
    tags=TAGS,
    response=schemas.RelatedPartyRead,
    errors=[404],
)
def get_related_party(call: Call) -> schemas.RelatedPartyRead:
    with call.uow() as uow:
        view = service.get_party_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            party_id=call.route_uuid("party_id"),
        )
        return _party(view)


@endpoint(
    bp,
    "PATCH",
    PARTY,
    name="update_related_party",
    summary="Change a related party, or record that it or its transactions are disclosed",
    tags=TAGS,
    body=schemas.RelatedPartyUpdate,
    response=schemas.RelatedPartyRead,
    errors=[403, 404, 409],
    exact_numbers=True,
)
def update_related_party(call: Call) -> schemas.RelatedPartyRead:
    with call.uow() as uow:
        view = service.update_party(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            party_id=call.route_uuid("party_id"),
            changes=call.body.model_dump(exclude_unset=True),
        )
        return _party(view)


@endpoint(
    bp,
    "DELETE",
    PARTY,
    name="delete_related_party",
    summary="Remove a related party and the transactions found for it",
    tags=TAGS,
    status=204,
    errors=[403, 404, 409],
)
def delete_related_party(call: Call) -> None:
    with call.uow() as uow:
        service.delete_party(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            party_id=call.route_uuid("party_id"),
        )


@endpoint(
    bp,
    "GET",
    TRANSACTIONS,
    name="list_related_party_transactions",
    summary="The ledger lines found for a party, by date, with their red flags and the reviewer's decision",
    tags=TAGS,
    query=schemas.RelatedPartyTransactionQuery,
    response=Page[schemas.RelatedPartyTransactionRead],
    errors=[404],
)
def list_related_party_transactions(call: Call) -> Page[schemas.RelatedPartyTransactionRead]:
    query: schemas.RelatedPartyTransactionQuery = call.query
    with call.uow() as uow:
        rows, total = service.list_transactions(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            party_id=call.route_uuid("party_id"),
            status=query.status,
            offset=query.offset,
            limit=query.page_size,
        )
        items = [_transaction(row) for row in rows]
        return Page(items=items, page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "PATCH",
    TRANSACTION,
    name="update_related_party_transaction",
    summary="Note the business purpose of a found transaction (empty clears it)",
    tags=TAGS,
    body=schemas.RelatedPartyTransactionUpdate,
    response=schemas.RelatedPartyTransactionRead,
    errors=[403, 404, 409],
)
def update_related_party_transaction(call: Call) -> schemas.RelatedPartyTransactionRead:
    body: schemas.RelatedPartyTransactionUpdate = call.body
    with call.uow() as uow:
        row = service.note_business_purpose(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            party_id=call.route_uuid("party_id"),
            transaction_id=call.route_uuid("transaction_id"),
            business_purpose=body.business_purpose,
        )
        return _transaction(row)


@endpoint(
    bp,
    "POST",
    TRANSACTION + "/decision",
    name="decide_related_party_transaction",
    summary="Confirm a found transaction as the party's, or dismiss it as a false match (reviewers)",
    tags=TAGS,
    body=schemas.RelatedPartyTransactionDecision,
    response=schemas.RelatedPartyTransactionRead,
    errors=[403, 404, 409],
)
def decide_related_party_transaction(call: Call) -> schemas.RelatedPartyTransactionRead:
    body: schemas.RelatedPartyTransactionDecision = call.body
    with call.uow() as uow:
        row = service.decide_transaction(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            party_id=call.route_uuid("party_id"),
            transaction_id=call.route_uuid("transaction_id"),
            decision=body.decision,
        )
        return _transaction(row)
