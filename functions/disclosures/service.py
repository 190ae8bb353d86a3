"""Use cases of disclosures: the checklist with its answers, and the notes drafted, edited and approved.

All of it is the firm's working papers: client users get 404 (and row-level security hides the rows).
Reading needs engagement.read; answering and drafting workpaper.prepare; approving a note and the
checklist's settings workpaper.review. Every change is audit-logged, and a finalized engagement is
locked (409 before the lock trigger would refuse it).

A note is saved and approved only when the checker (references.py) finds nothing: each number is a
reference the engagement's data resolves, each citation one the caller can see (shared.retrieval).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from functions.disclosures import checklist, checklist_data, drafting, references
from functions.disclosures.sources import EventFigures, PartyFigures, values
from shared import clock, retrieval
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.models import Client, User
from shared.db.models_disclosures import DisclosureAnswer, DisclosureNote, DisclosureSettings
from shared.db.models_engagement import BinderNode, EvidenceFile
from shared.db.models_events import SubsequentEvent
from shared.db.models_parties import RelatedParty, RelatedPartyTransaction
from shared.db.uow import UnitOfWork
from shared.engagement_access import EngagementAccess, record, require
from shared.errors import NotFound, Unprocessable, ValidationFailed
from shared.llm import language_model
from shared.mapped_tb import MappedLine, final_trial_balance
from shared.standard_chart import firm_chart

PREPARE_REFUSAL = "Your role on this engagement does not allow preparing disclosures"
REVIEW_REFUSAL = "Your role on this engagement does not allow approving disclosures or changing the checklist"
# The public sources each topic's draft cites (shared/knowledge), and what an issuer's adds.
TOPIC_SOURCES: dict[str, tuple[str, ...]] = {
    "accounting_policies": ("source:asc-275#use-of-estimates",),
    "revenue": ("source:asc-606#disaggregation", "source:asc-606#contract-balances"),
    "leases": ("source:asc-842#disclosure-maturity", "source:asc-842#disclosure-qualitative"),
    "debt": ("source:asc-470#disclosure-maturities",),
    "income_taxes": ("source:asc-740#disclosure-components",),
    "related_parties": ("source:asc-850#disclosure-requirements",),
    "subsequent_events": ("source:asc-855#nonrecognized", "source:asc-855#date-disclosure"),
    "going_concern": ("source:asc-205-40#disclosure-remains",),
    "concentrations": ("source:asc-275#concentrations",),
    "fair_value": ("source:asc-820#disclosure",),
}
ISSUER_SOURCES: dict[str, tuple[str, ...]] = {
    "debt": ("source:reg-s-x-4-08#b-assets-subject-to-lien", "source:reg-s-x-4-08#c-defaults"),
    "income_taxes": ("source:reg-s-x-4-08#h-income-taxes",),
    "related_parties": ("source:reg-s-x-4-08#k-related-parties",),
}
# --- what the engagement's data says ------------------------------------------------------------------


@dataclass(frozen=True)
class EngagementFacts:
    framework: checklist_data.Framework
    framework_chosen: bool
    notes_in_report: bool
    has_trial_balance: bool
    lines: list[MappedLine]
    parties: list[PartyFigures]
    events: list[EventFigures]
    values: dict[str, Decimal]


def _settings(uow: UnitOfWork, engagement_id: uuid.UUID) -> DisclosureSettings | None:
    return uow.session.get(DisclosureSettings, engagement_id)


def _parties(uow: UnitOfWork, engagement_id: uuid.UUID) -> list[PartyFigures]:
    totals: dict[uuid.UUID, tuple[Decimal, int]] = {
        party_id: (total, count)
        for party_id, total, count in uow.session.execute(
            select(
                RelatedPartyTransaction.party_id,
                func.sum(func.abs(RelatedPartyTransaction.amount)),
                func.count(),
            )
            .where(
                RelatedPartyTransaction.engagement_id == engagement_id,
                RelatedPartyTransaction.status == "confirmed",
            )
            .group_by(RelatedPartyTransaction.party_id)
        )
    }
    return [
        PartyFigures(str(party.id), party.name, party.relationship, *totals.get(party.id, (Decimal("0.00"), 0)))
        for party in uow.session.scalars(
            select(RelatedParty).where(RelatedParty.engagement_id == engagement_id).order_by(RelatedParty.name)
        )
    ]


def _events(uow: UnitOfWork, engagement_id: uuid.UUID) -> list[EventFigures]:
    return [
        EventFigures(str(event.id), event.description, event.event_type, event.amount)
        for event in uow.session.scalars(
            select(SubsequentEvent)
            .where(SubsequentEvent.engagement_id == engagement_id)
            .order_by(SubsequentEvent.event_date, SubsequentEvent.id)
        )
    ]


def facts(uow: UnitOfWork, access: EngagementAccess) -> EngagementFacts:
    """The mapped trial balance, the registers and the checklist's settings, as plain values."""
    settings = _settings(uow, access.id)
    if settings is not None and settings.framework is not None:
        framework: checklist_data.Framework = "sec_issuer" if settings.framework == "sec_issuer" else "us_gaap_private"
    else:
        entity_type = uow.session.scalar(select(Client.entity_type).where(Client.id == access.engagement.client_id))
        framework = "sec_issuer" if entity_type == "issuer" else "us_gaap_private"
    final = final_trial_balance(uow, engagement_id=access.id)
    lines = final.lines if final is not None else []
    parties, events = _parties(uow, access.id), _events(uow, access.id)
    return EngagementFacts(
        framework=framework,
        framework_chosen=settings is not None and settings.framework is not None,
        notes_in_report=settings is not None and settings.notes_in_report,
        has_trial_balance=final is not None,
        lines=lines,
        parties=parties,
        events=events,
        values=values(lines, firm_chart(uow).by_code, parties, events),
    )


def _registers(found: EngagementFacts) -> checklist.Registers:
    return checklist.Registers(
        related_parties=tuple(checklist.RelatedParty(p.id, p.name) for p in found.parties),
        subsequent_events=tuple(checklist.Event(e.id, e.description, e.event_type) for e in found.events),
    )


# --- the checklist ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistView:
    facts: EngagementFacts
    states: list[checklist.ItemState]
    answers: dict[str, tuple[DisclosureAnswer, str]]


def _names(uow: UnitOfWork, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {row.id: row.display_name or row.email for row in uow.session.scalars(select(User).where(User.id.in_(ids)))}


def get_checklist(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> ChecklistView:
    """Every item of the engagement's checklist, on or off with why, and the answers given."""
    access = require(uow, principal=principal, engagement_id=engagement_id, permission=Permission.ENGAGEMENT_READ)
    found = facts(uow, access)
    states = checklist.evaluate(found.framework, found.lines, _registers(found))
    rows = list(uow.session.scalars(select(DisclosureAnswer).where(DisclosureAnswer.engagement_id == engagement_id)))
    names = _names(uow, {row.answered_by for row in rows})
    return ChecklistView(found, states, {row.item_code: (row, names.get(row.answered_by, "")) for row in rows})


def _checked_evidence(uow: UnitOfWork, engagement_id: uuid.UUID, links: list[dict[str, str]]) -> None:
    """Each link names a binder node or an evidence file under this engagement; else 400 naming it."""
    for index, link in enumerate(links):
        model = BinderNode if link["kind"] == "node" else EvidenceFile
        found = uow.session.scalar(
            select(model.id).where(model.id == uuid.UUID(link["id"]), model.engagement_id == engagement_id)
        )
        if found is None:
            raise ValidationFailed.field(
                "body",
                "evidence",
                str(index),
                "id",
                message=f"no {link['kind']} {link['id']} under this engagement",
                code="evidence_not_found",
            )


def answer_item(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    item_code: str,
    answer: str,
    reason: str,
    evidence: list[dict[str, str]],
) -> tuple[DisclosureAnswer, str]:
    """Answer one item yes, no or not applicable (with its reason), with links to the evidence."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.WORKPAPER_PREPARE,
        refusal=PREPARE_REFUSAL,
    )
    framework = facts(uow, access).framework
    if item_code not in {item.code for item in checklist_data.items_for(framework)}:
        raise NotFound(f"No item {item_code} on the {framework} checklist", code="checklist_item_not_found")
    _checked_evidence(uow, engagement_id, evidence)
    row = uow.session.scalar(
        select(DisclosureAnswer)
        .where(DisclosureAnswer.engagement_id == engagement_id, DisclosureAnswer.item_code == item_code)
        .with_for_update()
    )
    before = row.answer if row is not None else None
    if row is None:
        row = DisclosureAnswer(firm_id=access.engagement.firm_id, engagement_id=engagement_id, item_code=item_code)
        uow.session.add(row)
    row.answer, row.reason, row.evidence = answer, reason, evidence
    row.answered_by = principal.user_id
    row.answered_at = clock.now()
    uow.session.flush()
    record(
        uow,
        "disclosure.item_answered",
        engagement_id=engagement_id,
        target_type="disclosure_item",
        target_id=item_code,
        answer=answer,
        previous=before,
        reason=reason,
        evidence=evidence,
    )
    uow.commit()
    return row, _names(uow, {principal.user_id}).get(principal.user_id, "")


def update_settings(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    framework: str | None,
    notes_in_report: bool | None,
) -> None:
    """Choose the checklist's framework and whether the report prints the approved notes."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.WORKPAPER_REVIEW,
        refusal=REVIEW_REFUSAL,
    )
    settings = uow.session.get(DisclosureSettings, engagement_id, with_for_update=True)
    if settings is None:
        settings = DisclosureSettings(engagement_id=engagement_id, firm_id=access.engagement.firm_id)
        uow.session.add(settings)
    changed: dict[str, Any] = {}
    if framework is not None:
        settings.framework = changed["framework"] = framework
    if notes_in_report is not None:
        settings.notes_in_report = changed["notes_in_report"] = notes_in_report
    settings.updated_by = principal.user_id
    uow.session.flush()
    record(
        uow,
        "disclosure.settings_changed",
        engagement_id=engagement_id,
        target_type="disclosure_settings",
        target_id=engagement_id,
        **changed,
    )
    uow.commit()


# --- notes --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cited:
    """A citation the caller can see, with the text it points to."""

    key: str
    document: str
    locator: str
    text: str
    kind: str


@dataclass(frozen=True)
class NoteView:
    note: DisclosureNote
    rendered: str
    values: dict[str, str]
    citations: list[Cited]
    problems: list[str]

    @property
    def changed_since_approval(self) -> bool:
        """An approved note whose figures read differently today than when it was approved."""
        return self.note.status == "approved" and self.note.rendered != self.rendered


def _visible_citations(uow: UnitOfWork, engagement_id: uuid.UUID, body: str) -> dict[str, Cited]:
    """The body's citations the caller can see, by key: shipped sources and the engagement's chunks."""
    keys = references.citations(body)
    found: dict[str, Cited] = {}
    if any(key.startswith("source:") for key in keys):
        found.update(
            {
                s.key: Cited(s.key, s.title, s.heading, s.text, retrieval.SOURCE)
                for s in retrieval.source_sections()
                if s.key in keys
            }
        )
    chunks = references.chunk_ids(body)
    if chunks:
        for chunk_id, hit in retrieval.chunks_by_id(uow, engagement_id, chunks).items():
            key = f"chunk:{chunk_id}"
            found[key] = Cited(key, hit.document, hit.locator, hit.text, hit.kind)
    return found


def _refuse(problems: list[references.Problem]) -> None:
    if problems:
        raise Unprocessable(
            "The note has what no source supports: " + "; ".join(p.message for p in problems),
            code="note_unsupported",
            problems=[{"kind": p.kind, "text": p.text, "message": p.message} for p in problems],
        )


def _view(uow: UnitOfWork, note: DisclosureNote, found: EngagementFacts) -> NoteView:
    visible = _visible_citations(uow, note.engagement_id, note.body)
    problems = references.check(note.body, found.values, set(visible))
    keys = references.citations(note.body)
    return NoteView(
        note=note,
        rendered=references.render(note.body, found.values),
        values=references.resolved(note.body, found.values),
        citations=[visible[key] for key in keys if key in visible],
        problems=[p.message for p in problems],
    )


def list_notes(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> list[NoteView]:
    """The engagement's notes in checklist topic order, each rendered from the data as it is now."""
    access = require(uow, principal=principal, engagement_id=engagement_id, permission=Permission.ENGAGEMENT_READ)
    found = facts(uow, access)
    order = list(checklist_data.TOPICS)
    notes = sorted(
        uow.session.scalars(select(DisclosureNote).where(DisclosureNote.engagement_id == engagement_id)),
        key=lambda note: order.index(note.topic) if note.topic in order else len(order),
    )
    return [_view(uow, note, found) for note in notes]


def _note_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, note_id: uuid.UUID) -> DisclosureNote:
    note = uow.session.scalar(
        select(DisclosureNote)
        .where(DisclosureNote.id == note_id, DisclosureNote.engagement_id == engagement_id)
        .with_for_update()
    )
    if note is None:
        raise NotFound("No such note", code="note_not_found")
    return note


def _approval_withdrawn(uow: UnitOfWork, note: DisclosureNote) -> None:
    """Its own audit action, so a report approved with the note printed goes stale (shared/qc_freshness.py)."""
    record(
        uow,
        "disclosure.note_approval_withdrawn",
        engagement_id=note.engagement_id,
        target_type="disclosure_note",
        target_id=note.id,
        topic=note.topic,
    )


def draft_note(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, topic: str) -> NoteView:
    """Draft (or draft again) the topic's note from the engagement's data; an approved note returns to draft."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.WORKPAPER_PREPARE,
        refusal=PREPARE_REFUSAL,
    )
    found = facts(uow, access)
    sources = TOPIC_SOURCES[topic] + (ISSUER_SOURCES.get(topic, ()) if found.framework == "sec_issuer" else ())
    shipped = {section.key for section in retrieval.source_sections()}
    client_name = uow.session.scalar(select(Client.name).where(Client.id == access.engagement.client_id)) or ""
    template = drafting.draft(
        topic,
        drafting.Facts(
            client_name=client_name,
            period_end=access.engagement.period_end,
            lines=[line for line in found.lines if line.final or line.prior],
            values=found.values,
            parties=found.parties,
            events=found.events,
            indicators=checklist.indicators(found.lines),
            citations={topic: [key for key in sources if key in shipped]},
        ),
    )
    body, drafted_with = drafting.worded(template, checklist_data.TOPICS[topic], language_model())
    _refuse(references.check(body, found.values, set(_visible_citations(uow, engagement_id, body))))
    note = uow.session.scalar(
        select(DisclosureNote)
        .where(DisclosureNote.engagement_id == engagement_id, DisclosureNote.topic == topic)
        .with_for_update()
    )
    if note is None:
        note = DisclosureNote(
            firm_id=access.engagement.firm_id,
            engagement_id=engagement_id,
            topic=topic,
            title=checklist_data.TOPICS[topic],
            created_by=principal.user_id,
        )
        uow.session.add(note)
    was_approved = note.status == "approved"
    note.body, note.drafted_with, note.status = body, drafted_with[:120], "draft"
    note.approved_by, note.approved_at, note.rendered = None, None, None
    note.updated_by = principal.user_id
    uow.session.flush()
    record(
        uow,
        "disclosure.note_drafted",
        engagement_id=engagement_id,
        target_type="disclosure_note",
        target_id=note.id,
        topic=topic,
        drafted_with=note.drafted_with,
        approval_withdrawn=was_approved,
    )
    if was_approved:
        _approval_withdrawn(uow, note)
    uow.commit()
    return _view(uow, note, found)


def update_note(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    note_id: uuid.UUID,
    body: str,
    title: str | None,
) -> NoteView:
    """Save an edited note once the checker finds nothing; an approved note returns to draft."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.WORKPAPER_PREPARE,
        refusal=PREPARE_REFUSAL,
    )
    note = _note_or_raise(uow, engagement_id, note_id)
    found = facts(uow, access)
    _refuse(references.check(body, found.values, set(_visible_citations(uow, engagement_id, body))))
    was_approved = note.status == "approved"
    note.body, note.status = body, "draft"
    if title is not None:
        note.title = title
    note.approved_by, note.approved_at, note.rendered = None, None, None
    note.updated_by = principal.user_id
    uow.session.flush()
    record(
        uow,
        "disclosure.note_edited",
        engagement_id=engagement_id,
        target_type="disclosure_note",
        target_id=note.id,
        topic=note.topic,
        approval_withdrawn=was_approved,
    )
    if was_approved:
        _approval_withdrawn(uow, note)
    uow.commit()
    return _view(uow, note, found)


def approve_note(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, note_id: uuid.UUID) -> NoteView:
    """Approve a note the checker passes on today's data; the text as rendered now is what the report prints."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.WORKPAPER_REVIEW,
        refusal=REVIEW_REFUSAL,
    )
    note = _note_or_raise(uow, engagement_id, note_id)
    found = facts(uow, access)
    _refuse(references.check(note.body, found.values, set(_visible_citations(uow, engagement_id, note.body))))
    note.status = "approved"
    note.rendered = references.render(note.body, found.values)
    note.approved_by, note.approved_at = principal.user_id, clock.now()
    uow.session.flush()
    record(
        uow,
        "disclosure.note_approved",
        engagement_id=engagement_id,
        target_type="disclosure_note",
        target_id=note.id,
        topic=note.topic,
        values=references.resolved(note.body, found.values),
    )
    uow.commit()
    return _view(uow, note, found)


def topics_on(states: list[checklist.ItemState]) -> dict[str, list[checklist.ItemState]]:
    by_topic: dict[str, list[checklist.ItemState]] = defaultdict(list)
    for state in states:
        by_topic[state.item.topic].append(state)
    return by_topic
