"""HTTP triggers of the assistant: ask the engagement, index it, and say which model answers.

The routes declare no firm permission: the service asks `require`, so people who may not see the
engagement get 404, client users reach ask and status on their own client's engagements only, and
indexing (it reads working papers) is the firm's.
"""

from __future__ import annotations

from functions.assistant import bp, schemas, service
from shared.http import Call, endpoint

TAGS = ["assistant"]
ASSISTANT = "engagements/{engagement_id:guid}/assistant"


def _status(found: service.Status) -> schemas.AssistantStatus:
    return schemas.AssistantStatus(
        provider=found.provider, chunk_count=found.chunk_count, indexed_at=found.indexed_at, stale=found.stale
    )


@endpoint(
    bp,
    "POST",
    ASSISTANT + "/ask",
    name="ask_assistant",
    summary="Answer a question from the engagement's documents the caller may see, citing each passage; "
    "the question and answer are audit-logged",
    tags=TAGS,
    body=schemas.AskRequest,
    response=schemas.AskResponse,
    errors=[400, 404],
)
def ask_assistant(call: Call) -> schemas.AskResponse:
    body: schemas.AskRequest = call.body
    with call.uow() as uow:
        found = service.ask(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), question=body.question
        )
        citations = [
            schemas.Citation(
                number=number,
                chunk_id=hit.chunk_id,
                document=hit.document,
                locator=hit.locator,
                kind=hit.kind,
                text=hit.text,
            )
            for number, hit in found.citations
        ]
        return schemas.AskResponse(answer=found.answer, citations=citations, provider=found.provider)


@endpoint(
    bp,
    "POST",
    ASSISTANT + "/index",
    name="index_assistant",
    summary="Rebuild the engagement's index of passages now (firm users); asking rebuilds it when stale anyway",
    tags=TAGS,
    response=schemas.AssistantStatus,
    errors=[403, 404, 409],
)
def index_assistant(call: Call) -> schemas.AssistantStatus:
    with call.uow() as uow:
        return _status(service.index(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id")))


@endpoint(
    bp,
    "GET",
    ASSISTANT + "/status",
    name="get_assistant_status",
    summary="Which model answers, how many passages the caller's questions can draw on, and when it was indexed",
    tags=TAGS,
    response=schemas.AssistantStatus,
    errors=[404],
)
def get_assistant_status(call: Call) -> schemas.AssistantStatus:
    with call.uow() as uow:
        return _status(service.status(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id")))
