"""HTTP triggers of the signed-in user's own profile: change the password, list and end their sessions."""

from __future__ import annotations

import uuid

from functions.identity import bp, profile
from functions.identity import profile_schemas as schemas
from shared.auth.authenticate import bearer_token
from shared.auth.tokens import decode_access_token, is_own_token
from shared.http import Call, endpoint

TAGS = ["identity"]


def _current_session(call: Call) -> uuid.UUID | None:
    """The session (token family) the request's own access token names; None for an Entra ID token."""
    token = bearer_token(call.request.headers.get("Authorization"))
    return decode_access_token(token).session_id if is_own_token(token) else None


@endpoint(
    bp,
    "POST",
    "auth/password",
    name="change_password",
    summary="Change your own password (the current one first); your other sign-ins end at once, this one stays",
    tags=TAGS,
    body=schemas.PasswordChange,
    response=schemas.PasswordChanged,
    errors=[400, 429],
)
def change_password(call: Call) -> schemas.PasswordChanged:
    body: schemas.PasswordChange = call.body
    with call.uow() as uow:
        ended = profile.change_password(
            uow=uow,
            principal=call.user,
            current=_current_session(call),
            current_password=body.current_password,
            new_password=body.new_password,
        )
    return schemas.PasswordChanged(sessions_ended=ended)


@endpoint(
    bp,
    "GET",
    "auth/sessions",
    name="list_my_sessions",
    summary="Your open sign-ins, newest first, with the one this request came from marked current",
    tags=TAGS,
    response=schemas.SessionList,
)
def list_my_sessions(call: Call) -> schemas.SessionList:
    with call.uow() as uow:
        found = profile.list_sessions(uow=uow, principal=call.user, current=_current_session(call))
    return schemas.SessionList(items=[schemas.SessionRead.model_validate(s, from_attributes=True) for s in found])


@endpoint(
    bp,
    "DELETE",
    "auth/sessions/{session_id:guid}",
    name="end_my_session",
    summary="End one of your sign-ins: its refresh token and its access tokens stop working at once",
    tags=TAGS,
    status=204,
    errors=[404],
)
def end_my_session(call: Call) -> None:
    with call.uow() as uow:
        profile.end_session(uow=uow, principal=call.user, session_id=call.route_uuid("session_id"))


@endpoint(
    bp,
    "POST",
    "auth/sessions/end-all",
    name="end_all_my_sessions",
    summary="Sign out everywhere: every one of your sign-ins ends, this one included",
    tags=TAGS,
    response=schemas.SessionsEnded,
)
def end_all_my_sessions(call: Call) -> schemas.SessionsEnded:
    with call.uow() as uow:
        ended = profile.end_all_sessions(uow=uow, principal=call.user)
    return schemas.SessionsEnded(sessions_ended=ended)
