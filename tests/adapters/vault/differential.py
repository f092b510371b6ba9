"""The fake Vault and a real OpenBao side by side: the same set-up, the same requests, answers
normalised so that only what may legitimately differ (ids, tokens, timestamps) is hidden.

``Target`` is one server as the differential test sees it: raw HTTP (no hvac, no jit), so the
comparison covers exactly what each server put on the wire. ``normalise`` keeps everything
else: status, Content-Type, every key at every depth, booleans, numbers, policies, warnings and
error texts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization

from tests.adapters.vault import admin
from tests.fakes.clock import FakeClock
from tests.fakes.oidc import GitHubOIDC

Json = dict[str, Any]

#: Values that differ between any two servers (or runs): replaced by ``<key>`` when non-empty.
VOLATILE = frozenset(
    {
        "request_id",
        "lease_id",
        "client_token",
        "accessor",
        "wrapped_accessor",
        "token",
        "id",
        "entity_id",
        "canonical_id",
        "mount_accessor",
        "creation_time",
        "issue_time",
        "expire_time",
        "last_update_time",
        "last_renewal",
        "username",
        "password",
        "uuid",
        "member_entity_ids",
        "name",  # an entity's generated name; groups and roles the tests name are kept
    }
)
#: Remaining seconds: the real server's clock moves between two calls, the fake's does not.
_REMAINING = frozenset({"ttl"})
_MOUNT = ("mount_type",)  # Vault 1.15 adds it to some envelopes; OpenBao 2.7 does not


def normalise(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [normalise(v, key) for v in value]
    if key in VOLATILE and value not in ("", None, 0):
        return f"<{key}>"
    if key in _REMAINING and isinstance(value, int) and value > 60:
        return f"<{key}~{round(value / 60)}m>"
    return value


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: Any

    @classmethod
    def of(cls, response: requests.Response) -> Answer:
        text = response.text
        body = json.loads(text) if text.strip() else None
        if isinstance(body, dict):
            for k in _MOUNT:
                body.pop(k, None)
        return cls(response.status_code, response.headers.get("Content-Type", ""), body)

    def normalised(self) -> Answer:
        return Answer(self.status, self.content_type, normalise(self.body))


def differences(got: Any, expected: Any, where: str = "") -> list[str]:
    """Every place ``got`` differs from ``expected``, as ``where: got != expected`` lines."""
    if isinstance(got, dict) and isinstance(expected, dict):
        out = []
        for key in sorted(set(got) | set(expected), key=str):
            here = f"{where}.{key}" if where else str(key)
            if key not in expected:
                out.append(f"{here}: only the fake has it ({got[key]!r})")
            elif key not in got:
                out.append(f"{here}: only the real server has it ({expected[key]!r})")
            else:
                out.extend(differences(got[key], expected[key], here))
        return out
    if isinstance(got, list) and isinstance(expected, list) and len(got) == len(expected):
        return [
            d
            for i, (g, e) in enumerate(zip(got, expected, strict=True))
            for d in differences(g, e, f"{where}[{i}]")
        ]
    return [] if got == expected else [f"{where or 'body'}: fake {got!r} != real {expected!r}"]


@dataclass
class Target:
    """One Vault-compatible server: its address, its root token and how time passes on it."""

    name: str
    address: str
    root_token: str
    wait: Callable[[float], None]
    session: requests.Session = field(default_factory=requests.Session)
    tokens: dict[str, str] = field(default_factory=dict)  # actor name -> token

    def call(
        self,
        method: str,
        path: str,
        body: Json | None = None,
        *,
        token: str | None = None,
        wrap_ttl: str | None = None,
    ) -> Answer:
        headers = {"X-Vault-Token": self.root_token if token is None else token}
        if not headers["X-Vault-Token"]:
            headers = {}
        if wrap_ttl:
            headers["X-Vault-Wrap-TTL"] = wrap_ttl
        verb, query = ("GET", "?list=true") if method == "LIST" else (method, "")
        response = self.session.request(
            verb,
            f"{self.address}/v1/{path}{query}",
            json=body,
            headers=headers,
            timeout=30,
        )
        return Answer.of(response)

    def ok(self, method: str, path: str, body: Json | None = None, **kw: Any) -> Any:
        answer = self.call(method, path, body, **kw)
        assert answer.status in (200, 204), f"{self.name}: {method} {path}: {answer}"
        return answer.body


def public_pem(oidc: GitHubOIDC) -> str:
    key = oidc._key.public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def mint(oidc: GitHubOIDC, *, stranger: bool = False, **claims: Any) -> str:
    """A GitHub-shaped ID token for the guide's JWT role, at real time (both servers check it
    against the wall clock: the fake's clock is set to it)."""
    now = int(time.time())
    values = {"aud": admin.AUDIENCE, "iat": now, "nbf": now - 5, "exp": now + 300, **claims}
    return oidc.mint(signed_by_stranger=stranger, **values)


def set_up(target: Target, oidc: GitHubOIDC, *, enable: bool, db_connection: Json) -> None:
    """The guide's set-up (docs/admin.md, as tests/adapters/vault/admin.py lists it), plus the
    token mount tune the guide needs for 2160h grants; JWT keys are given inline (the real server
    cannot reach GitHub's discovery URL)."""
    if enable:
        target.ok("POST", "sys/auth/jwt", {"type": "jwt"})
        target.ok("POST", "sys/mounts/database", {"type": "database"})
    target.ok("POST", "sys/auth/token/tune", {"max_lease_ttl": "2160h"})
    target.ok(
        "POST",
        "auth/jwt/config",
        {"jwt_validation_pubkeys": [public_pem(oidc)], "bound_issuer": oidc.issuer},
    )
    for step in admin.steps():
        if step.path is None or step.path == "auth/jwt/config" or step.path.startswith("kube"):
            continue
        body = dict(step.body or {})
        if step.path.startswith("database/config/"):
            body.update(db_connection)
        target.ok("POST", step.path, body)
    # A token role whose own cap is below a grant's end: the server shortens the token.
    target.ok(
        "POST",
        "auth/token/roles/short",
        {
            "allowed_policies": ["db-orders-read"],
            "orphan": True,
            "renewable": False,
            "token_explicit_max_ttl": "1h",
        },
    )
    login = target.ok("POST", "auth/jwt/login", {"role": "jit", "jwt": mint(oidc)}, token="")
    target.tokens["job"] = login["auth"]["client_token"]
    holder = target.ok(
        "POST",
        "auth/token/create/jit",
        {"policies": ["jit-credentials"], "ttl": "1h", "explicit_max_ttl": "1h"},
        token=target.tokens["job"],
    )
    target.tokens["holder"] = holder["auth"]["client_token"]
    target.tokens["none"] = ""
    target.tokens["bogus"] = "s.NotAToken0000000000000000"


def oidc_at_real_time() -> GitHubOIDC:
    return GitHubOIDC(FakeClock(), repository=admin.REPOSITORY, workflow=admin.WORKFLOW)
