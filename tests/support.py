"""Helpers for tests that call the real triggers of function_app directly (no network)."""

from __future__ import annotations

import email
import email.policy
import functools
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import azure.functions as func

from aura_local.host import LocalHost


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@functools.cache
def in_process_host() -> LocalHost:
    """The local host's view of function_app (routes resolved exactly as when served), without its loop."""
    import function_app

    return LocalHost(function_app.app, run_bus=False)


def request(
    method: str,
    path: str,
    *,
    json_body: Any = None,
    body: bytes | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Reply:
    """Call the trigger that serves `method /api/<path>` exactly as the Functions host would."""
    path = path.removeprefix("/api/").removeprefix("/")
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    if json_body is not None:
        body = json.dumps(json_body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    resolved = in_process_host().resolve("/" + path, method.upper())
    if isinstance(resolved, tuple):
        route, route_params = resolved
        url = f"http://localhost/api/{path}" + (f"?{urlencode(params)}" if params else "")
        req = func.HttpRequest(
            method.upper(), url, headers=all_headers, params=params or {}, route_params=route_params, body=body or b""
        )
        response = route.function.invoke(req)
        return Reply(response.status_code, dict(response.headers), response.get_body())
    raise AssertionError(f"no trigger serves {method} /api/{path}")


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


PASSWORD = "correct horse battery staple"


@dataclass
class FirmAdmin:
    firm_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    password: str = PASSWORD


def create_firm(name: str = "Test CPA") -> FirmAdmin:
    from functions.identity import service
    from shared.db.uow import UnitOfWork

    email = unique_email("admin")
    with UnitOfWork() as uow:
        firm, user = service.create_firm(uow=uow, name=name, admin_email=email, admin_password=PASSWORD)
    return FirmAdmin(firm.id, user.id, email)


def login(email: str, password: str = PASSWORD) -> dict[str, Any]:
    reply = request("POST", "auth/login", json_body={"email": email, "password": password})
    assert reply.status == 200, reply.body
    return reply.json()


def token_for(email: str, password: str = PASSWORD) -> str:
    return str(login(email, password)["access_token"])


def add_user(admin_token: str, role: str, *, client_id: str | None = None) -> tuple[str, str]:
    """Create a user through the API; returns (user id, access token)."""
    email = unique_email(role)
    payload: dict[str, Any] = {"email": email, "password": PASSWORD, "roles": [role]}
    if client_id:
        payload["client_id"] = client_id
    reply = request("POST", "users", json_body=payload, token=admin_token)
    assert reply.status == 201, reply.body
    return reply.json()["id"], token_for(email)


def mailed_token(mail_dir: Path, to: str) -> str:
    """The one-time token of the newest mail to `to` in the folder mailbox."""
    for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == to:
            text = message.get_content()
            match = re.search(r"token: (\S+)", text)
            assert match
            return match.group(1)
    raise AssertionError(f"no mail to {to}")


def bare_firm() -> uuid.UUID:
    """A firm row and nothing else, so its audit chain starts empty."""
    from shared.db.models import Firm
    from shared.db.uow import UnitOfWork

    firm_id = uuid.uuid4()
    with UnitOfWork(firm_id=firm_id) as uow:
        uow.session.add(Firm(id=firm_id, name="Chain CPA", status="active"))
        uow.commit()
    return firm_id
