"""Who is calling: the authenticated user, their firm, roles and (for client users) client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from shared.auth.permissions import Permission, permissions_for


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    firm_id: uuid.UUID | None
    roles: frozenset[str]
    client_id: uuid.UUID | None = None
    email: str = ""
    permissions: frozenset[Permission] = field(default=frozenset(), compare=False)

    @classmethod
    def of(
        cls,
        *,
        user_id: uuid.UUID,
        firm_id: uuid.UUID | None,
        roles: frozenset[str] | set[str] | list[str] | tuple[str, ...],
        client_id: uuid.UUID | None = None,
        email: str = "",
    ) -> Principal:
        role_set = frozenset(roles)
        return cls(user_id, firm_id, role_set, client_id, email, permissions_for(role_set))

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions
