"""The token store: tokens, accessors, parent/child trees, TTLs and wrapping tokens (NOTES §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.fakes.vault.wire import Json, rfc3339

if TYPE_CHECKING:
    from tests.fakes.vault.core import FakeVault

SYSTEM_MAX_TTL = 768 * 3600  # 2764800 s: Vault's system default and max lease TTL


@dataclass
class Token:
    id: str
    accessor: str
    policies: list[str]
    creation_time: datetime
    ttl: int  # creation TTL in seconds; 0 never expires (root)
    explicit_max_ttl: int = 0
    renewable: bool = False
    meta: dict[str, str] | None = None
    display_name: str = "token"
    parent: str | None = None  # parent token id; None: orphan
    num_uses: int = 0
    path: str = "auth/token/create"
    entity_id: str = ""
    role: str = ""
    #: For a response-wrapping token: the original response it guards (single use).
    cubbyhole: Json | None = None
    creation_path: str = ""

    @property
    def expire_time(self) -> datetime | None:
        return self.creation_time + timedelta(seconds=self.ttl) if self.ttl else None

    @property
    def orphan(self) -> bool:
        return self.parent is None

    @property
    def is_root(self) -> bool:
        return "root" in self.policies

    @property
    def is_wrapping(self) -> bool:
        return self.policies == ["response-wrapping"]

    def remaining(self, now: datetime) -> int:
        expire = self.expire_time
        return max(0, int((expire - now).total_seconds())) if expire else 0

    def auth_block(self) -> Json:
        return {
            "client_token": self.id,
            "accessor": self.accessor,
            "policies": list(self.policies),
            "token_policies": list(self.policies),
            "metadata": dict(self.meta) if self.meta is not None else None,
            "lease_duration": self.ttl,
            "renewable": self.renewable,
            "entity_id": self.entity_id,
            "token_type": "service",
            "orphan": self.orphan,
            "mfa_requirement": None,
            "num_uses": self.num_uses,
        }

    def lookup_data(self, now: datetime, *, reveal_id: bool) -> Json:
        return {
            "accessor": self.accessor,
            "creation_time": int(self.creation_time.timestamp()),
            "creation_ttl": self.ttl,
            "display_name": self.display_name,
            "entity_id": self.entity_id,
            "expire_time": rfc3339(self.expire_time),
            "explicit_max_ttl": self.explicit_max_ttl,
            "id": self.id if reveal_id else "",
            "issue_time": rfc3339(self.creation_time),
            "meta": dict(self.meta) if self.meta is not None else None,
            "num_uses": self.num_uses,
            "orphan": self.orphan,
            "path": self.path,
            "policies": list(self.policies),
            "renewable": self.renewable,
            "role": self.role,
            "ttl": self.remaining(now),
            "type": "service",
        }


@dataclass
class TokenRole:
    name: str
    allowed_policies: list[str] = field(default_factory=list)
    disallowed_policies: list[str] = field(default_factory=list)
    orphan: bool = False
    renewable: bool = True
    explicit_max_ttl: int = 0
    token_no_default_policy: bool = False
    path_suffix: str = ""

    def data(self) -> Json:
        return {
            "name": self.name,
            "allowed_policies": self.allowed_policies,
            "disallowed_policies": self.disallowed_policies,
            "orphan": self.orphan,
            "renewable": self.renewable,
            "token_explicit_max_ttl": self.explicit_max_ttl,
            "explicit_max_ttl": self.explicit_max_ttl,
            "token_no_default_policy": self.token_no_default_policy,
            "path_suffix": self.path_suffix,
            "token_type": "default-service",
        }


class TokenStore:
    def __init__(self, vault: FakeVault) -> None:
        self._vault = vault
        self._by_id: dict[str, Token] = {}
        self._by_accessor: dict[str, str] = {}
        self.roles: dict[str, TokenRole] = {}
        self.issued: list[str] = []  # every token id ever made (tokens are secrets)

    def add(self, policies: list[str], ttl: int, **fields: Any) -> Token:
        ids = self._vault.ids
        token = Token(
            id=ids.token(),
            accessor=ids.base62(24),
            policies=policies,
            creation_time=self._vault.clock.now(),
            ttl=ttl,
            **fields,
        )
        self._by_id[token.id] = token
        self._by_accessor[token.accessor] = token.id
        self.issued.append(token.id)
        return token

    def add_wrapping(self, ttl: int, creation_path: str, response: Json) -> Token:
        return self.add(
            ["response-wrapping"],
            ttl,
            explicit_max_ttl=ttl,
            num_uses=1,
            cubbyhole=response,
            creation_path=creation_path,
            path=creation_path,
        )

    def get(self, token_id: str | None) -> Token | None:
        return self._by_id.get(token_id) if token_id else None

    def by_accessor(self, accessor: str) -> Token | None:
        token_id = self._by_accessor.get(accessor)
        return self._by_id.get(token_id) if token_id else None

    def accessors(self) -> list[str]:
        return list(self._by_accessor)

    def all(self) -> list[Token]:
        return list(self._by_id.values())

    def revoke(self, token: Token) -> None:
        """Revoke a token, its children (recursively) and every lease it created."""
        for child in [t for t in self._by_id.values() if t.parent == token.id]:
            self.revoke(child)
        self._vault.leases.revoke_by_token(token.id)
        self._by_id.pop(token.id, None)
        self._by_accessor.pop(token.accessor, None)

    def expire(self, now: datetime) -> None:
        for token in list(self._by_id.values()):
            expire = token.expire_time
            if expire is not None and expire <= now and token.id in self._by_id:
                self.revoke(token)
