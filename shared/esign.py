"""The e-signature port: how the engagement partner's signature on the auditor's report is obtained.

The service asks a `SignatureProvider` to sign a document it has already rendered and hashed; the
provider proves who is signing and answers with a `Signature`. Two ways exist:

- `LocalSignature` (the default, and the only adapter shipped): the partner re-enters their Aura
  password, or, signed in through Microsoft Entra ID, presents a token from a sign-in of the last
  five minutes (shared/auth/reauthentication.py). The signature is Aura's own record: the digest in
  the report row and in the hash-chained audit log.
- A provider such as DocuSign replaces it by implementing the same Protocol: `sign` would create an
  envelope for the PDF's bytes with the partner as recipient (embedded signing, with the provider's
  own authentication), wait for its completion (a webhook or a poll) and answer the envelope id as
  `reference`. It is not written; `use` swaps the provider in, as tests do with a fake.

A provider raises (Unauthorized for a failed proof of identity) rather than answer an unsigned result,
so nothing is recorded for a signature that did not happen.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.auth import reauthentication
from shared.auth.principal import Principal
from shared.db.uow import UnitOfWork


@dataclass(frozen=True)
class SignatureRequest:
    """What is to be signed, by whom, and the proof of identity the caller brought."""

    principal: Principal
    document_name: str
    document_sha256: str
    document: bytes
    authorization: str | None  # the request's Authorization header (Entra users re-authenticate by it)
    password: str | None
    open_uow: Callable[[], UnitOfWork]


@dataclass(frozen=True)
class Signature:
    """A completed signature: which provider, how the signer proved themselves, when, and its reference."""

    provider: str
    method: str
    signed_at: datetime
    signer_id: uuid.UUID
    reference: str | None = None


class SignatureProvider(Protocol):
    name: str

    def sign(self, request: SignatureRequest) -> Signature: ...


class LocalSignature:
    """The partner's signature as Aura records it: password re-entry, or a fresh Entra ID token."""

    name = "local"

    def sign(self, request: SignatureRequest) -> Signature:
        identity = reauthentication.entra_identity(request.authorization)
        if identity is not None:
            proof = reauthentication.require_fresh_token(identity)
        else:
            proof = reauthentication.confirm_password(
                request.open_uow, principal=request.principal, password=request.password
            )
        return Signature(
            provider=self.name, method=proof.method, signed_at=proof.at, signer_id=request.principal.user_id
        )


_provider: SignatureProvider = LocalSignature()


def provider() -> SignatureProvider:
    """The provider signatures go through in this process."""
    return _provider


@contextlib.contextmanager
def use(replacement: SignatureProvider) -> Iterator[SignatureProvider]:
    """Sign through `replacement` inside the block (a DocuSign adapter at start-up, a fake in tests)."""
    global _provider
    previous, _provider = _provider, replacement
    try:
        yield replacement
    finally:
        _provider = previous
