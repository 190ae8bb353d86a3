"""Request and response models of the identity endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from shared.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from shared.auth.permissions import validate_roles
from shared.http import PageQuery

Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
DisplayName = Annotated[str, StringConstraints(max_length=200)]
Role = Literal["firm_admin", "partner", "manager", "senior", "staff", "qc_reviewer", "client_admin", "client_user"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RolesMixin(Strict):
    roles: list[Role] = Field(min_length=1, max_length=8)
    client_id: uuid.UUID | None = None

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        return validate_roles(roles)


class LoginRequest(Strict):
    email: EmailStr
    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class RefreshRequest(Strict):
    refresh_token: Token


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")


class SessionResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")


class FirmRead(BaseModel):
    id: uuid.UUID
    name: str
    status: str
    created_at: datetime


class FirmUpdate(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"\S")]


class UserRead(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    roles: list[str]
    client_id: uuid.UUID | None
    is_active: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime


class MeRead(BaseModel):
    user: UserRead
    firm: FirmRead
    roles: list[str]
    permissions: list[str]


class UserCreate(RolesMixin):
    email: EmailStr
    display_name: DisplayName = ""
    password: Password


class RolesUpdate(RolesMixin):
    pass


class UserQuery(PageQuery):
    role: Role | None = None
    active: bool | None = None


class InvitationCreate(RolesMixin):
    email: EmailStr


class InvitationRead(BaseModel):
    id: uuid.UUID
    email: str
    roles: list[str]
    client_id: uuid.UUID | None
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class InvitationAccept(Strict):
    token: Token
    password: Password
    display_name: DisplayName = ""


class PasswordResetRequest(Strict):
    email: EmailStr


class PasswordResetConfirm(Strict):
    token: Token
    new_password: Password


class Accepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    detail: str
