"""Request and response models of the binder, workpapers, sign-offs and evidence files."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from functions.engagement.schemas import Strict
from shared.http import PageQuery
from shared.http.json_input import compact_size, too_deep, value_depth
from shared.settings import get_settings

NodeKind = Literal["folder", "workpaper", "evidence", "note"]
Step = Literal["prepare", "review", "approve"]

# Index codes as audit files write them: A, A-100, D.1, E-200/3. The portal's input field uses the same
# expression (without the anchors, which a browser adds): it is written to be valid in a browser's
# `pattern` attribute too, which compiles with the `v` flag, where `/` and `-` in a class need escaping.
INDEX_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.\-_\/]*$"
INDEX_CODE_RULE = "letters, digits and . - _ / only, starting with a letter or digit (e.g. D-100)"


def _index_code(value: str | None) -> str | None:
    """The reference, or a refusal in the auditor's words rather than the regular expression's."""
    if value is not None and not re.fullmatch(INDEX_CODE_PATTERN, value):
        raise ValueError(f"a reference is {INDEX_CODE_RULE}; {value!r} is not")
    return value


def _index_code_field(**extra: Any) -> Any:
    return Field(None, min_length=1, max_length=32, json_schema_extra={"pattern": INDEX_CODE_PATTERN}, **extra)


def _content_within_limits(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Refuse content deeper or larger than the settings allow, so nothing is stored that the API could
    not send back (a 256-level workpaper was saved, and every read of it failed)."""
    if value is None:
        return value
    settings = get_settings()
    if value_depth(value) > settings.workpaper_max_depth:
        raise PydanticCustomError("content_too_deep", too_deep(settings.workpaper_max_depth, "Content"))
    size = compact_size(value)
    if size > settings.workpaper_max_kb * 1024:
        raise PydanticCustomError(
            "content_too_large",
            "Content is {size} bytes as JSON; the limit is {limit} KiB",
            {"size": size, "limit": settings.workpaper_max_kb},
        )
    return value


class NodeCreate(Strict):
    parent_id: uuid.UUID | None = Field(None, description="A folder of the same engagement; null for the top level")
    kind: NodeKind
    index_code: str | None = _index_code_field(examples=["D-100"])
    title: str = Field(min_length=1, max_length=300)
    position: int | None = Field(None, strict=True, ge=0, le=1_000_000, description="Default: after the last sibling")
    content: dict[str, Any] | None = Field(None, description="Structured content of a workpaper or note")
    evidence_id: uuid.UUID | None = Field(None, description="Required for kind evidence, refused otherwise")

    _reference = field_validator("index_code")(_index_code)
    _content = field_validator("content")(_content_within_limits)


class NodeUpdate(Strict):
    """Rename and move; a field left out is kept. parent_id null moves the node to the top level."""

    title: str | None = Field(None, min_length=1, max_length=300)
    index_code: str | None = _index_code_field()
    parent_id: uuid.UUID | None = None
    position: int | None = Field(None, strict=True, ge=0, le=1_000_000)

    _reference = field_validator("index_code")(_index_code)


class ContentSave(Strict):
    content: dict[str, Any] = Field(
        description="At most AURA_WORKPAPER_MAX_DEPTH levels deep (32) and AURA_WORKPAPER_MAX_KB as JSON (512 KiB)"
    )
    version: int = Field(
        strict=True, ge=1, description="The version the writer read; a stale one gets 409 version_conflict"
    )
    reason: str | None = Field(None, max_length=2000)

    _content = field_validator("content")(_content_within_limits)


class SignoffCreate(Strict):
    step: Step
    version: int = Field(
        strict=True,
        ge=1,
        description="The workpaper version the signer was shown; if it has changed since, 409 version_conflict",
    )


class EvidenceLinkCreate(Strict):
    evidence_id: uuid.UUID


class Signature(BaseModel):
    user_id: uuid.UUID
    display_name: str
    signed_at: datetime
    node_version: int


class SignoffState(BaseModel):
    """The active sign-offs; a signature's node_version below the node's version means it predates a change."""

    prepared: Signature | None = None
    reviewed: Signature | None = None
    approved: Signature | None = None


class NodeRead(BaseModel):
    id: uuid.UUID
    parent_id: uuid.UUID | None
    kind: NodeKind
    index_code: str | None
    title: str
    position: int
    version: int
    evidence_id: uuid.UUID | None
    evidence_ids: list[uuid.UUID] = Field(description="Evidence files linked to the node")
    signoffs: SignoffState | None = Field(None, description="Workpapers only")
    updated_by: uuid.UUID | None
    updated_at: datetime


class NodeDetail(NodeRead):
    content: dict[str, Any] | None
    child_ids: list[uuid.UUID]


class TreeNode(NodeRead):
    children: list[TreeNode]


class BinderRead(BaseModel):
    engagement_id: uuid.UUID
    nodes: list[TreeNode]


class VersionRead(BaseModel):
    version: int
    title: str
    change_reason: str
    changed_by: uuid.UUID | None
    changed_at: datetime


class VersionDetail(VersionRead):
    node_id: uuid.UUID
    content: dict[str, Any] | None


class VersionList(BaseModel):
    node_id: uuid.UUID
    current_version: int
    items: list[VersionRead]


class SignoffRead(BaseModel):
    id: uuid.UUID
    node_id: uuid.UUID
    step: Step
    user_id: uuid.UUID
    node_version: int
    signed_at: datetime
    active: bool
    cleared_at: datetime | None
    cleared_by: uuid.UUID | None
    cleared_reason: str | None


class SignoffList(BaseModel):
    node_id: uuid.UUID
    items: list[SignoffRead]


class EvidenceRead(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: uuid.UUID | None
    uploaded_at: datetime
    node_ids: list[uuid.UUID] = Field(description="Binder nodes linked to the file or showing it")


class EvidenceQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")


class EvidenceContentQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    redirect: bool = Field(
        False,
        description=(
            "true: answer 307 with a short-lived storage URL in Location even for a small file, when storage offers "
            "one (files over 100 MiB always redirect there); check the bytes against X-Content-SHA256"
        ),
    )


class EvidenceLinkRead(BaseModel):
    node_id: uuid.UUID
    evidence_id: uuid.UUID
    linked_by: uuid.UUID | None
    linked_at: datetime


class EvidenceUploadCreate(Strict):
    """Announce a file to be uploaded straight to storage; size and SHA-256, if given, are checked on completion."""

    filename: str = Field(min_length=1, max_length=1000, examples=["bank-confirmation.pdf"])
    content_type: str = Field(min_length=1, max_length=100, examples=["application/pdf"])
    size_bytes: int | None = Field(None, strict=True, ge=1, description="The file's size; completion refuses any other")
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="The file's SHA-256 in hex; completion refuses any other"
    )

    @field_validator("sha256", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class EvidenceUploadRead(BaseModel):
    upload_id: uuid.UUID = Field(description="Also the id of the evidence file that completing the upload creates")
    upload_url: str = Field(description="Where to send the file's bytes, once, before expires_at")
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str] = Field(description="Headers the upload request must carry")
    expires_at: datetime
