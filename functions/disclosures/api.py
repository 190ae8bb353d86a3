"""HTTP triggers of disclosures: the checklist and its answers, the notes drafted, edited and approved.

The routes declare no firm permission: the service asks `require`, so client users and people who may
not see the engagement get 404, and a role on the engagement without workpaper.prepare (answer, draft,
edit) or workpaper.review (approve, settings) gets 403.
"""

from __future__ import annotations

from functions.disclosures import bp, checklist_data, schemas, service
from shared.http import Call, endpoint

TAGS = ["disclosures"]
BASE = "engagements/{engagement_id:guid}/disclosures"
NOTES = BASE + "/notes"


def _checklist(view: service.ChecklistView) -> schemas.ChecklistRead:
    topics = []
    by_topic = service.topics_on(view.states)
    for topic, title in checklist_data.TOPICS.items():
        items = []
        for state in by_topic.get(topic, []):
            found = view.answers.get(state.item.code)
            answer = None
            if found is not None:
                row, name = found
                answer = schemas.AnswerRead.model_validate(
                    {
                        "answer": row.answer,
                        "reason": row.reason,
                        "evidence": row.evidence,
                        "answered_by": row.answered_by,
                        "answered_by_name": name,
                        "answered_at": row.answered_at,
                    }
                )
            items.append(
                schemas.ItemRead(
                    code=state.item.code,
                    topic=topic,
                    requirement=state.item.requirement,
                    citation=state.item.citation,
                    on=state.on,
                    reasons=list(state.reasons),
                    answer=answer,
                )
            )
        topics.append(schemas.TopicRead(topic=topic, title=title, on=any(i.on for i in items), items=items))
    return schemas.ChecklistRead(
        framework=view.facts.framework,
        framework_chosen=view.facts.framework_chosen,
        notes_in_report=view.facts.notes_in_report,
        trial_balance=view.facts.has_trial_balance,
        topics=topics,
    )


def _note(view: service.NoteView) -> schemas.NoteRead:
    note = view.note
    citations = [
        schemas.CitationRead(key=c.key, document=c.document, locator=c.locator, text=c.text, kind=c.kind)
        for c in view.citations
    ]
    return schemas.NoteRead.model_validate(
        {
            "id": note.id,
            "topic": note.topic,
            "title": note.title,
            "body": note.body,
            "rendered": note.rendered if note.status == "approved" and note.rendered else view.rendered,
            "values": view.values,
            "citations": citations,
            "problems": view.problems,
            "status": note.status,
            "changed_since_approval": view.changed_since_approval,
            "drafted_with": note.drafted_with,
            "updated_by": note.updated_by,
            "updated_at": note.updated_at,
            "approved_by": note.approved_by,
            "approved_at": note.approved_at,
        }
    )


@endpoint(
    bp,
    "GET",
    BASE + "/checklist",
    name="get_disclosure_checklist",
    summary="The disclosure checklist of the engagement's framework: each item on or off with why, and its answer",
    tags=TAGS,
    response=schemas.ChecklistRead,
    errors=[404],
)
def get_disclosure_checklist(call: Call) -> schemas.ChecklistRead:
    with call.uow() as uow:
        view = service.get_checklist(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return _checklist(view)


@endpoint(
    bp,
    "PATCH",
    BASE + "/checklist",
    name="update_disclosure_settings",
    summary="Choose the checklist's framework and whether the report prints the approved notes; audit-logged",
    tags=TAGS,
    body=schemas.SettingsUpdate,
    response=schemas.ChecklistRead,
    errors=[403, 404, 409],
)
def update_disclosure_settings(call: Call) -> schemas.ChecklistRead:
    body: schemas.SettingsUpdate = call.body
    engagement_id = call.route_uuid("engagement_id")
    with call.uow() as uow:
        service.update_settings(
            uow=uow,
            principal=call.user,
            engagement_id=engagement_id,
            framework=body.framework,
            notes_in_report=body.notes_in_report,
        )
    with call.uow() as uow:
        return _checklist(service.get_checklist(uow=uow, principal=call.user, engagement_id=engagement_id))


@endpoint(
    bp,
    "PUT",
    BASE + "/checklist/items/{item_code}",
    name="answer_disclosure_item",
    summary="Answer a checklist item yes, no or not applicable (with a reason), with evidence links; audit-logged",
    tags=TAGS,
    body=schemas.AnswerSet,
    response=schemas.AnswerRead,
    errors=[400, 403, 404, 409],
)
def answer_disclosure_item(call: Call) -> schemas.AnswerRead:
    body: schemas.AnswerSet = call.body
    with call.uow() as uow:
        row, name = service.answer_item(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            item_code=call.request.route_params.get("item_code", ""),
            answer=body.answer,
            reason=body.reason,
            evidence=[{"kind": link.kind, "id": str(link.id)} for link in body.evidence],
        )
        return schemas.AnswerRead.model_validate(
            {
                "answer": row.answer,
                "reason": row.reason,
                "evidence": row.evidence,
                "answered_by": row.answered_by,
                "answered_by_name": name,
                "answered_at": row.answered_at,
            }
        )


@endpoint(
    bp,
    "GET",
    NOTES,
    name="list_disclosure_notes",
    summary="The engagement's notes, each rendered from the data as it is now, with its references and citations",
    tags=TAGS,
    response=schemas.NoteList,
    errors=[404],
)
def list_disclosure_notes(call: Call) -> schemas.NoteList:
    with call.uow() as uow:
        views = service.list_notes(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return schemas.NoteList(items=[_note(view) for view in views])


@endpoint(
    bp,
    "POST",
    NOTES,
    name="draft_disclosure_note",
    summary="Draft (or draft again) a topic's note from the engagement's data, every amount a reference",
    tags=TAGS,
    body=schemas.NoteDraft,
    response=schemas.NoteRead,
    status=201,
    errors=[403, 404, 409, 422],
)
def draft_disclosure_note(call: Call) -> schemas.NoteRead:
    body: schemas.NoteDraft = call.body
    with call.uow() as uow:
        view = service.draft_note(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), topic=body.topic
        )
        return _note(view)


@endpoint(
    bp,
    "PUT",
    NOTES + "/{note_id:guid}",
    name="update_disclosure_note",
    summary="Save an edited note; 422 naming each literal figure, unresolved reference or unseen citation",
    tags=TAGS,
    body=schemas.NoteUpdate,
    response=schemas.NoteRead,
    errors=[403, 404, 409, 422],
)
def update_disclosure_note(call: Call) -> schemas.NoteRead:
    body: schemas.NoteUpdate = call.body
    with call.uow() as uow:
        view = service.update_note(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            note_id=call.route_uuid("note_id"),
            body=body.body,
            title=body.title,
        )
        return _note(view)


@endpoint(
    bp,
    "POST",
    NOTES + "/{note_id:guid}/approve",
    name="approve_disclosure_note",
    summary="Approve a note the checker passes on today's data (workpaper.review); the report prints it as rendered",
    tags=TAGS,
    response=schemas.NoteRead,
    errors=[403, 404, 409, 422],
)
def approve_disclosure_note(call: Call) -> schemas.NoteRead:
    with call.uow() as uow:
        view = service.approve_note(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            note_id=call.route_uuid("note_id"),
        )
        return _note(view)
