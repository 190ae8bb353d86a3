"""Helpers for tests of the engagement capability: a firm with people, a client, an engagement, a team."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.support import add_user, create_firm, request, token_for


@dataclass
class Person:
    user_id: str
    token: str
    role: str


@dataclass
class Workspace:
    """One firm: its admin, one client and one engagement in draft, with people added on demand."""

    firm_id: uuid.UUID
    admin: Person
    client_id: str
    engagement_id: str
    people: dict[str, Person] = field(default_factory=dict)

    def person(self, name: str, firm_role: str, *, team_role: str | None = None) -> Person:
        """A user of the firm with `firm_role`, put on the engagement's team as `team_role` if given."""
        if name not in self.people:
            user_id, token = add_user(self.admin.token, firm_role)
            self.people[name] = Person(user_id, token, firm_role)
            if team_role:
                reply = self.call("POST", "team", self.admin, json_body={"user_id": user_id, "role": team_role})
                assert reply.status == 201, reply.body
        return self.people[name]

    def client_user(self, name: str = "client", role: str = "client_user") -> Person:
        if name not in self.people:
            user_id, token = add_user(self.admin.token, role, client_id=self.client_id)
            self.people[name] = Person(user_id, token, role)
        return self.people[name]

    def call(self, method: str, sub_path: str, who: Person, **kwargs: Any) -> Any:
        """`method /api/engagements/{id}/{sub_path}` as `who`."""
        path = f"engagements/{self.engagement_id}" + (f"/{sub_path}" if sub_path else "")
        return request(method, path, token=who.token, **kwargs)

    def move_to(self, status: str, who: Person | None = None) -> None:
        """Walk the engagement forward to `status` (not finalized: that needs the gates)."""
        order = ["draft", "planning", "fieldwork", "review"]
        current = self.call("GET", "", who or self.admin).json()["status"]
        for target in order[order.index(current) + 1 : order.index(status) + 1]:
            reply = self.call("POST", "transitions", who or self.admin, json_body={"to": target})
            assert reply.status == 200, reply.body

    def finalize(self) -> None:
        """Record passing gates (as QC and reporting will) and finalize the engagement as the admin."""
        from shared import gates
        from shared.db.uow import UnitOfWork

        self.move_to("review")
        with UnitOfWork(firm_id=self.firm_id, user_id=uuid.UUID(self.admin.user_id)) as uow:
            for gate in gates.REQUIRED_GATES:
                gates.record(uow, engagement_id=uuid.UUID(self.engagement_id), gate=gate, satisfied=True)
            uow.commit()
        reply = self.call("POST", "transitions", self.admin, json_body={"to": "finalized"})
        assert reply.status == 200, reply.body


def new_client(token: str, name: str | None = None, **fields: Any) -> str:
    payload = {"name": name or f"Client {uuid.uuid4().hex[:8]}", **fields}
    reply = request("POST", "clients", token=token, json_body=payload)
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def new_engagement(token: str, client_id: str, **fields: Any) -> dict[str, Any]:
    payload = {
        "client_id": client_id,
        "name": "FY2026 audit",
        "engagement_type": "audit",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "framework": "us_gaap",
        **fields,
    }
    reply = request("POST", "engagements", token=token, json_body=payload)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def workspace() -> Workspace:
    """A new firm with a client and a draft engagement created by the firm admin."""
    firm = create_firm()
    admin = Person(str(firm.user_id), token_for(firm.email), "firm_admin")
    client_id = new_client(admin.token)
    engagement = new_engagement(admin.token, client_id)
    return Workspace(firm.firm_id, admin, client_id, engagement["id"])
