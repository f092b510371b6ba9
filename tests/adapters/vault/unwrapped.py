"""``unwrap_secret`` as the adapter tests use it: accepting jit's creation paths only, and giving
back what the old flat shape held (the token's auth fields, or the secret's data)."""

from __future__ import annotations

from typing import Any

from jit.adapters.vault import unwrap_secret
from jit.delivery.provenance import TrustedVault, check_creation_path

#: Where the backend under test wraps: the token role and the creds paths of tests/adapters/vault.
JIT_PATHS = frozenset(
    {"auth/token/create/jit", "database/creds/orders-readonly", "kubernetes/creds/prod-view"}
)


def accept_jit(path: str) -> None:
    check_creation_path(path, TrustedVault("", None, JIT_PATHS))


def unwrap(address: str, namespace: str | None, token: str, **kwargs: Any) -> dict[str, Any]:
    _path, answer = unwrap_secret(address, namespace, token, accept=accept_jit, **kwargs)
    auth = answer.get("auth")
    if isinstance(auth, dict):
        return {
            "token": auth.get("client_token"),
            "accessor": auth.get("accessor"),
            "policies": auth.get("policies"),
        }
    data = answer.get("data") or {}
    assert isinstance(data, dict)
    return data
