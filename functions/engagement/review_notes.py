"""Review notes: a reviewer's question on a binder node, answered by the team and cleared by a reviewer.

A note goes open -> addressed -> cleared; a reviewer may send an addressed note back to open, or
reopen a cleared one with a reason. The assignee addresses, the raiser clears: a note is cleared only
by the person who raised it, or by a manager or partner on the team who neither was assigned it nor
answered it (docs/audit-rules.md section 8's separation of duties, the rule that keeps a preparer from reviewing
their own work: whoever answered a question may not also declare the answer good enough).
Notes are the firm's working papers: client users never see them
(row-level security hides them as well). Blocking notes stand in the way of finalization until cleared,
which is why `count_open_blocking` exists for the QC gate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.orm import defer

from shared import clock
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.bus.events import ReviewNoteCleared, ReviewNoteCreated
from shared.db.models_engagement import BinderNode, ReviewNote, ReviewNoteReply
from shared.db.uow import UnitOfWork
from shared.engagement_access import (
    LOCKED_STATUS,
    EngagementAccess,
    membership_role,
    record,
    require,
)
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("addressed",),
    "addressed": ("cleared", "open"),
    "cleared": ("open",),
}
# Reopening a cleared note undoes a reviewer's sign-off on it, so it needs a reason, as a step back does.
MIN_REOPEN_REASON = 10
UNRESOLVED = ("open", "addressed")
# Team roles that may clear a note someone else raised, when they neither were assigned it nor answered it.
CLEARING_ROLES = frozenset({"manager", "partner"})
AUDIT_ACTIONS = {"addressed": "review_note.addressed", "cleared": "review_note.cleared", "open": "review_note.reopened"}


@dataclass(frozen=True)
class NoteView:
    """A note with what a reader needs beside it: where it sits in the binder, and its thread."""

    note: ReviewNote
    node: BinderNode
    replies: list[ReviewNoteReply] = field(default_factory=list)
    # What the caller may move the note to now, so a screen offers only what will be accepted.
    my_transitions: tuple[str, ...] = ()


def _node_of_engagement_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, node_id: uuid.UUID) -> BinderNode:
    # A node of another engagement (or one the caller cannot see) is bad input, not a missing resource:
    # the same answer for both, so nothing leaks about engagements the caller cannot see.
    node = uow.session.get(BinderNode, node_id)
    if node is None or node.engagement_id != engagement_id:
        raise ValidationFailed.field(
            "body",
            "node_id",
            message=f"no binder node {node_id} in this engagement",
            detail="The binder node is not valid",
        )
    return node


def _check_assignee(uow: UnitOfWork, engagement_id: uuid.UUID, assignee_id: uuid.UUID | None) -> None:
    if assignee_id is not None and membership_role(uow, engagement_id=engagement_id, user_id=assignee_id) is None:
        raise ValidationFailed.field(
            "body",
            "assignee_id",
            message=f"user {assignee_id} is not on the engagement team",
            detail="The assignee must be on the team",
        )


def _note_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, note_id: uuid.UUID, *, for_update: bool) -> ReviewNote:
    query = select(ReviewNote).where(ReviewNote.id == note_id, ReviewNote.engagement_id == engagement_id)
    if for_update:
        # Two reviewers acting on one note at once are serialized: the second sees the first's status.
        query = query.with_for_update()
    note = uow.session.scalar(query)
    if note is None:
        raise NotFound("No such review note", code="review_note_not_found")
    return note


def _refuse_if_cleared(note: ReviewNote) -> None:
    if note.status == "cleared":
        raise Conflict("The review note is cleared; reopen it first", code="review_note_cleared")


def _moves(access: EngagementAccess, note: ReviewNote) -> tuple[str, ...]:
    if not access.internal or access.engagement.status == LOCKED_STATUS:
        return ()
    return tuple(to for to in TRANSITIONS[note.status] if _refusal(access, note, to) is None)


# A note's reads, built once with bound ids (building a statement cost more than running it).
_REPLIES = (
    select(ReviewNoteReply)
    .where(ReviewNoteReply.note_id == bindparam("note_id"))
    .order_by(ReviewNoteReply.created_at, ReviewNoteReply.id)
)
# The note and its node in one round trip (the node, without its content, then comes from the session).
_NOTE_WITH_NODE = (
    select(ReviewNote, BinderNode)
    .join(BinderNode, BinderNode.id == ReviewNote.node_id)
    .where(ReviewNote.id == bindparam("note_id"), ReviewNote.engagement_id == bindparam("engagement_id"))
    .options(defer(BinderNode.content))
)


def _view(uow: UnitOfWork, access: EngagementAccess, note: ReviewNote) -> NoteView:
    node = uow.session.get_one(BinderNode, note.node_id)
    replies = uow.session.scalars(_REPLIES, {"note_id": note.id}).all()
    return NoteView(note, node, list(replies), _moves(access, note))


def _add_reply(uow: UnitOfWork, note: ReviewNote, author_id: uuid.UUID, body: str) -> ReviewNoteReply:
    reply = ReviewNoteReply(
        firm_id=note.firm_id, engagement_id=note.engagement_id, note_id=note.id, author_id=author_id, body=body
    )
    uow.session.add(reply)
    uow.session.flush()
    return reply


# --- reads -----------------------------------------------------------------------------------------


def count_open_blocking(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> int:
    """Blocking notes not yet cleared: an addressed note still waits for a reviewer, so it counts too."""
    return int(
        uow.session.scalar(
            select(func.count())
            .select_from(ReviewNote)
            .where(
                ReviewNote.engagement_id == engagement_id,
                ReviewNote.blocking.is_(True),
                ReviewNote.status.in_(UNRESOLVED),
            )
        )
        or 0
    )


def list_review_notes(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    status: str | None,
    node_id: uuid.UUID | None,
    assignee_id: uuid.UUID | None,
    blocking: bool | None,
    offset: int,
    limit: int,
) -> tuple[list[NoteView], int]:
    """The engagement's review notes, oldest first, with the node each sits on."""
    access = require(uow, principal=principal, engagement_id=engagement_id)
    conditions: list[ColumnElement[bool]] = [ReviewNote.engagement_id == engagement_id]
    if status is not None:
        conditions.append(ReviewNote.status == status)
    if node_id is not None:
        conditions.append(ReviewNote.node_id == node_id)
    if assignee_id is not None:
        conditions.append(ReviewNote.assignee_id == assignee_id)
    if blocking is not None:
        conditions.append(ReviewNote.blocking.is_(blocking))
    total = uow.session.scalar(select(func.count()).select_from(ReviewNote).where(*conditions)) or 0
    rows = uow.session.execute(
        select(ReviewNote, BinderNode)
        .join(BinderNode, BinderNode.id == ReviewNote.node_id)
        .where(*conditions)
        .order_by(ReviewNote.created_at, ReviewNote.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [NoteView(row[0], row[1], my_transitions=_moves(access, row[0])) for row in rows], total


def get_review_note_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, note_id: uuid.UUID
) -> NoteView:
    """One note with its thread, oldest reply first."""
    access = require(uow, principal=principal, engagement_id=engagement_id)
    row = uow.session.execute(_NOTE_WITH_NODE, {"note_id": note_id, "engagement_id": engagement_id}).first()
    if row is None:
        raise NotFound("No such review note", code="review_note_not_found")
    return _view(uow, access, row[0])


# --- writes ----------------------------------------------------------------------------------------


def create_review_note(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    node_id: uuid.UUID,
    body: str,
    blocking: bool,
    assignee_id: uuid.UUID | None,
) -> NoteView:
    """Raise a review note on a node of the engagement, by the caller."""
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=Permission.REVIEW_NOTE_WRITE
    )
    node = _node_of_engagement_or_raise(uow, engagement_id, node_id)
    _check_assignee(uow, engagement_id, assignee_id)
    note = ReviewNote(
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        node_id=node.id,
        body=body,
        status="open",
        blocking=blocking,
        author_id=principal.user_id,
        assignee_id=assignee_id,
    )
    uow.session.add(note)
    uow.session.flush()
    # The note's text stays out of the audit log: it may quote the client's figures.
    record(
        uow,
        "review_note.created",
        engagement_id=engagement_id,
        target_type="review_note",
        target_id=note.id,
        node_id=str(node.id),
        blocking=blocking,
        assignee_id=str(assignee_id) if assignee_id else None,
    )
    uow.publish(ReviewNoteCreated(engagement_id=note.engagement_id, review_note_id=note.id, node_id=note.node_id))
    uow.commit()
    return NoteView(note, node, my_transitions=_moves(access, note))


def update_review_note(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, note_id: uuid.UUID, changes: dict[str, Any]
) -> NoteView:
    """Reword a note, change whether it blocks, or reassign it; not once it is cleared."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True)
    note = _note_or_raise(uow, engagement_id, note_id, for_update=True)
    if note.author_id != principal.user_id and not access.can(Permission.REVIEW_NOTE_WRITE):
        raise Forbidden("Only the note's author or a reviewer may change it", code="forbidden")
    _refuse_if_cleared(note)
    if "assignee_id" in changes:
        _check_assignee(uow, engagement_id, changes["assignee_id"])
    changed = sorted(name for name, value in changes.items() if getattr(note, name) != value)
    if changed:
        for name in changed:
            setattr(note, name, changes[name])
        uow.session.flush()
        record(
            uow,
            "review_note.updated",
            engagement_id=engagement_id,
            target_type="review_note",
            target_id=note.id,
            fields=changed,
            **{name: _audit_value(changes[name]) for name in changed if name != "body"},
        )
        uow.commit()
    return _view(uow, access, note)


def _audit_value(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def add_reply(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, note_id: uuid.UUID, body: str
) -> ReviewNoteReply:
    """Answer in a note's thread; anyone of the firm who sees the engagement may, staff included."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True)
    note = _note_or_raise(uow, engagement_id, note_id, for_update=True)
    _refuse_if_cleared(note)
    reply = _add_reply(uow, note, principal.user_id, body)
    record(
        uow,
        "review_note.replied",
        engagement_id=engagement_id,
        target_type="review_note",
        target_id=note.id,
        reply_id=str(reply.id),
    )
    uow.commit()
    return reply


def _refusal(access: EngagementAccess, note: ReviewNote, to: str) -> str | None:
    """Why the caller may not move the note to `to`, or None: preparers (or its assignee) answer it,
    its raiser (or an independent manager or partner of the team) clears it, reviewers reopen it."""
    user_id = access.principal.user_id
    if note.status == "open" and to == "addressed":
        if note.assignee_id == user_id or access.can(Permission.WORKPAPER_PREPARE):
            return None
        return "Only the note's assignee or someone who prepares workpapers may answer it"
    if note.status == "addressed" and to == "cleared":
        if note.author_id == user_id and access.can(Permission.REVIEW_NOTE_WRITE):
            return None
        if access.role in CLEARING_ROLES and user_id not in (note.assignee_id, note.addressed_by):
            return None
        if user_id in (note.assignee_id, note.addressed_by):
            return (
                "You answered this note (or it is assigned to you), so you may not also clear it; "
                "the person who raised it, or another manager or partner on the team, clears it"
            )
        return "A review note is cleared by the person who raised it, or by a manager or partner on the team"
    if access.can(Permission.REVIEW_NOTE_WRITE):
        return None
    return f"Your role on this engagement does not allow moving a note to {to}"


def transition_review_note(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    note_id: uuid.UUID,
    to: str,
    comment: str | None,
) -> NoteView:
    """Move a note along open, addressed, cleared (or back to open); a comment joins its thread."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True)
    note = _note_or_raise(uow, engagement_id, note_id, for_update=True)
    current = note.status
    if to not in TRANSITIONS[current]:
        raise Conflict(
            f"A review note that is {current} cannot move to {to}",
            code="invalid_transition",
            allowed=list(TRANSITIONS[current]),
        )
    refusal = _refusal(access, note, to)
    if refusal is not None:
        raise Forbidden(refusal, code="forbidden")
    comment = (comment or "").strip()
    if current == "cleared" and len(comment) < MIN_REOPEN_REASON:
        raise ValidationFailed.field(
            "body",
            "comment",
            message=f"at least {MIN_REOPEN_REASON} characters saying why the cleared note is reopened",
            detail="Reopening a cleared note needs a reason",
        )
    now = clock.now()
    if to == "addressed":
        note.addressed_at, note.addressed_by = now, principal.user_id
    elif to == "cleared":
        note.cleared_at, note.cleared_by = now, principal.user_id
    else:
        # Back to open starts a new round: the last answer and clearance are history (kept in the audit log).
        note.addressed_at = note.addressed_by = note.cleared_at = note.cleared_by = None
    note.status = to
    uow.session.flush()
    reply = _add_reply(uow, note, principal.user_id, comment) if comment else None
    record(
        uow,
        AUDIT_ACTIONS[to],
        engagement_id=engagement_id,
        target_type="review_note",
        target_id=note.id,
        **{"from": current, "to": to, "reply_id": str(reply.id) if reply else None},
    )
    if to == "cleared":
        uow.publish(ReviewNoteCleared(engagement_id=note.engagement_id, review_note_id=note.id, node_id=note.node_id))
    uow.commit()
    return _view(uow, access, note)
