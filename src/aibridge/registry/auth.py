"""Accounts, API tokens and the permission rules of the registry.

Tokens look like ``abr_<prefix>_<secret>``: the 12-character prefix finds the row, the whole
token is checked against its argon2id hash (argon2-cffi), so a stolen database reveals no
usable token. Roles, weakest first:

========== ==================================================================================
viewer     read only (reads of public records need no account at all)
contributor create/edit/delete the records of its own organisation; propose and answer
           matches that involve it; record progress on its pledges
moderator  write any organisation's records; read the audit log
admin      everything, including accounts, tokens and resolutions
========== ==================================================================================
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from aibridge.errors import AuthenticationFailed, PermissionDenied

__all__ = ["SYSTEM", "Actor", "hash_token", "new_token", "split_token", "verify_token"]

_RANK = {"viewer": 0, "contributor": 1, "moderator": 2, "admin": 3}
# Token hashing cost: argon2id with modest memory so API calls stay fast (a token is 32
# random bytes, so brute force is not the threat a low-entropy password would be).
_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


@dataclass(frozen=True)
class Actor:
    """Who performs an operation: an account (or SYSTEM for migrations/bootstrap)."""

    account_id: int | None
    name: str
    role: str
    organisation_id: int | None = None

    def at_least(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]

    def require(self, role: str, what: str) -> None:
        if not self.at_least(role):
            raise PermissionDenied(
                f"{self.name} ({self.role}) may not {what}; this needs the {role} role or higher"
            )

    def require_org(self, organisation_id: int, what: str) -> None:
        """Contributors may only write their own organisation's records."""
        if self.at_least("moderator"):
            return
        self.require("contributor", what)
        if self.organisation_id != organisation_id:
            raise PermissionDenied(
                f"{self.name} is a contributor for organisation {self.organisation_id} and may "
                f"not {what} of organisation {organisation_id}; ask a moderator"
            )


#: The local operator (bootstrap of the first admin, seeding). Never returned by a token.
SYSTEM = Actor(account_id=None, name="system", role="admin")


def new_token() -> tuple[str, str]:
    """A fresh ``(token, prefix)``."""
    prefix = secrets.token_hex(6)
    return f"abr_{prefix}_{secrets.token_urlsafe(32)}", prefix


def split_token(token: str) -> str:
    """The lookup prefix of ``token``; AuthenticationFailed if it is not an aibridge token."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "abr" or len(parts[1]) != 12 or not parts[2]:
        raise AuthenticationFailed(
            "malformed API token: expected 'abr_<prefix>_<secret>' as printed by "
            "`aibridge registry token create`"
        )
    return parts[1]


def hash_token(token: str) -> str:
    return _HASHER.hash(token)


def verify_token(token_hash: str, token: str) -> bool:
    try:
        return _HASHER.verify(token_hash, token)
    except (VerificationError, InvalidHashError):
        return False
