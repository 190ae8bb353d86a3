"""Retrieval over one engagement's own documents and the shipped public sources, for the caller only.

`index_engagement` cuts the engagement's documents into passages (chunks) with where each came from
and who may see it, embeds them (reusing the embedding of any passage whose text did not change) and
replaces the engagement's chunks. `search` ranks the chunks the caller may read by embedding cosine
plus a BM25 score of the question's words, over a numpy matrix cached per engagement, index version
and audience. Tenancy is not this module's choice: every chunk is read under row-level security
(migration 0026), which shows a client user only chunks marked client_visible of their own client's
engagements, so no code path here can hand them a working paper. The public sources
(shared/knowledge/*.md, one chunk per section) are the same for everyone and always searchable.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import tempfile
import threading
import uuid
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, text, update

from shared.db.models_assistant import AssistantChunk, AssistantIndex
from shared.db.uow import UnitOfWork
from shared.llm import LanguageModel, language_model, words

if TYPE_CHECKING:
    import numpy

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"
SOURCE = "source"
# A passage is at most about this many characters: short enough for one focused embedding.
CHUNK_CHARS = 900
# How much the lexical score (0..1, the best match of the question's words is 1) adds to the cosine.
LEXICAL_WEIGHT = 0.15
# Flagged journals described one by one (the riskiest first); the rest are in the run's summary only.
MAX_JOURNALS = 300
_CACHE_SIZE = 16
# Where evidence files and what clients send are stored (functions/engagement/evidence.py, client_requests).
EVIDENCE_CONTAINER = "evidence"
_SECTION = re.compile(r"^## (?P<heading>.+?)\s*\{#(?P<id>[a-z0-9-]+)\}\s*$", re.MULTILINE)
_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+")


@dataclass(frozen=True)
class Hit:
    chunk_id: uuid.UUID
    document: str
    locator: str
    text: str
    score: float
    kind: str  # workpaper | evidence | review_note | trial_balance | journal_test | source


@dataclass(frozen=True)
class Piece:
    """A passage of a document before it is embedded and stored."""

    kind: str
    document: str
    locator: str
    text: str
    client_visible: bool
    reference: str = ""


def source_chunk_id(key: str) -> uuid.UUID:
    """The stable id of a public source section, from its key `source:<file>#<section>`."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "aura:" + key)


# How passages are put to the embedder (version 2: workpapers and evidence under their title); an index
# made another way is stale, like one made by another embedder.
PASSAGE_FORMAT = "titled"


def embedder_of(model: LanguageModel) -> str:
    return f"{getattr(model, 'embedder', model.name)}/{PASSAGE_FORMAT}"


# ---------------------------------------------------------------------------------------------- indexing


def index_engagement(uow: UnitOfWork, engagement_id: uuid.UUID) -> int:
    """Rebuild the engagement's chunks from its documents as they are now; returns how many there are.

    Needs a firm user's (or the system's) unit of work: the documents read include working papers."""
    model = language_model()
    embedder = embedder_of(model)
    # One rebuild of an engagement at a time: two stale questions at once would both insert its index row.
    uow.session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('assistant-index'), hashtext(:engagement))"),
        {"engagement": str(engagement_id)},
    )
    firm_id = uow.session.execute(text("SELECT aura_current_firm()")).scalar_one()
    pieces = list(engagement_pieces(uow, engagement_id))
    state = index_state(uow, engagement_id)
    reusable: dict[str, bytes] = {}
    if state is not None and state.embedder == embedder:
        rows = uow.session.execute(
            select(AssistantChunk.text_sha256, AssistantChunk.embedding).where(
                AssistantChunk.engagement_id == engagement_id
            )
        )
        reusable = {row.text_sha256: row.embedding for row in rows}
    digests = [_digest(piece) for piece in pieces]
    wanted = {digest: _embedded(piece) for digest, piece in zip(digests, pieces, strict=True)}
    missing = sorted((digest, passage) for digest, passage in wanted.items() if digest not in reusable)
    if missing:
        vectors = model.embed([passage for _, passage in missing])
        reusable.update({digest: vectors[i].astype("<f4").tobytes() for i, (digest, _) in enumerate(missing)})
    uow.session.execute(delete(AssistantChunk).where(AssistantChunk.engagement_id == engagement_id))
    ids = _stable_ids(engagement_id, pieces, digests)
    rows_to_insert = [
        {
            "id": ids[position],
            "firm_id": firm_id,
            "engagement_id": engagement_id,
            "kind": piece.kind,
            "document": piece.document[:300],
            "locator": piece.locator[:200],
            "reference": piece.reference[:200],
            "position": position,
            "text": piece.text,
            "text_sha256": digest,
            "client_visible": piece.client_visible,
            "embedding": reusable[digest],
        }
        for position, (piece, digest) in enumerate(zip(pieces, digests, strict=True))
    ]
    for start in range(0, len(rows_to_insert), 1000):
        uow.session.execute(insert(AssistantChunk), rows_to_insert[start : start + 1000])
    values = {
        "firm_id": firm_id,
        "embedder": embedder,
        "fingerprint": fingerprint(uow, engagement_id),
        "chunk_count": len(pieces),
        "indexed_by": uow.user_id,
        "indexed_at": func.now(),
    }
    if state is None:
        uow.session.execute(insert(AssistantIndex).values(engagement_id=engagement_id, **values))
    else:
        uow.session.execute(
            update(AssistantIndex).where(AssistantIndex.engagement_id == engagement_id).values(**values)
        )
    return len(pieces)


def _stable_ids(engagement_id: uuid.UUID, pieces: list[Piece], digests: list[str]) -> list[uuid.UUID]:
    """Each chunk's id from what it is (its document, place and text), so a rebuild keeps the ids a note
    cites while the passage is unchanged, and a changed passage gets a new one (the citation then fails
    the checker, as it should: the text it pointed at is gone). Identical passages are told apart by order."""
    seen: dict[str, int] = {}
    ids = []
    for piece, digest in zip(pieces, digests, strict=True):
        key = f"{engagement_id}|{piece.kind}|{piece.reference}|{piece.locator}|{digest}"
        seen[key] = seen.get(key, 0) + 1
        ids.append(uuid.uuid5(uuid.NAMESPACE_URL, f"aura-chunk:{key}#{seen[key]}"))
    return ids


def index_state(uow: UnitOfWork, engagement_id: uuid.UUID) -> AssistantIndex | None:
    """The engagement's index row, if it was indexed and the caller sees the engagement."""
    return uow.session.scalars(select(AssistantIndex).where(AssistantIndex.engagement_id == engagement_id)).first()


def is_stale(uow: UnitOfWork, engagement_id: uuid.UUID) -> bool:
    """Never indexed, indexed with another embedder, or a source document changed since."""
    state = index_state(uow, engagement_id)
    return (
        state is None
        or state.embedder != embedder_of(language_model())
        or state.fingerprint != fingerprint(uow, engagement_id)
    )


# Each source table's row count and latest change under the engagement: a change anywhere changes the text.
_SOURCE_TABLES = (
    ("binder_nodes", "updated_at"),
    ("evidence_files", "uploaded_at"),
    ("review_notes", "updated_at"),
    ("review_note_replies", "created_at"),
    ("account_mappings", "updated_at"),
    ("adjustments", "updated_at"),
    ("datasets", "coalesce(decided_at, finished_at, created_at)"),
    ("je_runs", "coalesce(completed_at, created_at)"),
    ("je_dispositions", "updated_at"),
    ("client_requests", "updated_at"),
    ("client_request_comments", "created_at"),
    ("client_request_attachments", "uploaded_at"),
)


def _latest(table: str, column: str) -> str:
    """One table's part of the fingerprint query; the names are the constants above, never input."""
    return f"SELECT '{table}', count(*), max({column}) FROM {table} WHERE engagement_id = :engagement_id"  # noqa: S608 # nosec B608


_FINGERPRINT_SQL = " UNION ALL ".join(_latest(table, column) for table, column in _SOURCE_TABLES)


def fingerprint(uow: UnitOfWork, engagement_id: uuid.UUID) -> str:
    """A digest of the source documents' state: cheap (one statement), so an ask can check it."""
    rows = uow.session.execute(text(_FINGERPRINT_SQL), {"engagement_id": engagement_id}).all()
    state = json.dumps([[name, count, str(latest)] for name, count, latest in rows])
    return hashlib.sha256(state.encode()).hexdigest()


# Workpapers and evidence are embedded under their document's title: a passage of "Debt" that reads
# "Agreed to the loan agreement." answers a question about the revolver only with its title beside it.
_TITLED = ("workpaper", "evidence")


def _embedded(piece: Piece) -> str:
    """What the model embeds for a passage (the text shown and cited stays the passage itself)."""
    return f"{piece.document}: {piece.text}" if piece.kind in _TITLED else piece.text


def _digest(piece: Piece) -> str:
    return hashlib.sha256(_embedded(piece).encode()).hexdigest()


def split(passage: str, limit: int = CHUNK_CHARS) -> list[str]:
    """The text in pieces of at most about `limit` characters, cut between sentences."""
    passage = passage.strip()
    if len(passage) <= limit:
        return [passage] if passage else []
    pieces: list[str] = []
    current = ""
    for sentence in _SPLIT.split(passage):
        sentence = sentence.strip()
        if not sentence:
            continue
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = ""
        while len(sentence) > limit:
            pieces.append(sentence[:limit])
            sentence = sentence[limit:]
        current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


def _pieces(
    kind: str, document: str, locator: str, body: str, client_visible: bool, reference: str = ""
) -> list[Piece]:
    parts = split(body)
    if len(parts) == 1:
        return [Piece(kind, document, locator, parts[0], client_visible, reference)]
    return [
        Piece(kind, document, f"{locator}, part {n}", part, client_visible, reference)
        for n, part in enumerate(parts, start=1)
    ]


def engagement_pieces(uow: UnitOfWork, engagement_id: uuid.UUID) -> Iterator[Piece]:
    """Every passage of the engagement's documents, in a stable order."""
    for source in (
        _workpaper_pieces,
        _review_note_pieces,
        _evidence_pieces,
        _client_request_pieces,
        _trial_balance_pieces,
        _journal_test_pieces,
    ):
        yield from source(uow, engagement_id)


def _flatten(content: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(section path, text) of a workpaper's structured content: its strings and numbers, keyed by where."""
    if isinstance(content, dict):
        for key, value in content.items():
            yield from _flatten(value, f"{path}.{key}" if path else str(key))
    elif isinstance(content, list):
        for i, value in enumerate(content, start=1):
            yield from _flatten(value, f"{path}[{i}]")
    elif isinstance(content, str | int | float | Decimal) and not isinstance(content, bool) and str(content).strip():
        yield path, str(content)


def _workpaper_pieces(uow: UnitOfWork, engagement_id: uuid.UUID) -> Iterator[Piece]:
    """Workpapers and notes of the binder, one passage per top-level section of their content (firm only)."""
    from shared.db.models_engagement import BinderNode

    nodes = uow.session.scalars(
        select(BinderNode)
        .where(BinderNode.engagement_id == engagement_id, BinderNode.kind.in_(("workpaper", "note")))
        .order_by(BinderNode.index_code, BinderNode.position, BinderNode.id)
    )
    for node in nodes:
        document = f"{node.index_code} {node.title}" if node.index_code else node.title
        sections: dict[str, list[str]] = defaultdict(list)
        for path, value in _flatten(node.content or {}):
            section = re.split(r"[.\[]", path, maxsplit=1)[0] or "content"
            label = path.replace("_", " ")
            sections[section].append(value if label == section.replace("_", " ") else f"{label}: {value}")
        if not sections:
            sections["title"] = [node.title]
        for section, values in sections.items():
            yield from _pieces(
                "workpaper",
                document,
                f"section {section.replace('_', ' ')}",
                "\n".join(values),
                False,
                f"node:{node.id}",
            )


def _review_note_pieces(uow: UnitOfWork, engagement_id: uuid.UUID) -> Iterator[Piece]:
    """Review notes with their replies, on the workpaper they are about (firm only)."""
    from shared.db.models_engagement import BinderNode, ReviewNote, ReviewNoteReply

    notes = uow.session.execute(
        select(ReviewNote, BinderNode.title, BinderNode.index_code)
        .join(BinderNode, BinderNode.id == ReviewNote.node_id)
        .where(ReviewNote.engagement_id == engagement_id)
        .order_by(ReviewNote.created_at, ReviewNote.id)
    ).all()
    replies: dict[uuid.UUID, list[str]] = defaultdict(list)
    for reply in uow.session.scalars(
        select(ReviewNoteReply)
        .where(ReviewNoteReply.engagement_id == engagement_id)
        .order_by(ReviewNoteReply.created_at)
    ):
        replies[reply.note_id].append(reply.body)
    for note, title, index_code in notes:
        on = f"{index_code} {title}" if index_code else title
        body = "\n".join(
            [f"Review note ({note.status}) on {on}: {note.body}", *(f"Reply: {r}" for r in replies[note.id])]
        )
        yield from _pieces(
            "review_note",
            f"Review note on {on}",
            f"note of {when(note.created_at)}",
            body,
            False,
            f"node:{note.node_id}",
        )


def _file_pieces(
    document: str, filename: str, container: str, blob_key: str, visible: bool, reference: str
) -> list[Piece]:
    from shared import text_extract
    from shared.storage import BlobNotFound, get_storage

    try:
        data = get_storage().get(container, blob_key)
    except BlobNotFound:
        return []
    found: list[Piece] = []
    for locator, body in text_extract.extract(filename, data):
        found.extend(_pieces("evidence", document, locator, body, visible, reference))
    return found


def _evidence_pieces(uow: UnitOfWork, engagement_id: uuid.UUID) -> Iterator[Piece]:
    """The text of the binder's evidence files, by page, paragraph or rows (the firm's file: firm only)."""
    from shared.db.models_engagement import EvidenceFile

    files = uow.session.scalars(
        select(EvidenceFile)
        .where(EvidenceFile.engagement_id == engagement_id)
        .order_by(EvidenceFile.uploaded_at, EvidenceFile.id)
    )
    for evidence in files:
        yield from _file_pieces(
            evidence.filename,
            evidence.filename,
            EVIDENCE_CONTAINER,
            evidence.blob_key,
            False,
            f"evidence:{evidence.id}",
        )


def _client_request_pieces(uow: UnitOfWork, engagement_id: uuid.UUID) -> Iterator[Piece]:
    """What was asked of the client, the conversation and the files sent against it: shared with the client."""
    from shared.db.models_client_requests import ClientRequest, ClientRequestAttachment, ClientRequestComment

    requests = list(
        uow.session.scalars(
            select(ClientRequest)
            .where(ClientRequest.engagement_id == engagement_id)
            .order_by(ClientRequest.created_at, ClientRequest.id)
        )
    )
    comments: dict[uuid.UUID, list[str]] = defaultdict(list)
    for comment in uow.session.scalars(
        select(ClientRequestComment)
        .where(ClientRequestComment.engagement_id == engagement_id)
        .order_by(ClientRequestComment.created_at)
    ):
        comments[comment.request_id].append(comment.body)
    attachments: dict[uuid.UUID, list[ClientRequestAttachment]] = defaultdict(list)
    for attachment in uow.session.scalars(
        select(ClientRequestAttachment)
        .where(ClientRequestAttachment.engagement_id == engagement_id)
        .order_by(ClientRequestAttachment.uploaded_at)
    ):
        attachments[attachment.request_id].append(attachment)
    for request in requests:
        document = f"Request: {request.title}"
        reference = f"request:{request.id}"
        lines = [f"Client request '{request.title}' ({request.status}, due {request.due_date.isoformat()})."]
        lines += [request.description] if request.description else []
        lines += [f"Comment: {body}" for body in comments[request.id]]
        yield from _pieces("evidence", document, "request", "\n".join(lines), True, reference)
        for attachment in attachments[request.id]:
            yield from _file_pieces(
                f"{attachment.filename} (sent for {request.title})",
                attachment.filename,
                EVIDENCE_CONTAINER,
                attachment.blob_key,
                True,
                reference,
            )


def _trial_balance_pieces(uow: UnitOfWork, engagement_id: uuid.UUID) -> Iterator[Piece]:
    """The mapped trial balance: one passage per account line and one per caption (firm only)."""
    from shared.mapped_tb import final_trial_balance
    from shared.standard_chart import shipped

    balance = final_trial_balance(uow, engagement_id=engagement_id)
    if balance is None:
        return
    captions = {account.code: account.caption for account in shipped()}
    by_caption: dict[str, list[Any]] = defaultdict(list)
    document = "Mapped trial balance"
    for line in balance.lines:
        caption = captions.get(line.standard_code or "", line.standard_code or "unmapped")
        mapped = (
            f"mapped to {line.standard_code} {caption} ({(line.section or '').replace('_', ' ')}, {line.status})"
            if line.standard_code
            else f"not mapped yet ({line.status})"
        )
        prior = f"; prior year {money(line.prior)}" if line.prior is not None else ""
        body = (
            f"Account {line.account_number} {line.account_name}: final balance {money(line.final)} "
            f"(unadjusted {money(line.unadjusted)}, adjustments {money(line.adjustments)}{prior}); {mapped}."
        )
        yield Piece(
            "trial_balance", document, f"account {line.account_number}", body, False, f"account:{line.account_number}"
        )
        by_caption[caption].append(line)
    for caption, lines in sorted(by_caption.items()):
        total = sum((line.final for line in lines), Decimal(0))
        priors = [line.prior for line in lines if line.prior is not None]
        prior = f"; prior year {money(sum(priors, Decimal(0)))}" if len(priors) == len(lines) else ""
        accounts = ", ".join(f"{line.account_number} {line.account_name} {money(line.final)}" for line in lines)
        body = (
            f"Caption {caption}: total final balance {money(total)}{prior}, from {len(lines)} account(s): {accounts}."
        )
        yield from _pieces("trial_balance", document, f"caption {caption}", body, False, f"caption:{caption}")


def _journal_test_pieces(uow: UnitOfWork, engagement_id: uuid.UUID) -> Iterator[Piece]:
    """The latest completed journal-entry run: each flagged journal's risk, tests, lines and triage (firm only)."""
    from shared import journal_lines
    from shared.db.models_analytics import JeDisposition, JeJournalRisk, JeRun

    run = uow.session.scalars(
        select(JeRun)
        .where(JeRun.engagement_id == engagement_id, JeRun.status == "completed")
        .order_by(JeRun.completed_at.desc())
        .limit(1)
    ).first()
    if run is None:
        return
    risks = list(
        uow.session.scalars(
            select(JeJournalRisk).where(JeJournalRisk.run_id == run.id).order_by(JeJournalRisk.rank).limit(MAX_JOURNALS)
        )
    )
    total = uow.session.execute(select(func.count()).where(JeJournalRisk.run_id == run.id)).scalar_one()
    dispositions = {
        row.journal_id: row
        for row in uow.session.scalars(
            select(JeDisposition).where(
                JeDisposition.dataset_id == run.dataset_id, JeDisposition.journal_id.in_([r.journal_id for r in risks])
            )
        )
    }
    lines = journal_lines.of_journals(uow.session, run.dataset_id, [risk.journal_id for risk in risks])
    document = f"Journal entry testing run of {when(run.completed_at)}"
    yield Piece(
        "journal_test",
        document,
        "summary",
        f"Journal entry tests run on {when(run.completed_at)} (dataset version {run.dataset_version}, "
        f"{run.fiscal_start.isoformat()} to {run.fiscal_end.isoformat()}): "
        f"tests {', '.join(_test_name(t) for t in run.tests)}; "
        f"{total} journal(s) flagged.",
        False,
        "journal-run",
    )
    for risk in risks:
        triage = dispositions.get(risk.journal_id)
        said = (
            f" Disposition: {triage.status.replace('_', ' ')}" + (f": {triage.note}" if triage and triage.note else "")
            if triage
            else " Disposition: open (not triaged)"
        )
        body = [
            f"Journal {risk.journal_id} was flagged by {', '.join(_test_name(t) for t in risk.tests)}; risk score "
            f"{risk.score} (rank {risk.rank} of {total}); {risk.flagged_lines} line(s) flagged; debits total "
            f"{money(risk.debit_total)}.{said}."
        ]
        for line in lines.get(risk.journal_id, [])[:20]:
            body.append(
                f"Line {line.line_number}: account {line.account_number}, amount {money(line.amount)}, effective "
                f"{line.effective_date.isoformat()}, entered by {line.entered_by or 'unknown'}"
                + (f", {line.description}" if line.description else "")
                + "."
            )
        yield from _pieces(
            "journal_test", document, f"journal {risk.journal_id}", "\n".join(body), False, f"journal:{risk.journal_id}"
        )


def _test_name(code: str) -> str:
    return code.replace("_", " ")


# --------------------------------------------------------------------------------------------- searching


@dataclass
class _Matrix:
    """The chunks one audience may read, ready to rank: vectors and an inverted index of their words."""

    hits: list[Hit]
    vectors: numpy.ndarray
    postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    lengths: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, hits: list[Hit], vectors: numpy.ndarray) -> _Matrix:
        matrix = cls(hits, vectors)
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for row, hit in enumerate(hits):
            counts = Counter(words(f"{hit.document} {hit.locator} {hit.text}"))
            matrix.lengths.append(sum(counts.values()))
            for word, count in counts.items():
                postings[word].append((row, count))
        matrix.postings = dict(postings)
        return matrix

    def lexical(self, question: str) -> numpy.ndarray:
        """BM25 of the question's words per row, scaled so the best row is 1 (all 0 when nothing matches)."""
        import numpy as np

        scores = np.zeros(len(self.hits), dtype=np.float32)
        if not self.hits:
            return scores
        average = max(sum(self.lengths) / len(self.lengths), 1.0)
        total = len(self.hits)
        for word in set(words(question)):
            posting = self.postings.get(word)
            if not posting:
                continue
            idf = math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
            for row, count in posting:
                norm = count + 1.2 * (0.25 + 0.75 * self.lengths[row] / average)
                scores[row] += idf * count * 2.2 / norm
        best = float(scores.max())
        return scores / best if best > 0 else scores

    def rank(self, question: str, query: numpy.ndarray, k: int, kinds: set[str] | None) -> list[Hit]:
        import numpy as np

        if not self.hits:
            return []
        scores = self.vectors @ query + LEXICAL_WEIGHT * self.lexical(question)
        if kinds is not None:
            allowed = np.array([hit.kind in kinds for hit in self.hits])
            scores = np.where(allowed, scores, -np.inf)
        count = min(k, int(np.isfinite(scores).sum()))
        if count <= 0:
            return []
        top = np.argpartition(-scores, count - 1)[:count]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [_scored(self.hits[i], float(scores[i])) for i in top]


def _scored(hit: Hit, score: float) -> Hit:
    return Hit(hit.chunk_id, hit.document, hit.locator, hit.text, round(score, 6), hit.kind)


_cache: OrderedDict[tuple[Any, ...], _Matrix] = OrderedDict()
_cache_lock = threading.Lock()


def _engagement_matrix(uow: UnitOfWork, engagement_id: uuid.UUID) -> _Matrix | None:
    """The chunks of the engagement this caller may read, cached per index version and audience."""
    import numpy as np

    state = index_state(uow, engagement_id)
    if state is None:
        return None
    client_scope = uow.session.execute(text("SELECT aura_current_client()")).scalar_one_or_none()
    key = (engagement_id, state.indexed_at, state.embedder, state.chunk_count, client_scope)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    rows = uow.session.execute(
        select(
            AssistantChunk.id,
            AssistantChunk.document,
            AssistantChunk.locator,
            AssistantChunk.text,
            AssistantChunk.kind,
            AssistantChunk.embedding,
        )
        .where(AssistantChunk.engagement_id == engagement_id)
        .order_by(AssistantChunk.position)
    ).all()
    hits = [Hit(row.id, row.document, row.locator, row.text, 0.0, row.kind) for row in rows]
    vectors = (
        np.frombuffer(b"".join(row.embedding for row in rows), dtype="<f4").reshape(len(rows), -1)
        if rows
        else np.zeros((0, 0), dtype=np.float32)
    )
    matrix = _Matrix.build(hits, vectors)
    with _cache_lock:
        _cache[key] = matrix
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return matrix


@dataclass(frozen=True)
class SourceSection:
    key: str  # source:<file>#<section>
    title: str
    heading: str
    text: str


def source_sections(directory: Path = KNOWLEDGE_DIR) -> list[SourceSection]:
    """The shipped public sources, one section per `## heading {#id}` (shared/knowledge/README.md)."""
    sections = []
    for path in sorted(directory.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        content = path.read_text(encoding="utf-8")
        title = content.splitlines()[0].lstrip("# ").strip() if content else path.stem
        found = list(_SECTION.finditer(content))
        for i, match in enumerate(found):
            end = found[i + 1].start() if i + 1 < len(found) else len(content)
            body = content[match.end() : end].strip()
            if body:
                sections.append(SourceSection(f"source:{path.stem}#{match['id']}", title, match["heading"], body))
    return sections


@functools.cache
def _source_matrix(embedder: str) -> _Matrix:
    """The public sources, embedded once per process and embedder."""
    sections = source_sections()
    hits = [
        Hit(
            source_chunk_id(section.key), section.title, f"{section.heading} ({section.key})", section.text, 0.0, SOURCE
        )
        for section in sections
    ]
    texts = [f"{s.title}: {s.heading}. {s.text}" for s in sections]
    return _Matrix.build(hits, _cached_embeddings(embedder, texts))


def _cached_embeddings(embedder: str, texts: list[str]) -> numpy.ndarray:
    """The sources' vectors from a file in the temporary folder named for the embedder and the exact texts,
    else embedded now and written there: a new process or instance pays the ~10 s of embedding once."""
    import numpy as np

    digest = hashlib.sha256(json.dumps([embedder, texts]).encode()).hexdigest()
    path = Path(tempfile.gettempdir()) / "aura-source-vectors" / f"{digest}.npy"
    try:
        cached: numpy.ndarray = np.load(path, allow_pickle=False)
        if cached.shape[0] == len(texts):
            return cached
    except (OSError, ValueError):
        pass
    vectors = language_model().embed(texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{uuid.uuid4().hex}.tmp.npy")
        np.save(partial, vectors, allow_pickle=False)
        partial.replace(path)
    except OSError:
        pass  # a read-only disk only costs the next process the same embedding
    return vectors


def sources() -> list[Hit]:
    """Every public source section as a Hit (score 0), e.g. to resolve a drafted note's citations."""
    return list(_source_matrix(embedder_of(language_model())).hits)


def search(
    uow: UnitOfWork, engagement_id: uuid.UUID, query: str, k: int = 5, kinds: set[str] | None = None
) -> list[Hit]:
    """The k passages best matching the question that the caller may see, best first: the engagement's
    chunks (row-level security decides which) and the public sources; `kinds` narrows them."""
    model = language_model()
    vector = model.embed([query], query=True)[0]
    found: list[Hit] = []
    matrix = _engagement_matrix(uow, engagement_id)
    if matrix is not None and (kinds is None or kinds - {SOURCE}):
        found.extend(matrix.rank(query, vector, k, kinds))
    if kinds is None or SOURCE in kinds:
        found.extend(_source_matrix(embedder_of(model)).rank(query, vector, k, None))
    found.sort(key=lambda hit: -hit.score)
    return found[:k]


def chunks_by_id(uow: UnitOfWork, engagement_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Hit]:
    """The chunks with these ids that the caller may see (engagement chunks under RLS, and public sources)."""
    wanted = set(ids)
    if not wanted:
        return {}
    found = {hit.chunk_id: hit for hit in sources() if hit.chunk_id in wanted}
    rest = wanted - set(found)
    if rest:
        rows = uow.session.execute(
            select(
                AssistantChunk.id,
                AssistantChunk.document,
                AssistantChunk.locator,
                AssistantChunk.text,
                AssistantChunk.kind,
            ).where(AssistantChunk.engagement_id == engagement_id, AssistantChunk.id.in_(rest))
        )
        found.update({row.id: Hit(row.id, row.document, row.locator, row.text, 0.0, row.kind) for row in rows})
    return found


def chunks_by_reference(uow: UnitOfWork, engagement_id: uuid.UUID, reference: str) -> list[Hit]:
    """The visible chunks about one thing (`journal:<id>`, `account:<number>`), in document order."""
    rows = uow.session.execute(
        select(
            AssistantChunk.id, AssistantChunk.document, AssistantChunk.locator, AssistantChunk.text, AssistantChunk.kind
        )
        .where(AssistantChunk.engagement_id == engagement_id, AssistantChunk.reference == reference)
        .order_by(AssistantChunk.position)
    )
    return [Hit(row.id, row.document, row.locator, row.text, 1.0, row.kind) for row in rows]


def money(amount: Decimal | None) -> str:
    """An amount as the documents write it: thousands separated, two decimals, minus for credits."""
    return "n/a" if amount is None else f"{amount:,.2f}"


def when(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""
