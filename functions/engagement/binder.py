"""Use cases of the binder: its tree of nodes, workpaper content and its versions, and sign-offs.

Every write first takes the engagement through `require(write=True)`,
so a finalized engagement answers 409 engagement_locked before anything else is looked at, and a
finalization cannot commit while the write is in flight (the share lock it holds).

Content is versioned optimistically: the writer sends the version it read, the node row is locked
(SELECT ... FOR UPDATE) and compared, and a stale writer gets 409 version_conflict. Every saved
state is a WorkpaperVersion row, so the loser of a race loses nothing but has to merge by hand.
What a new version does to sign-offs is in signoff_rules.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from functions.engagement import signoff_rules
from shared import clock
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.bus.events import WorkpaperSignedOff
from shared.db.models import User
from shared.db.models_engagement import BinderNode, NodeEvidence, ReviewNote, Signoff, WorkpaperVersion
from shared.db.uow import UnitOfWork
from shared.engagement_access import EngagementAccess, record, require
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

CONTENT_KINDS = frozenset({"workpaper", "note"})


@dataclass
class NodeView:
    """A node with what the binder shows beside it."""

    node: BinderNode
    evidence_ids: list[uuid.UUID] = field(default_factory=list)
    signoffs: dict[str, tuple[Signoff, str]] | None = None
    child_ids: list[uuid.UUID] = field(default_factory=list)


def invalid(field_name: str, message: str, value: Any = None) -> ValidationFailed:
    """A 400 naming the body field and the value that was refused."""
    shown = f" (got {value})" if value is not None else ""
    return ValidationFailed.field("body", field_name, message=f"{message}{shown}")


def _node_or_raise(uow: UnitOfWork, *, engagement_id: uuid.UUID, node_id: uuid.UUID, lock: bool = False) -> BinderNode:
    """A node of this engagement (a node of another engagement is as absent as a missing one)."""
    query = select(BinderNode).where(BinderNode.id == node_id, BinderNode.engagement_id == engagement_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    node = uow.session.scalar(query)
    if node is None:
        raise NotFound("No such binder node", code="node_not_found")
    return node


def _require_structure(access: EngagementAccess, what: str) -> None:
    """Sections, moves and deleting work shape the audit file, which is the manager's and partner's
    to decide (binder.structure); preparers add and fill workpapers within that shape."""
    if not access.can(Permission.BINDER_STRUCTURE):
        raise Forbidden(
            f"Only the engagement's manager or partner may {what}: the binder's sections, moves and "
            "deletions of work are theirs to decide",
            code="forbidden",
        )


def _holds_work(node: BinderNode) -> bool:
    """Whether deleting the node would throw work away: a folder (a section of the file), or a
    workpaper or note saved more than once or with content."""
    return node.kind == "folder" or node.version > 1 or bool(node.content)


def _lock_tree(uow: UnitOfWork, engagement_id: uuid.UUID) -> None:
    """Serialise structural changes of one binder, so two concurrent moves cannot build a cycle."""
    uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('binder:' || :id))"), {"id": str(engagement_id)})


# --- views -----------------------------------------------------------------------------------------


# The binder's statements, built once (the tree is read on every poll; building them cost more than running them).
_ACTIVE_SIGNOFFS = (
    select(Signoff, User.display_name, User.email)
    .join(User, User.id == Signoff.user_id)
    .where(Signoff.engagement_id == bindparam("engagement_id"), Signoff.cleared_at.is_(None))
)
_EVIDENCE_LINKS = (
    select(NodeEvidence.node_id, NodeEvidence.evidence_id)
    .where(NodeEvidence.engagement_id == bindparam("engagement_id"))
    .order_by(NodeEvidence.linked_at, NodeEvidence.evidence_id)
)
_BINDER_NODES = (
    select(BinderNode)
    .where(BinderNode.engagement_id == bindparam("engagement_id"))
    .order_by(BinderNode.position, BinderNode.index_code, BinderNode.title, BinderNode.id)
    # The tree shows no content; a binder of large workpapers should not drag it all along.
    .options(defer(BinderNode.content, raiseload=True))
)


def _active_signoffs(
    uow: UnitOfWork, engagement_id: uuid.UUID, node_ids: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, dict[str, tuple[Signoff, str]]]:
    """Active sign-offs by node and step, with the signer's name; of the whole engagement when no
    node ids are given (one indexed scan rather than thousands of bound ids)."""
    found: dict[uuid.UUID, dict[str, tuple[Signoff, str]]] = defaultdict(dict)
    query = _ACTIVE_SIGNOFFS
    if node_ids is not None:
        query = query.where(Signoff.node_id.in_(node_ids))
    for signoff, display_name, email in uow.session.execute(query, {"engagement_id": engagement_id}).all():
        found[signoff.node_id][signoff.step] = (signoff, display_name or email)
    return found


def _evidence_links(
    uow: UnitOfWork, engagement_id: uuid.UUID, node_ids: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, list[uuid.UUID]]:
    query = _EVIDENCE_LINKS
    if node_ids is not None:
        query = query.where(NodeEvidence.node_id.in_(node_ids))
    links: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for node_id, evidence_id in uow.session.execute(query, {"engagement_id": engagement_id}):
        links[node_id].append(evidence_id)
    return links


def _view(uow: UnitOfWork, node: BinderNode) -> NodeView:
    signable = node.kind in signoff_rules.SIGNABLE_KINDS
    signoffs = _active_signoffs(uow, node.engagement_id, [node.id]).get(node.id, {}) if signable else None
    children = uow.session.scalars(
        select(BinderNode.id)
        .where(BinderNode.engagement_id == node.engagement_id, BinderNode.parent_id == node.id)
        .order_by(BinderNode.position, BinderNode.index_code, BinderNode.title, BinderNode.id)
    ).all()
    return NodeView(
        node=node,
        evidence_ids=_evidence_links(uow, node.engagement_id, [node.id]).get(node.id, []),
        signoffs=signoffs,
        child_ids=list(children),
    )


# Everything the binder tree shows, as text digests computed in the database: the nodes' columns (not their
# content, which the tree does not show), every sign-off with its signer's name, and the evidence links.
# Any change to what GET .../binder answers changes one of them; over-counting (a cleared sign-off) only
# costs a 200 where a 304 would have done.
_BINDER_DIGEST = text(
    """
    SELECT
      (SELECT md5(coalesce(string_agg(ROW(n.id, n.parent_id, n.kind, n.index_code, n.title, n.position,
                                           n.version, n.evidence_id, n.updated_by, n.updated_at)::text,
                                       ',' ORDER BY n.id), ''))
         FROM binder_nodes n WHERE n.engagement_id = :engagement),
      (SELECT md5(coalesce(string_agg(ROW(s.id, s.node_id, s.step, s.user_id, s.node_version, s.signed_at,
                                           s.cleared_at, u.display_name, u.email)::text,
                                       ',' ORDER BY s.id), ''))
         FROM signoffs s JOIN users u ON u.id = s.user_id WHERE s.engagement_id = :engagement),
      (SELECT md5(coalesce(string_agg(ROW(e.node_id, e.evidence_id, e.linked_at)::text,
                                       ',' ORDER BY e.node_id, e.evidence_id), ''))
         FROM node_evidence e WHERE e.engagement_id = :engagement)
    """
)


def binder_validator_or_raise(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> str:
    """The binder's ETag, from one aggregate statement rather than from the built tree, so a poll that
    still holds it is answered before anything is built. Checks access first (404 like the binder)."""
    require(uow, principal=principal, engagement_id=engagement_id)
    digests = uow.session.execute(_BINDER_DIGEST, {"engagement": engagement_id}).one()
    joined = "|".join([str(engagement_id), *(str(d) for d in digests)])
    return '"b-' + hashlib.sha256(joined.encode()).hexdigest()[:32] + '"'


def get_binder_or_raise(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> list[NodeView]:
    """Every node of the engagement's binder in display order, with sign-off state and evidence."""
    require(uow, principal=principal, engagement_id=engagement_id)
    return binder_views(uow=uow, engagement_id=engagement_id)


def binder_views(*, uow: UnitOfWork, engagement_id: uuid.UUID) -> list[NodeView]:
    """The binder of an engagement whose access the caller's unit of work has already checked."""
    nodes = uow.session.scalars(_BINDER_NODES, {"engagement_id": engagement_id}).all()
    signoffs = _active_signoffs(uow, engagement_id)
    links = _evidence_links(uow, engagement_id)
    children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for node in nodes:
        if node.parent_id is not None:
            children[node.parent_id].append(node.id)
    return [
        NodeView(
            node=node,
            evidence_ids=links.get(node.id, []),
            signoffs=signoffs.get(node.id, {}) if node.kind in signoff_rules.SIGNABLE_KINDS else None,
            child_ids=children.get(node.id, []),
        )
        for node in nodes
    ]


def get_node_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, node_id: uuid.UUID
) -> NodeView:
    """One node with its content."""
    require(uow, principal=principal, engagement_id=engagement_id)
    return _view(uow, _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id))


# --- structure -------------------------------------------------------------------------------------


def _parent_folder_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, parent_id: uuid.UUID) -> BinderNode:
    parent = uow.session.scalar(
        select(BinderNode).where(BinderNode.id == parent_id, BinderNode.engagement_id == engagement_id)
    )
    if parent is None:
        raise invalid("parent_id", "no binder node of this engagement", parent_id)
    if parent.kind != "folder":
        raise invalid("parent_id", f"the parent must be a folder, not a {parent.kind}", parent_id)
    return parent


def _index_code_taken(index_code: str) -> Conflict:
    return Conflict(
        f"Index code {index_code!r} is already used in this binder", code="index_code_taken", index_code=index_code
    )


def _check_index_code_free(
    uow: UnitOfWork, engagement_id: uuid.UUID, index_code: str, but: uuid.UUID | None = None
) -> None:
    query = select(BinderNode.id).where(BinderNode.engagement_id == engagement_id, BinderNode.index_code == index_code)
    if but is not None:
        query = query.where(BinderNode.id != but)
    if uow.session.scalar(query) is not None:
        raise _index_code_taken(index_code)


def _flush_or_index_conflict(uow: UnitOfWork, index_code: str | None) -> None:
    """Flush; a concurrent writer that took the same index code first surfaces as the same 409."""
    try:
        uow.session.flush()
    except IntegrityError as error:
        if index_code and "index_code" in str(error.orig):
            raise _index_code_taken(index_code) from error
        raise


def _next_position(uow: UnitOfWork, engagement_id: uuid.UUID, parent_id: uuid.UUID | None) -> int:
    last = uow.session.scalar(
        select(func.max(BinderNode.position)).where(BinderNode.engagement_id == engagement_id, _same_parent(parent_id))
    )
    return 0 if last is None else last + 1


def _same_parent(parent_id: uuid.UUID | None) -> Any:
    return BinderNode.parent_id.is_(None) if parent_id is None else BinderNode.parent_id == parent_id


def _make_room(uow: UnitOfWork, engagement_id: uuid.UUID, parent_id: uuid.UUID | None, position: int) -> None:
    """Shift the siblings at and after `position` down one, so an inserted node lands exactly there."""
    uow.session.execute(
        update(BinderNode)
        .where(BinderNode.engagement_id == engagement_id, _same_parent(parent_id), BinderNode.position >= position)
        .values(position=BinderNode.position + 1)
        .execution_options(synchronize_session=False)
    )


def create_node(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, fields: dict[str, Any]) -> NodeView:
    """A folder, workpaper, note or evidence node in the binder; workpapers and notes start at version 1."""
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=Permission.WORKPAPER_PREPARE
    )
    kind: str = fields["kind"]
    parent_id: uuid.UUID | None = fields.get("parent_id")
    evidence_id: uuid.UUID | None = fields.get("evidence_id")
    content: dict[str, Any] | None = fields.get("content")
    if kind == "evidence":
        if evidence_id is None:
            raise invalid("evidence_id", "required for a node of kind evidence")
        from functions.engagement.evidence import get_evidence_file

        if get_evidence_file(uow, engagement_id=engagement_id, evidence_id=evidence_id) is None:
            raise invalid("evidence_id", "no evidence file of this engagement", evidence_id)
    elif evidence_id is not None:
        raise invalid("evidence_id", f"only a node of kind evidence shows a file; link files to a {kind} instead")
    if content is not None and kind not in CONTENT_KINDS:
        raise invalid("content", f"a {kind} has no content; only workpapers and notes do")
    if kind == "folder":
        _require_structure(access, "add a section or folder")
    _lock_tree(uow, engagement_id)
    if parent_id is not None:
        _parent_folder_or_raise(uow, engagement_id, parent_id)
    index_code: str | None = fields.get("index_code")
    if index_code:
        _check_index_code_free(uow, engagement_id, index_code)
    position = fields.get("position")
    if position is None:
        position = _next_position(uow, engagement_id, parent_id)
    else:
        _make_room(uow, engagement_id, parent_id, position)
    if kind in CONTENT_KINDS and content is None:
        content = {}
    node = BinderNode(
        id=uuid.uuid4(),
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        parent_id=parent_id,
        kind=kind,
        index_code=index_code,
        title=fields["title"],
        position=position,
        content=content,
        version=1,
        evidence_id=evidence_id,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    uow.session.add(node)
    _flush_or_index_conflict(uow, index_code)
    if kind in CONTENT_KINDS:
        _add_version(uow, node, reason="created", editor=principal.user_id)
    record(
        uow,
        "binder.node_created",
        engagement_id=engagement_id,
        target_type="binder_node",
        target_id=node.id,
        kind=kind,
        index_code=index_code,
        title=node.title,
        parent_id=str(parent_id) if parent_id else None,
    )
    uow.commit()
    return _view(uow, node)


def _descendant_ids(uow: UnitOfWork, engagement_id: uuid.UUID, node_id: uuid.UUID) -> set[uuid.UUID]:
    tree = (
        select(BinderNode.id)
        .where(BinderNode.engagement_id == engagement_id, BinderNode.parent_id == node_id)
        .cte("subtree", recursive=True)
    )
    tree = tree.union_all(
        select(BinderNode.id).where(BinderNode.engagement_id == engagement_id, BinderNode.parent_id == tree.c.id)
    )
    return set(uow.session.scalars(select(tree.c.id)).all())


def update_node(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, node_id: uuid.UUID, changes: dict[str, Any]
) -> NodeView:
    """Rename or move a node; neither changes its content version nor clears its sign-offs."""
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=Permission.WORKPAPER_PREPARE
    )
    _lock_tree(uow, engagement_id)
    node = _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id, lock=True)
    position = changes.get("position")
    if ("parent_id" in changes and changes["parent_id"] != node.parent_id) or position not in (None, node.position):
        _require_structure(access, "move a node of the binder")
    if node.kind == "folder" and any(changes.get(key, getattr(node, key)) != getattr(node, key) for key in changes):
        _require_structure(access, "rename a section or folder")
    before = {
        "title": node.title,
        "index_code": node.index_code,
        "parent_id": node.parent_id,
        "position": node.position,
    }
    if "title" in changes:
        if changes["title"] is None:
            raise invalid("title", "a node needs a title")
        node.title = changes["title"]
    if "index_code" in changes:
        index_code = changes["index_code"]
        if index_code and index_code != node.index_code:
            _check_index_code_free(uow, engagement_id, index_code, but=node.id)
        node.index_code = index_code
    moving = "parent_id" in changes and changes["parent_id"] != node.parent_id
    if moving:
        parent_id = changes["parent_id"]
        if parent_id is not None:
            if parent_id == node.id or parent_id in _descendant_ids(uow, engagement_id, node.id):
                raise invalid("parent_id", "a node cannot be moved under itself or one of its descendants", parent_id)
            _parent_folder_or_raise(uow, engagement_id, parent_id)
        node.parent_id = parent_id
    if changes.get("position") is not None:
        _make_room(uow, engagement_id, node.parent_id, changes["position"])
        node.position = changes["position"]
    elif moving:
        node.position = _next_position(uow, engagement_id, node.parent_id)
    node.updated_by = principal.user_id
    _flush_or_index_conflict(uow, node.index_code)
    after = {"title": node.title, "index_code": node.index_code, "parent_id": node.parent_id, "position": node.position}
    changed = {
        key: {"from": _plain(before[key]), "to": _plain(after[key])} for key in after if before[key] != after[key]
    }
    action = "binder.node_moved" if moving else "binder.node_updated"
    record(uow, action, engagement_id=engagement_id, target_type="binder_node", target_id=node.id, changes=changed)
    uow.commit()
    return _view(uow, node)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def delete_node(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, node_id: uuid.UUID) -> None:
    """Remove an empty node: no children, no active sign-offs, no review notes, no linked evidence.

    Its version history and cleared sign-offs go with it; the audit log keeps the deletion."""
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=Permission.WORKPAPER_PREPARE
    )
    _lock_tree(uow, engagement_id)
    node = _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id, lock=True)
    if _holds_work(node):
        _require_structure(
            access, f"delete a {node.kind} that holds work" if node.kind != "folder" else "delete a section or folder"
        )
    session = uow.session
    in_the_way: dict[str, int] = {
        "children": session.scalar(select(func.count()).where(BinderNode.parent_id == node.id)) or 0,
        "active_signoffs": session.scalar(
            select(func.count()).where(Signoff.node_id == node.id, Signoff.cleared_at.is_(None))
        )
        or 0,
        "review_notes": session.scalar(select(func.count()).where(ReviewNote.node_id == node.id)) or 0,
        "linked_evidence": session.scalar(select(func.count()).where(NodeEvidence.node_id == node.id)) or 0,
    }
    blocking = {name: count for name, count in in_the_way.items() if count}
    if blocking:
        listed = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in blocking.items())
        raise Conflict(f"The node is not empty: it has {listed}", code="node_not_empty", blocking=blocking)
    session.execute(delete(Signoff).where(Signoff.node_id == node.id))
    session.execute(delete(WorkpaperVersion).where(WorkpaperVersion.node_id == node.id))
    session.delete(node)
    session.flush()
    record(
        uow,
        "binder.node_deleted",
        engagement_id=engagement_id,
        target_type="binder_node",
        target_id=node.id,
        kind=node.kind,
        index_code=node.index_code,
        title=node.title,
        version=node.version,
    )
    uow.commit()


# --- content and versions --------------------------------------------------------------------------


def stale_version(uow: UnitOfWork, *, node: BinderNode, shown: int, what_to_do: str) -> Conflict:
    """The 409 for a writer or signer who acts on a version that is no longer current: it names the
    current version and who saved it when, so the person can see what changed under them."""
    row = uow.session.execute(
        select(WorkpaperVersion.changed_by, WorkpaperVersion.changed_at, User.display_name, User.email)
        .outerjoin(User, User.id == WorkpaperVersion.changed_by)
        .where(WorkpaperVersion.node_id == node.id, WorkpaperVersion.version == node.version)
    ).first()
    changed_by, changed_at, name = (row[0], row[1], row[2] or row[3]) if row else (None, None, None)
    when = f" at {changed_at:%Y-%m-%d %H:%M} UTC" if changed_at else ""
    who = f" by {name}" if name else ""
    return Conflict(
        f"The {node.kind} you were shown is version {shown}; it has since changed to version {node.version}"
        f"{who}{when}. Reload it and {what_to_do}.",
        code="version_conflict",
        current_version=node.version,
        your_version=shown,
        changed_by=str(changed_by) if changed_by else None,
        changed_by_name=name,
        changed_at=changed_at.isoformat() if changed_at else None,
    )


def _add_version(uow: UnitOfWork, node: BinderNode, *, reason: str, editor: uuid.UUID) -> None:
    uow.session.add(
        WorkpaperVersion(
            firm_id=node.firm_id,
            engagement_id=node.engagement_id,
            node_id=node.id,
            version=node.version,
            title=node.title,
            content=node.content,
            change_reason=reason,
            changed_by=editor,
        )
    )
    uow.session.flush()


def save_content(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    node_id: uuid.UUID,
    content: dict[str, Any],
    version: int,
    reason: str | None,
) -> NodeView:
    """Save a new version of a workpaper's or note's content, if the writer read the current one."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=Permission.WORKPAPER_PREPARE)
    node = _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id, lock=True)
    if node.kind not in CONTENT_KINDS:
        raise Conflict(f"A {node.kind} has no content; only workpapers and notes do", code="no_content")
    if version != node.version:
        raise stale_version(uow, node=node, shown=version, what_to_do="merge your change into it")
    reason = (reason or "").strip() or None
    node.content = content
    node.version += 1
    node.updated_by = principal.user_id
    uow.session.flush()
    _add_version(uow, node, reason=reason or "", editor=principal.user_id)
    record(
        uow,
        "workpaper.content_saved",
        engagement_id=engagement_id,
        target_type="binder_node",
        target_id=node.id,
        version=node.version,
        reason=reason,
    )
    active = _active_signoff_rows(uow, node.id)
    cleared = signoff_rules.cleared_by_change(principal.user_id, {step: row.user_id for step, row in active.items()})
    why = signoff_rules.change_reason(node.version, principal.email or str(principal.user_id), reason)
    _clear(uow, [active[step] for step in cleared], by=principal.user_id, reason=why)
    uow.commit()
    return _view(uow, node)


def list_versions(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, node_id: uuid.UUID
) -> tuple[BinderNode, list[WorkpaperVersion]]:
    """Every saved state of a workpaper or note, newest first (without content)."""
    require(uow, principal=principal, engagement_id=engagement_id)
    node = _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id)
    rows = uow.session.scalars(
        select(WorkpaperVersion).where(WorkpaperVersion.node_id == node.id).order_by(WorkpaperVersion.version.desc())
    ).all()
    return node, list(rows)


def get_version_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, node_id: uuid.UUID, version: int
) -> WorkpaperVersion:
    """One saved state, with its content."""
    require(uow, principal=principal, engagement_id=engagement_id)
    node = _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id)
    row = uow.session.scalar(
        select(WorkpaperVersion).where(WorkpaperVersion.node_id == node.id, WorkpaperVersion.version == version)
    )
    if row is None:
        raise NotFound(f"The node has no version {version}", code="version_not_found")
    return row


# --- sign-offs -------------------------------------------------------------------------------------


def _active_signoff_rows(uow: UnitOfWork, node_id: uuid.UUID) -> dict[str, Signoff]:
    rows = uow.session.scalars(select(Signoff).where(Signoff.node_id == node_id, Signoff.cleared_at.is_(None))).all()
    return {row.step: row for row in rows}


def _clear(uow: UnitOfWork, signoffs: list[Signoff], *, by: uuid.UUID, reason: str) -> None:
    if not signoffs:
        return
    now = clock.now()
    for signoff in signoffs:
        signoff.cleared_at = now
        signoff.cleared_by = by
        signoff.cleared_reason = reason
    uow.session.flush()
    for signoff in signoffs:
        record(
            uow,
            "workpaper.signoff_cleared",
            engagement_id=signoff.engagement_id,
            target_type="binder_node",
            target_id=signoff.node_id,
            signoff_id=str(signoff.id),
            step=signoff.step,
            signed_by=str(signoff.user_id),
            reason=reason,
        )


def _signable_or_raise(node: BinderNode) -> None:
    if node.kind not in signoff_rules.SIGNABLE_KINDS:
        raise Conflict(f"Only workpapers are signed off, not a {node.kind}", code="not_signable")


def sign(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, node_id: uuid.UUID, step: str, version: int
) -> Signoff:
    """Sign one step of a workpaper at the version the signer was shown, in order and by a different
    person than its preparer. A sign-off is evidence of what the signer looked at, so a version that
    changed under them is refused rather than signed in their name."""
    require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=signoff_rules.PERMISSION_FOR_STEP[step],
    )
    node = _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id, lock=True)
    _signable_or_raise(node)
    if version != node.version:
        raise stale_version(uow, node=node, shown=version, what_to_do=f"look at it again before you {step} it")
    active = _active_signoff_rows(uow, node.id)
    refusal = signoff_rules.refusal_to_sign(step, principal.user_id, {s: row.user_id for s, row in active.items()})
    if refusal is not None:
        raise Conflict(refusal.detail, code=refusal.code)
    signoff = Signoff(
        firm_id=node.firm_id,
        engagement_id=engagement_id,
        node_id=node.id,
        step=step,
        user_id=principal.user_id,
        node_version=node.version,
    )
    uow.session.add(signoff)
    try:
        uow.session.flush()
    except IntegrityError as error:
        raise Conflict(f"The {step} step is already signed", code="already_signed") from error
    record(
        uow,
        "workpaper.signed",
        engagement_id=engagement_id,
        target_type="binder_node",
        target_id=node.id,
        signoff_id=str(signoff.id),
        step=step,
        node_version=node.version,
    )
    uow.publish(
        WorkpaperSignedOff(
            engagement_id=engagement_id, node_id=node.id, signoff_id=signoff.id, step=step, user_id=principal.user_id
        )
    )
    uow.commit()
    return signoff


def list_signoffs(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, node_id: uuid.UUID
) -> list[Signoff]:
    """Every sign-off of a node, the cleared ones included, in the order they were given."""
    require(uow, principal=principal, engagement_id=engagement_id)
    node = _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id)
    rows = uow.session.scalars(
        select(Signoff).where(Signoff.node_id == node.id).order_by(Signoff.signed_at, Signoff.id)
    ).all()
    return list(rows)


def withdraw(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, node_id: uuid.UUID, step: str) -> None:
    """Withdraw one's own active sign-off; the later steps resting on it are cleared with it."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True)
    if step not in signoff_rules.STEPS:
        raise ValidationFailed.field(
            "path",
            "step",
            message=f"unknown step {step!r}",
            detail=f"step: {step!r} is not one of {', '.join(signoff_rules.STEPS)}",
        )
    node = _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id, lock=True)
    _signable_or_raise(node)
    active = _active_signoff_rows(uow, node.id)
    signers = {s: row.user_id for s, row in active.items()}
    refusal = signoff_rules.refusal_to_withdraw(step, principal.user_id, signers)
    if refusal is not None:
        if refusal.code == "signoff_not_found":
            raise NotFound(refusal.detail, code=refusal.code)
        raise Forbidden(refusal.detail, code=refusal.code)
    who = principal.email or str(principal.user_id)
    _clear(uow, [active[step]], by=principal.user_id, reason=f"{step} withdrawn by {who}")
    later = signoff_rules.cleared_by_withdrawal(step, signers)
    _clear(uow, [active[s] for s in later], by=principal.user_id, reason=f"{step} sign-off withdrawn by {who}")
    record(
        uow,
        "workpaper.signoff_withdrawn",
        engagement_id=engagement_id,
        target_type="binder_node",
        target_id=node.id,
        step=step,
        also_cleared=list(later),
    )
    uow.commit()
