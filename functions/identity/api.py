"""HTTP triggers of identity: parse, authorize, call one service function, respond."""

from __future__ import annotations

import azure.functions as func

from functions.identity import bp, browser_session, login_throttle, schemas, service
from functions.identity.client_address import client_address
from shared.auth.permissions import Permission
from shared.email import get_email_sender
from shared.http import Call, Page, PageQuery, endpoint

TAGS = ["identity"]


def _tokens(pair: service.TokenPair) -> schemas.TokenResponse:
    return schemas.TokenResponse(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


def _user(user: object) -> schemas.UserRead:
    return schemas.UserRead.model_validate(user, from_attributes=True)


@endpoint(
    bp,
    "POST",
    "auth/login",
    name="login",
    summary="Sign in with e-mail and password",
    tags=TAGS,
    anonymous=True,
    body=schemas.LoginRequest,
    response=schemas.TokenResponse,
    errors=[401, 429],
)
def login(call: Call) -> func.HttpResponse:
    signed_in = _sign_in(call)
    body = _tokens(signed_in.tokens).model_dump_json()
    response = func.HttpResponse(
        body, status_code=200, headers={"Content-Type": "application/json", "Cache-Control": "no-store"}
    )
    return browser_session.with_device_cookie(call.request, response, signed_in.device_token)


def _sign_in(call: Call) -> service.SignIn:
    attempt = login_throttle.Attempt(
        email=call.body.email,
        source=client_address(call.request),
        device=login_throttle.known_device(browser_session.device_token(call.request)),
    )
    return service.login(open_uow=call.uow, email=call.body.email, password=call.body.password, attempt=attempt)


@endpoint(
    bp,
    "POST",
    "auth/refresh",
    name="refresh_tokens",
    summary="Trade a refresh token for a new pair",
    tags=TAGS,
    anonymous=True,
    body=schemas.RefreshRequest,
    response=schemas.TokenResponse,
    errors=[401],
)
def refresh_tokens(call: Call) -> schemas.TokenResponse:
    with call.uow() as uow:
        return _tokens(service.refresh(uow=uow, refresh_token=call.body.refresh_token))


@endpoint(
    bp,
    "POST",
    "auth/logout",
    name="logout",
    summary="Revoke the session of a refresh token",
    tags=TAGS,
    anonymous=True,
    body=schemas.RefreshRequest,
    errors=[401],
)
def logout(call: Call) -> None:
    with call.uow() as uow:
        service.logout(uow=uow, refresh_token=call.body.refresh_token)


@endpoint(
    bp,
    "POST",
    "auth/session",
    name="start_browser_session",
    summary="Sign in from a browser: the access token in the body, the refresh token in an httpOnly cookie",
    tags=TAGS,
    anonymous=True,
    body=schemas.LoginRequest,
    response=schemas.SessionResponse,
    errors=[401, 429],
)
def start_browser_session(call: Call) -> func.HttpResponse:
    signed_in = _sign_in(call)
    pair = signed_in.tokens
    started = browser_session.started(
        call.request, access_token=pair.access_token, refresh=pair.refresh_token, expires_in=pair.expires_in
    )
    return browser_session.with_device_cookie(call.request, started, signed_in.device_token)


@endpoint(
    bp,
    "POST",
    "auth/session/refresh",
    name="refresh_browser_session",
    summary="A new access token for the browser session in the cookie (needs X-Requested-With); rotates the cookie",
    tags=TAGS,
    anonymous=True,
    response=schemas.SessionResponse,
    errors=[401, 403],
)
def refresh_browser_session(call: Call) -> func.HttpResponse:
    token = browser_session.refresh_token(call.request)
    with call.uow() as uow:
        pair = service.refresh(uow=uow, refresh_token=token)
    return browser_session.started(
        call.request, access_token=pair.access_token, refresh=pair.refresh_token, expires_in=pair.expires_in
    )


@endpoint(
    bp,
    "DELETE",
    "auth/session",
    name="end_browser_session",
    summary="Sign out the browser session in the cookie (needs X-Requested-With) and clear the cookie",
    tags=TAGS,
    anonymous=True,
    errors=[403],
)
def end_browser_session(call: Call) -> func.HttpResponse:
    token = browser_session.presented_token(call.request)
    if token is not None:
        with call.uow() as uow:
            service.end_session(uow=uow, refresh_token=token)
    return browser_session.ended(call.request)


@endpoint(
    bp,
    "GET",
    "auth/me",
    name="me",
    summary="The signed-in user, firm, roles and permissions",
    tags=TAGS,
    response=schemas.MeRead,
)
def me(call: Call) -> schemas.MeRead:
    with call.uow() as uow:
        user = service.get_user_or_raise(uow=uow, user_id=call.user.user_id)
        firm = service.get_firm_or_raise(uow=uow)
        return schemas.MeRead(
            user=_user(user),
            firm=schemas.FirmRead.model_validate(firm, from_attributes=True),
            roles=sorted(call.user.roles),
            permissions=sorted(call.user.permissions),
        )


@endpoint(
    bp,
    "POST",
    "auth/password-reset",
    name="request_password_reset",
    summary="E-mail a password reset link",
    tags=TAGS,
    anonymous=True,
    body=schemas.PasswordResetRequest,
    response=schemas.Accepted,
    status=202,
    errors=[429],
)
def request_password_reset(call: Call) -> schemas.Accepted:
    with call.uow() as uow:
        service.request_password_reset(uow=uow, email=call.body.email, mailer=get_email_sender())
    return schemas.Accepted(detail="If the address belongs to an active account, a reset link is on its way")


@endpoint(
    bp,
    "POST",
    "auth/password-reset/confirm",
    name="confirm_password_reset",
    summary="Set a new password with a reset token",
    tags=TAGS,
    anonymous=True,
    body=schemas.PasswordResetConfirm,
    errors=[404],
)
def confirm_password_reset(call: Call) -> None:
    with call.uow() as uow:
        service.confirm_password_reset(uow=uow, token=call.body.token, new_password=call.body.new_password)


@endpoint(
    bp,
    "GET",
    "firm",
    name="get_firm",
    summary="The caller's firm",
    tags=TAGS,
    response=schemas.FirmRead,
    errors=[404],
)
def get_firm(call: Call) -> schemas.FirmRead:
    with call.uow() as uow:
        return schemas.FirmRead.model_validate(service.get_firm_or_raise(uow=uow), from_attributes=True)


@endpoint(
    bp,
    "PATCH",
    "firm",
    name="update_firm",
    summary="Rename the firm",
    tags=TAGS,
    permission=Permission.FIRM_SETTINGS,
    body=schemas.FirmUpdate,
    response=schemas.FirmRead,
    errors=[404],
)
def update_firm(call: Call) -> schemas.FirmRead:
    with call.uow() as uow:
        return schemas.FirmRead.model_validate(service.update_firm(uow=uow, name=call.body.name), from_attributes=True)


@endpoint(
    bp,
    "GET",
    "users",
    name="list_users",
    summary="The firm's users",
    tags=TAGS,
    permission=Permission.USERS_READ,
    query=schemas.UserQuery,
    response=Page[schemas.UserRead],
)
def list_users(call: Call) -> Page[schemas.UserRead]:
    query: schemas.UserQuery = call.query
    with call.uow() as uow:
        rows, total = service.list_users(
            uow=uow, role=query.role, active=query.active, offset=query.offset, limit=query.page_size
        )
        return Page(items=[_user(u) for u in rows], page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "POST",
    "users",
    name="create_user",
    summary="Create a user with a password",
    tags=TAGS,
    permission=Permission.USERS_MANAGE,
    body=schemas.UserCreate,
    response=schemas.UserRead,
    status=201,
    errors=[409],
)
def create_user(call: Call) -> schemas.UserRead:
    data: schemas.UserCreate = call.body
    with call.uow() as uow:
        return _user(
            service.create_user(
                uow=uow,
                email=data.email,
                display_name=data.display_name,
                password=data.password,
                roles=list(data.roles),
                client_id=data.client_id,
            )
        )


@endpoint(
    bp,
    "GET",
    "users/{user_id:guid}",
    name="get_user",
    summary="One user of the firm",
    tags=TAGS,
    permission=Permission.USERS_READ,
    response=schemas.UserRead,
)
def get_user(call: Call) -> schemas.UserRead:
    with call.uow() as uow:
        return _user(service.get_user_or_raise(uow=uow, user_id=call.route_uuid("user_id")))


@endpoint(
    bp,
    "PUT",
    "users/{user_id:guid}/roles",
    name="update_user_roles",
    summary="Replace a user's roles",
    tags=TAGS,
    permission=Permission.USERS_MANAGE,
    body=schemas.RolesUpdate,
    response=schemas.UserRead,
    errors=[409],
)
def update_user_roles(call: Call) -> schemas.UserRead:
    with call.uow() as uow:
        return _user(
            service.update_roles(
                uow=uow,
                user_id=call.route_uuid("user_id"),
                roles=list(call.body.roles),
                client_id=call.body.client_id,
            )
        )


@endpoint(
    bp,
    "POST",
    "users/{user_id:guid}/deactivate",
    name="deactivate_user",
    summary="Deactivate a user and end their sessions",
    tags=TAGS,
    permission=Permission.USERS_MANAGE,
    response=schemas.UserRead,
    errors=[409],
)
def deactivate_user(call: Call) -> schemas.UserRead:
    with call.uow() as uow:
        return _user(service.set_active(uow=uow, principal=call.user, user_id=call.route_uuid("user_id"), active=False))


@endpoint(
    bp,
    "POST",
    "users/{user_id:guid}/reactivate",
    name="reactivate_user",
    summary="Reactivate a user",
    tags=TAGS,
    permission=Permission.USERS_MANAGE,
    response=schemas.UserRead,
)
def reactivate_user(call: Call) -> schemas.UserRead:
    with call.uow() as uow:
        return _user(service.set_active(uow=uow, principal=call.user, user_id=call.route_uuid("user_id"), active=True))


@endpoint(
    bp,
    "POST",
    "invitations",
    name="create_invitation",
    summary="Invite a person by e-mail",
    tags=TAGS,
    permission=Permission.USERS_MANAGE,
    body=schemas.InvitationCreate,
    response=schemas.InvitationRead,
    status=201,
    errors=[409],
)
def create_invitation(call: Call) -> schemas.InvitationRead:
    data: schemas.InvitationCreate = call.body
    with call.uow() as uow:
        invitation = service.create_invitation(
            uow=uow,
            principal=call.user,
            email=data.email,
            roles=list(data.roles),
            client_id=data.client_id,
            mailer=get_email_sender(),
        )
        return schemas.InvitationRead.model_validate(invitation, from_attributes=True)


@endpoint(
    bp,
    "GET",
    "invitations",
    name="list_invitations",
    summary="The firm's invitations",
    tags=TAGS,
    permission=Permission.USERS_MANAGE,
    query=PageQuery,
    response=Page[schemas.InvitationRead],
)
def list_invitations(call: Call) -> Page[schemas.InvitationRead]:
    query: PageQuery = call.query
    with call.uow() as uow:
        rows, total = service.list_invitations(uow=uow, offset=query.offset, limit=query.page_size)
        items = [schemas.InvitationRead.model_validate(i, from_attributes=True) for i in rows]
        return Page(items=items, page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "DELETE",
    "invitations/{invitation_id:guid}",
    name="revoke_invitation",
    summary="Withdraw an invitation",
    tags=TAGS,
    permission=Permission.USERS_MANAGE,
    errors=[409],
)
def revoke_invitation(call: Call) -> None:
    with call.uow() as uow:
        service.revoke_invitation(uow=uow, invitation_id=call.route_uuid("invitation_id"))


@endpoint(
    bp,
    "POST",
    "invitations/accept",
    name="accept_invitation",
    summary="Accept an invitation and set a password",
    tags=TAGS,
    anonymous=True,
    body=schemas.InvitationAccept,
    response=schemas.UserRead,
    status=201,
    errors=[404, 409],
)
def accept_invitation(call: Call) -> schemas.UserRead:
    data: schemas.InvitationAccept = call.body
    with call.uow() as uow:
        return _user(
            service.accept_invitation(uow=uow, token=data.token, password=data.password, display_name=data.display_name)
        )
