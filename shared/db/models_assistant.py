"""The assistant's chunks, their embeddings and the questions asked (functions/assistant, shared/retrieval.py).

A chunk is a passage of one of the engagement's own documents (a workpaper, an evidence file's text, a
review note, a trial-balance line, a flagged journal's test evidence, a client request) with where it
came from, so an answer can cite it. `client_visible` is set from the document's audience when it is
indexed: row-level security (migration 0026) shows a client user only those chunks, of their own
client's engagements, so retrieval cannot hand firm working papers to them. The embedding is float32
bytes (no pgvector on the server): shared/retrieval.py searches the engagement's matrix in numpy.
`text_sha256` lets a re-index keep the embedding of a passage whose text did not change.
One `AssistantIndex` row per engagement says when it was indexed, with which embedder, over what
(`fingerprint`, the state of the sources), so an ask can tell whether the index is stale.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

# A client request and what the client sent against it are "evidence": the client's side of the file.
CHUNK_KINDS = ("workpaper", "evidence", "review_note", "trial_balance", "journal_test")


class AssistantChunk(Base):
    __tablename__ = "assistant_chunks"
    __table_args__ = (
        Index("ix_assistant_chunks_engagement_id_kind", "engagement_id", "kind"),
        Index("ix_assistant_chunks_engagement_id_reference", "engagement_id", "reference"),
        CheckConstraint(_in("kind", CHUNK_KINDS), name="kind"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    document: Mapped[str] = mapped_column(String(300), nullable=False)
    locator: Mapped[str] = mapped_column(String(200), nullable=False)
    # What the passage is about, for lookups that are not searches: "journal:<id>", "account:<number>"...
    reference: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    text_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    client_visible: Mapped[bool] = mapped_column(Boolean, nullable=False)
    embedding: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class AssistantIndex(Base):
    __tablename__ = "assistant_indexes"

    engagement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("engagements.id"), primary_key=True)
    firm_id: Mapped[uuid.UUID] = _firm()
    embedder: Mapped[str] = mapped_column(String(100), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    chunk_count: Mapped[int] = mapped_column(Integer, nullable=False)
    indexed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    indexed_at: Mapped[datetime] = _updated()
