"""HTTP triggers of review notes.

Every route needs engagement.read, which client users lack (403); the service looks the engagement up
as internal working papers, so a client user who got that far would still find nothing (404).
"""

from __future__ import annotations

from functions.engagement import bp, review_notes
from functions.engagement import review_note_schemas as schemas
from functions.engagement.review_notes import NoteView
from shared.auth.permissions import Permission
from shared.db.models_engagement import ReviewNote
from shared.http import Call, Page, endpoint

TAGS = ["review notes"]
NOTES = "engagements/{engagement_id:guid}/review-notes"
NOTE = NOTES + "/{note_id:guid}"


def _read(view: NoteView) -> dict[str, object]:
    return {
        **{column.key: getattr(view.note, column.key) for column in ReviewNote.__table__.columns},
        "node_index_code": view.node.index_code,
        "node_title": view.node.title,
        "my_transitions": list(view.my_transitions),
    }


def _detail(view: NoteView) -> schemas.ReviewNoteDetail:
    replies = [schemas.ReplyRead.model_validate(reply, from_attributes=True) for reply in view.replies]
    return schemas.ReviewNoteDetail.model_validate({**_read(view), "replies": replies})


@endpoint(
    bp,
    "POST",
    NOTES,
    name="create_review_note",
    summary="Raise a review note on a binder node",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.ReviewNoteCreate,
    response=schemas.ReviewNoteDetail,
    status=201,
    errors=[404, 409],
)
def create_review_note(call: Call) -> schemas.ReviewNoteDetail:
    body: schemas.ReviewNoteCreate = call.body
    with call.uow() as uow:
        view = review_notes.create_review_note(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            node_id=body.node_id,
            body=body.body,
            blocking=body.blocking,
            assignee_id=body.assignee_id,
        )
        return _detail(view)


@endpoint(
    bp,
    "GET",
    NOTES,
    name="list_review_notes",
    summary="The engagement's review notes, oldest first",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.ReviewNoteQuery,
    response=Page[schemas.ReviewNoteRead],
    errors=[404],
)
def list_review_notes(call: Call) -> Page[schemas.ReviewNoteRead]:
    query: schemas.ReviewNoteQuery = call.query
    with call.uow() as uow:
        views, total = review_notes.list_review_notes(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            status=query.status,
            node_id=query.node_id,
            assignee_id=query.assignee_id,
            blocking=query.blocking,
            offset=query.offset,
            limit=query.page_size,
        )
        items = [schemas.ReviewNoteRead.model_validate(_read(view)) for view in views]
        return Page(items=items, page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "GET",
    NOTE,
    name="get_review_note",
    summary="One review note with its replies",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.ReviewNoteDetail,
    errors=[404],
)
def get_review_note(call: Call) -> schemas.ReviewNoteDetail:
    with call.uow() as uow:
        view = review_notes.get_review_note_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            note_id=call.route_uuid("note_id"),
        )
        return _detail(view)


@endpoint(
    bp,
    "PATCH",
    NOTE,
    name="update_review_note",
    summary="Reword, reassign or change whether a review note blocks finalization",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.ReviewNoteUpdate,
    response=schemas.ReviewNoteDetail,
    errors=[404, 409],
)
def update_review_note(call: Call) -> schemas.ReviewNoteDetail:
    with call.uow() as uow:
        view = review_notes.update_review_note(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            note_id=call.route_uuid("note_id"),
            changes=call.body.model_dump(exclude_unset=True),
        )
        return _detail(view)


@endpoint(
    bp,
    "POST",
    NOTE + "/replies",
    name="reply_to_review_note",
    summary="Answer in a review note's thread",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.ReplyCreate,
    response=schemas.ReplyRead,
    status=201,
    errors=[404, 409],
)
def reply_to_review_note(call: Call) -> schemas.ReplyRead:
    with call.uow() as uow:
        reply = review_notes.add_reply(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            note_id=call.route_uuid("note_id"),
            body=call.body.body,
        )
        return schemas.ReplyRead.model_validate(reply, from_attributes=True)


@endpoint(
    bp,
    "POST",
    NOTE + "/transitions",
    name="transition_review_note",
    summary="Mark a review note addressed, clear it, or reopen it",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.ReviewNoteTransition,
    response=schemas.ReviewNoteDetail,
    errors=[404, 409],
)
def transition_review_note(call: Call) -> schemas.ReviewNoteDetail:
    with call.uow() as uow:
        view = review_notes.transition_review_note(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            note_id=call.route_uuid("note_id"),
            to=call.body.to,
            comment=call.body.comment,
        )
        return _detail(view)
