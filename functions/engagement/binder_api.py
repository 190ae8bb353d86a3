"""HTTP triggers of the binder, workpaper content and versions, sign-offs and evidence files."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import azure.functions as func
from pydantic import BaseModel

from functions.engagement import binder, bp, evidence
from functions.engagement import binder_schemas as schemas
from functions.engagement.binder import NodeView
from functions.engagement.evidence import EvidenceView
from shared.auth.permissions import Permission
from shared.db.models_engagement import Signoff, WorkpaperVersion
from shared.errors import NotFound
from shared.http import Call, Page, endpoint, file_response
from shared.http.downloads import NO_STORE

BINDER = ["binder"]
EVIDENCE = ["evidence"]
ENGAGEMENT = "engagements/{engagement_id:guid}"
NODE = ENGAGEMENT + "/binder/nodes/{node_id:guid}"
UPLOADS = ENGAGEMENT + "/evidence/uploads"
_SIGNED_AS = {"prepare": "prepared", "review": "reviewed", "approve": "approved"}


def _node_fields(view: NodeView) -> dict[str, Any]:
    node = view.node
    signoffs = None
    if view.signoffs is not None:
        signoffs = schemas.SignoffState(
            **{
                _SIGNED_AS[step]: schemas.Signature(
                    user_id=row.user_id, display_name=name, signed_at=row.signed_at, node_version=row.node_version
                )
                for step, (row, name) in view.signoffs.items()
            }
        )
    return {
        "id": node.id,
        "parent_id": node.parent_id,
        "kind": node.kind,
        "index_code": node.index_code,
        "title": node.title,
        "position": node.position,
        "version": node.version,
        "evidence_id": node.evidence_id,
        "evidence_ids": view.evidence_ids,
        "signoffs": signoffs,
        "updated_by": node.updated_by,
        "updated_at": node.updated_at,
    }


def _detail(view: NodeView) -> schemas.NodeDetail:
    return schemas.NodeDetail(**_node_fields(view), content=view.node.content, child_ids=view.child_ids)


def _tree(views: list[NodeView]) -> list[schemas.TreeNode]:
    by_id = {view.node.id: view for view in views}

    def build(view: NodeView) -> schemas.TreeNode:
        return schemas.TreeNode(**_node_fields(view), children=[build(by_id[child]) for child in view.child_ids])

    return [build(view) for view in views if view.node.parent_id is None]


def _version(row: WorkpaperVersion) -> schemas.VersionRead:
    return schemas.VersionRead.model_validate(row, from_attributes=True)


def _signoff(row: Signoff) -> schemas.SignoffRead:
    return schemas.SignoffRead(
        id=row.id,
        node_id=row.node_id,
        step=row.step,
        user_id=row.user_id,
        node_version=row.node_version,
        signed_at=row.signed_at,
        active=row.cleared_at is None,
        cleared_at=row.cleared_at,
        cleared_by=row.cleared_by,
        cleared_reason=row.cleared_reason,
    )


def _evidence(view: EvidenceView) -> schemas.EvidenceRead:
    row = view.evidence
    return schemas.EvidenceRead(
        id=row.id,
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
        node_ids=view.node_ids,
    )


def _held(call: Call) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in (call.request.headers.get("If-None-Match") or "").split(",")}


def _conditional(call: Call, model: BaseModel) -> func.HttpResponse:
    """The response with an ETag of its body, or 304 when the caller already holds that body.

    Screens poll the binder and the open node every few seconds so that nobody acts on an old view;
    a 304 keeps that polling cheap on the wire and tells the portal nothing changed."""
    payload = model.model_dump_json(by_alias=True)
    etag = '"' + hashlib.sha256(payload.encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": NO_STORE}  # the portal keeps the ETag itself
    held = _held(call)
    if etag in held or "*" in held:
        return func.HttpResponse(status_code=304, headers=headers)
    return func.HttpResponse(payload, status_code=200, headers={**headers, "Content-Type": "application/json"})


def _ids(call: Call, *names: str) -> dict[str, uuid.UUID]:
    return {name: call.route_uuid(name) for name in names}


# --- binder ----------------------------------------------------------------------------------------


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/binder",
    name="get_binder",
    summary=(
        "The engagement's binder as a tree, with sign-off state and linked evidence; answers with an ETag, "
        "and 304 to an If-None-Match that still matches"
    ),
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.BinderRead,
    errors=[404],
)
def get_binder(call: Call) -> func.HttpResponse:
    engagement_id = call.route_uuid("engagement_id")
    with call.uow() as uow:
        # The validator comes from one aggregate statement, so a poll that holds it gets its 304 before
        # the tree is read and serialised; otherwise the tree goes out with that same ETag.
        etag = binder.binder_validator_or_raise(uow=uow, principal=call.user, engagement_id=engagement_id)
        headers = {"ETag": etag, "Cache-Control": NO_STORE}  # the portal keeps the ETag itself
        held = _held(call)
        if etag in held or "*" in held:
            return func.HttpResponse(status_code=304, headers=headers)
        views = binder.binder_views(uow=uow, engagement_id=engagement_id)
        payload = schemas.BinderRead(engagement_id=engagement_id, nodes=_tree(views)).model_dump_json(by_alias=True)
        return func.HttpResponse(payload, status_code=200, headers={**headers, "Content-Type": "application/json"})


@endpoint(
    bp,
    "POST",
    ENGAGEMENT + "/binder/nodes",
    name="create_binder_node",
    summary="Add a folder, workpaper, note or evidence node to the binder",
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.NodeCreate,
    response=schemas.NodeDetail,
    status=201,
    errors=[404, 409],
)
def create_binder_node(call: Call) -> schemas.NodeDetail:
    with call.uow() as uow:
        view = binder.create_node(
            uow=uow, principal=call.user, fields=call.body.model_dump(), **_ids(call, "engagement_id")
        )
        return _detail(view)


@endpoint(
    bp,
    "GET",
    NODE,
    name="get_binder_node",
    summary="One binder node with its content; answers with an ETag, and 304 to an If-None-Match that still matches",
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.NodeDetail,
    errors=[404],
)
def get_binder_node(call: Call) -> func.HttpResponse:
    with call.uow() as uow:
        view = binder.get_node_or_raise(uow=uow, principal=call.user, **_ids(call, "engagement_id", "node_id"))
        return _conditional(call, _detail(view))


@endpoint(
    bp,
    "PATCH",
    NODE,
    name="update_binder_node",
    summary="Rename or move a binder node (sign-offs stay)",
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.NodeUpdate,
    response=schemas.NodeDetail,
    errors=[404, 409],
)
def update_binder_node(call: Call) -> schemas.NodeDetail:
    changes = call.body.model_dump(exclude_unset=True)
    with call.uow() as uow:
        view = binder.update_node(
            uow=uow, principal=call.user, changes=changes, **_ids(call, "engagement_id", "node_id")
        )
        return _detail(view)


@endpoint(
    bp,
    "DELETE",
    NODE,
    name="delete_binder_node",
    summary="Remove an empty binder node",
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    status=204,
    errors=[404, 409],
)
def delete_binder_node(call: Call) -> None:
    with call.uow() as uow:
        binder.delete_node(uow=uow, principal=call.user, **_ids(call, "engagement_id", "node_id"))


# --- content and versions --------------------------------------------------------------------------


@endpoint(
    bp,
    "PUT",
    NODE + "/content",
    name="save_workpaper_content",
    summary="Save a new version of a workpaper's or note's content (409 version_conflict if stale)",
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.ContentSave,
    response=schemas.NodeDetail,
    errors=[404, 409],
)
def save_workpaper_content(call: Call) -> schemas.NodeDetail:
    body: schemas.ContentSave = call.body
    with call.uow() as uow:
        view = binder.save_content(
            uow=uow,
            principal=call.user,
            content=body.content,
            version=body.version,
            reason=body.reason,
            **_ids(call, "engagement_id", "node_id"),
        )
        return _detail(view)


@endpoint(
    bp,
    "GET",
    NODE + "/versions",
    name="list_workpaper_versions",
    summary="Every saved version of a workpaper or note, newest first",
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.VersionList,
    errors=[404],
)
def list_workpaper_versions(call: Call) -> schemas.VersionList:
    with call.uow() as uow:
        node, rows = binder.list_versions(uow=uow, principal=call.user, **_ids(call, "engagement_id", "node_id"))
        return schemas.VersionList(node_id=node.id, current_version=node.version, items=[_version(r) for r in rows])


@endpoint(
    bp,
    "GET",
    NODE + "/versions/{version:int}",
    name="get_workpaper_version",
    summary="One saved version of a workpaper or note, with its content",
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.VersionDetail,
    errors=[404],
)
def get_workpaper_version(call: Call) -> schemas.VersionDetail:
    try:
        version = int(call.request.route_params.get("version", ""))
    except ValueError as error:
        raise NotFound("No such version", code="version_not_found") from error
    with call.uow() as uow:
        row = binder.get_version_or_raise(
            uow=uow, principal=call.user, version=version, **_ids(call, "engagement_id", "node_id")
        )
        return schemas.VersionDetail(**_version(row).model_dump(), node_id=row.node_id, content=row.content)


# --- sign-offs -------------------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    NODE + "/signoffs",
    name="sign_workpaper",
    summary="Sign a workpaper: prepare, then review, then approve",
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.SignoffCreate,
    response=schemas.SignoffRead,
    status=201,
    errors=[403, 404, 409],
)
def sign_workpaper(call: Call) -> schemas.SignoffRead:
    with call.uow() as uow:
        body: schemas.SignoffCreate = call.body
        row = binder.sign(
            uow=uow, principal=call.user, step=body.step, version=body.version, **_ids(call, "engagement_id", "node_id")
        )
        return _signoff(row)


@endpoint(
    bp,
    "GET",
    NODE + "/signoffs",
    name="list_workpaper_signoffs",
    summary="A workpaper's sign-offs, cleared ones included with who, when and why",
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.SignoffList,
    errors=[404],
)
def list_workpaper_signoffs(call: Call) -> schemas.SignoffList:
    ids = _ids(call, "engagement_id", "node_id")
    with call.uow() as uow:
        rows = binder.list_signoffs(uow=uow, principal=call.user, **ids)
        return schemas.SignoffList(node_id=ids["node_id"], items=[_signoff(row) for row in rows])


@endpoint(
    bp,
    "DELETE",
    NODE + "/signoffs/{step:alpha}",
    name="withdraw_workpaper_signoff",
    summary="Withdraw one's own sign-off; the later steps are cleared with it",
    tags=BINDER,
    permission=Permission.ENGAGEMENT_READ,
    status=204,
    errors=[403, 404, 409],
)
def withdraw_workpaper_signoff(call: Call) -> None:
    step = call.request.route_params.get("step", "")
    with call.uow() as uow:
        binder.withdraw(uow=uow, principal=call.user, step=step, **_ids(call, "engagement_id", "node_id"))


# --- evidence --------------------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    ENGAGEMENT + "/evidence",
    name="upload_evidence",
    summary="Upload an evidence file as the raw body (name in X-Filename or ?filename=; X-Content-SHA256 checked)",
    tags=EVIDENCE,
    permission=Permission.ENGAGEMENT_READ,
    raw_body_types=evidence.ACCEPTED_TYPES,
    response=schemas.EvidenceRead,
    status=201,
    errors=[400, 404, 409, 413, 415],
)
def upload_evidence(call: Call) -> schemas.EvidenceRead:
    request = call.request
    header_name = request.headers.get("X-Filename")
    filename, source = (header_name, "X-Filename") if header_name else (request.params.get("filename"), "filename")
    with call.uow() as uow:
        view = evidence.upload_evidence(
            uow=uow,
            principal=call.user,
            data=call.raw_body(),
            filename=filename,
            filename_source=source,
            content_type=(request.headers.get("Content-Type") or "").split(";")[0].strip().lower(),
            declared_sha256=request.headers.get("X-Content-SHA256"),
            engagement_id=call.route_uuid("engagement_id"),
        )
        return _evidence(view)


@endpoint(
    bp,
    "POST",
    UPLOADS,
    name="create_evidence_upload",
    summary="Start an upload of an evidence file straight to storage (for files beyond a request's limit)",
    tags=EVIDENCE,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.EvidenceUploadCreate,
    response=schemas.EvidenceUploadRead,
    status=201,
    errors=[400, 404, 409],
)
def create_evidence_upload(call: Call) -> schemas.EvidenceUploadRead:
    body: schemas.EvidenceUploadCreate = call.body
    with call.uow() as uow:
        session = evidence.create_evidence_upload(
            uow=uow,
            principal=call.user,
            filename=body.filename,
            content_type=body.content_type,
            size_bytes=body.size_bytes,
            sha256=body.sha256,
            engagement_id=call.route_uuid("engagement_id"),
        )
    return schemas.EvidenceUploadRead(
        upload_id=session.upload.id,
        upload_url=session.url,
        headers=session.headers,
        expires_at=session.upload.expires_at,
    )


@endpoint(
    bp,
    "PUT",
    UPLOADS + "/{upload_id:guid}/content",
    name="upload_evidence_content",
    summary="Send a pending upload's bytes through the API, once (where storage offers no upload URL)",
    tags=EVIDENCE,
    permission=Permission.ENGAGEMENT_READ,
    raw_body_types=evidence.ACCEPTED_TYPES,
    status=201,
    errors=[400, 404, 409, 413, 415],
)
def upload_evidence_content(call: Call) -> None:
    with call.uow() as uow:
        evidence.upload_evidence_content(
            uow=uow,
            principal=call.user,
            data=call.raw_body(),
            engagement_id=call.route_uuid("engagement_id"),
            upload_id=call.route_uuid("upload_id"),
        )


@endpoint(
    bp,
    "POST",
    UPLOADS + "/{upload_id:guid}/complete",
    name="complete_evidence_upload",
    summary="Complete an upload: the stored file is measured and hashed here and becomes an evidence file",
    tags=EVIDENCE,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.EvidenceRead,
    status=201,
    errors=[400, 404, 409, 413],
)
def complete_evidence_upload(call: Call) -> schemas.EvidenceRead:
    with call.uow() as uow:
        view = evidence.complete_evidence_upload(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            upload_id=call.route_uuid("upload_id"),
        )
        return _evidence(view)


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/evidence",
    name="list_evidence",
    summary="The engagement's evidence files, newest first",
    tags=EVIDENCE,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.EvidenceQuery,
    response=Page[schemas.EvidenceRead],
    errors=[404],
)
def list_evidence(call: Call) -> Page[schemas.EvidenceRead]:
    query: schemas.EvidenceQuery = call.query
    with call.uow() as uow:
        views, total = evidence.list_evidence(
            uow=uow, principal=call.user, offset=query.offset, limit=query.page_size, **_ids(call, "engagement_id")
        )
        items = [_evidence(view) for view in views]
        return Page(items=items, page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/evidence/{evidence_id:guid}",
    name="get_evidence",
    summary="One evidence file's metadata and the nodes it is linked to",
    tags=EVIDENCE,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.EvidenceRead,
    errors=[404],
)
def get_evidence(call: Call) -> schemas.EvidenceRead:
    with call.uow() as uow:
        view = evidence.get_evidence_or_raise(
            uow=uow, principal=call.user, **_ids(call, "engagement_id", "evidence_id")
        )
        return _evidence(view)


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/evidence/{evidence_id:guid}/content",
    name="download_evidence",
    summary=(
        "The evidence file's bytes, checked against its recorded SHA-256; files over 100 MiB (or any with "
        "?redirect=true) answer 307 to a short-lived storage URL, with the SHA-256 to check in X-Content-SHA256"
    ),
    tags=EVIDENCE,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.EvidenceContentQuery,
    response_content_type="*/*",
    errors=[307, 404],
)
def download_evidence(call: Call) -> func.HttpResponse:
    with call.uow() as uow:
        content = evidence.read_evidence_content(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            evidence_id=call.route_uuid("evidence_id"),
            prefer_url=call.query.redirect,
        )
    row = content.evidence
    headers = {"X-Content-SHA256": row.sha256}
    if content.url is not None:
        redirect = {**headers, "Cache-Control": NO_STORE, "Location": content.url}
        return func.HttpResponse(status_code=307, headers=redirect)
    return file_response(content.data or b"", content_type=row.content_type, filename=row.filename, headers=headers)


@endpoint(
    bp,
    "POST",
    NODE + "/evidence",
    name="link_evidence",
    summary="Link an evidence file of the engagement to a binder node",
    tags=EVIDENCE,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.EvidenceLinkCreate,
    response=schemas.EvidenceLinkRead,
    status=201,
    errors=[404, 409],
)
def link_evidence(call: Call) -> schemas.EvidenceLinkRead:
    with call.uow() as uow:
        link = evidence.link_evidence(
            uow=uow, principal=call.user, evidence_id=call.body.evidence_id, **_ids(call, "engagement_id", "node_id")
        )
        return schemas.EvidenceLinkRead.model_validate(link, from_attributes=True)


@endpoint(
    bp,
    "DELETE",
    NODE + "/evidence/{evidence_id:guid}",
    name="unlink_evidence",
    summary="Unlink an evidence file from a binder node (the file stays)",
    tags=EVIDENCE,
    permission=Permission.ENGAGEMENT_READ,
    status=204,
    errors=[404, 409],
)
def unlink_evidence(call: Call) -> None:
    with call.uow() as uow:
        evidence.unlink_evidence(uow=uow, principal=call.user, **_ids(call, "engagement_id", "node_id", "evidence_id"))
