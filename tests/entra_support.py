"""A stand-in Entra ID tenant for tests: an RSA key, its static key source, and tokens it signs."""

from __future__ import annotations

import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

TENANT = "11111111-2222-3333-4444-555555555555"
AUDIENCE = "api://aura"


class StaticKeys:
    """A SigningKeySource that always answers with one public key."""

    def __init__(self, key: Any) -> None:
        self.key = key

    def signing_key_for(self, token: str) -> Any:
        return self.key


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def entra_token(key: rsa.RSAPrivateKey, *, oid: str, email: str = "ada@firm.example", **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
        "aud": AUDIENCE,
        "tid": TENANT,
        "oid": oid,
        "preferred_username": email,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
