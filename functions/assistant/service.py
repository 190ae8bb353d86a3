"""Asking the engagement: retrieve what the caller may see, answer from it with citations, log both.

Retrieval runs in the caller's own unit of work, so row-level security (migration 0026) decides which
passages a question can reach: a client user's question never sees a working paper, whatever the
question says. The model gets only those passages and may cite only them; a citation number that is
not one of them is dropped rather than shown. A question first rebuilds the index when a document
changed since it was built (embeddings of unchanged passages are kept), so answers follow the file.
Every question and its answer go to the audit log with the passages cited and the model that answered.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from shared import retrieval
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.models_assistant import AssistantChunk
from shared.db.uow import UnitOfWork
from shared.engagement_access import LOCKED_STATUS, EngagementAccess, record, require
from shared.llm import GroundedAnswer, Passage, grounded_messages, language_model
from shared.retrieval import Hit

# Passages given to the model for one question.
TOP_K = 6
_READ = (Permission.ENGAGEMENT_READ, Permission.CLIENT_PORTAL)
_JOURNAL = re.compile(
    r"\bjournal(?:\s+entry)?\s+(?:id\s+|no\.?\s+|number\s+|#\s*)?(?P<id>[A-Za-z0-9][\w./-]*\d[\w./-]*)", re.I
)


@dataclass(frozen=True)
class Answer:
    answer: str
    citations: list[tuple[int, Hit]]
    provider: str


@dataclass(frozen=True)
class Status:
    provider: str
    chunk_count: int
    indexed_at: datetime | None
    stale: bool | None


def _access(uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> EngagementAccess:
    return require(uow, principal=principal, engagement_id=engagement_id, permission=_READ, clients=True)


def _refresh(uow: UnitOfWork, access: EngagementAccess) -> None:
    """Rebuild a stale index before answering; a locked engagement keeps the index it has.

    A firm user's own unit of work sees every source, so it checks and rebuilds in place. A client user's
    sees only what was shared with them, so the check and the rebuild run in the system's scope of the
    firm, committed apart: what the client then reads is still filtered by row-level security, and a
    file they just sent is searchable at once."""
    if access.engagement.status == LOCKED_STATUS:
        return
    if access.internal:
        if retrieval.is_stale(uow, access.id):
            retrieval.index_engagement(uow, access.id)
        return
    with UnitOfWork(firm_id=access.engagement.firm_id, system=True) as system:
        if retrieval.is_stale(system, access.id):
            retrieval.index_engagement(system, access.id)
            system.commit()


def journal_ids(question: str) -> list[str]:
    """The journal ids a question names ("explain journal JE-1042"), in order, without repeats."""
    return list(dict.fromkeys(match["id"].rstrip(".,;:?!") for match in _JOURNAL.finditer(question)))


def passages_for(uow: UnitOfWork, engagement_id: uuid.UUID, question: str) -> list[Hit]:
    """The named journals' test evidence first (when the caller may see it), then the best matches."""
    chosen: dict[uuid.UUID, Hit] = {}
    for journal_id in journal_ids(question):
        for hit in retrieval.chunks_by_reference(uow, engagement_id, f"journal:{journal_id}")[:2]:
            chosen.setdefault(hit.chunk_id, hit)
    for hit in retrieval.search(uow, engagement_id, question, k=TOP_K):
        if len(chosen) >= TOP_K:
            break
        chosen.setdefault(hit.chunk_id, hit)
    return list(chosen.values())


def ask(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, question: str) -> Answer:
    access = _access(uow, principal, engagement_id)
    _refresh(uow, access)
    hits = passages_for(uow, engagement_id, question)
    passages = [Passage(n, f"{hit.document}, {hit.locator}", hit.text) for n, hit in enumerate(hits, start=1)]
    model = language_model()
    reply = model.complete(grounded_messages(question, passages), GroundedAnswer)
    grounded = reply if isinstance(reply, GroundedAnswer) else GroundedAnswer(answer=str(reply))
    by_number = dict(enumerate(hits, start=1))
    cited = [(n, by_number[n]) for n in dict.fromkeys(grounded.citations) if n in by_number]
    record(
        uow,
        "assistant.asked",
        engagement_id=engagement_id,
        target_type="engagement",
        target_id=engagement_id,
        question=question,
        answer=grounded.answer,
        citations=[str(hit.chunk_id) for _, hit in cited],
        provider=model.name,
    )
    uow.commit()
    return Answer(grounded.answer, cited, model.name)


def index(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> Status:
    """Rebuild the engagement's index now (firm users; a finalized engagement is locked: 409)."""
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=Permission.ENGAGEMENT_READ
    )
    count = retrieval.index_engagement(uow, access.id)
    record(
        uow,
        "assistant.indexed",
        engagement_id=engagement_id,
        target_type="engagement",
        target_id=engagement_id,
        chunks=count,
    )
    uow.commit()
    return _status(uow, access)


def status(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> Status:
    return _status(uow, _access(uow, principal, engagement_id))


def _status(uow: UnitOfWork, access: EngagementAccess) -> Status:
    state = retrieval.index_state(uow, access.id)
    visible = uow.session.execute(
        select(func.count()).select_from(AssistantChunk).where(AssistantChunk.engagement_id == access.id)
    ).scalar_one()
    stale = retrieval.is_stale(uow, access.id) if access.internal else None
    return Status(language_model().name, int(visible), state.indexed_at if state else None, stale)
