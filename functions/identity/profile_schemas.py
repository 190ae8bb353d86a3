"""Bodies and answers of the signed-in user's own profile: password change and sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from functions.identity.schemas import Password

CurrentPassword = Annotated[str, Field(min_length=1, max_length=1024)]


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: CurrentPassword
    new_password: Password


class PasswordChanged(BaseModel):
    sessions_ended: int = Field(description="the caller's other sign-ins, ended at once; this one stays open")


class SessionRead(BaseModel):
    """One sign-in of the user (a family of refresh tokens) that is still open."""

    id: uuid.UUID
    started_at: datetime
    last_active_at: datetime = Field(description="when its tokens were last issued (sign-in or refresh)")
    expires_at: datetime
    current: bool = Field(description="the sign-in this request was made with")


class SessionList(BaseModel):
    items: list[SessionRead]


class SessionsEnded(BaseModel):
    sessions_ended: int
