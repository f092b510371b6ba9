"""The fake Vault answers every request jit makes the way a real OpenBao does.

Each row of ``CASES`` is one request jit makes (or one way it fails), sent with the same body
and as the same actor to the fake (tests/fakes/vault) and to a real ``bao server -dev``, after
the same set-up (docs/admin.md). The two answers must be equal after ``normalise``: status,
Content-Type, every key of the envelope (request_id, lease_id, renewable, lease_duration, data,
wrap_info, warnings, auth) and below it, the warnings word for word, the ``errors`` texts word
for word (including the real server's ``1 error occurred:\\n\\t* ...`` wrapping). Only ids,
tokens, timestamps and remaining seconds are hidden.

What a dev server cannot do on demand (5xx, timeouts, sealed, rate limits) stays tested on the
fake alone (test_vault_faults.py); Kubernetes credentials need a cluster and are not compared.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import responses

from tests.adapters.vault.differential import (
    Answer,
    Json,
    Target,
    differences,
    mint,
    oidc_at_real_time,
    set_up,
)
from tests.fakes.clock import FakeClock
from tests.fakes.oidc import GitHubOIDC
from tests.fakes.vault import FakeVault
from tests.fakes.vault.plugin import vault_contract
from tests.real.servers import OpenBao, Postgres

pytestmark = pytest.mark.real

Prepare = Callable[[Target, GitHubOIDC], dict[str, str]]


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: Json | None = None
    actor: str = "job"  # root, job (the JWT login), holder (jit-credentials), none, bogus
    wrap_ttl: str | None = None
    prepare: Prepare | None = None  # makes per-server ids the path and body name as {key}
    jwt: dict[str, Any] = field(default_factory=dict)  # claims of a minted login JWT


# --- what a case needs made first, on each server -------------------------------------------


def _token(t: Target, _: GitHubOIDC) -> dict[str, str]:
    made = t.ok(
        "POST",
        "auth/token/create/jit",
        {"policies": ["db-orders-read"], "ttl": "1h", "explicit_max_ttl": "1h"},
        token=t.tokens["job"],
    )
    return {"accessor": made["auth"]["accessor"]}


def _gone_token(t: Target, o: GitHubOIDC) -> dict[str, str]:
    made = _token(t, o)
    t.ok("POST", "auth/token/revoke-accessor", {"accessor": made["accessor"]})
    return made


def _wrapped(t: Target, _: GitHubOIDC, ttl: str = "300s") -> dict[str, str]:
    made = t.ok("POST", "sys/wrapping/wrap", {"username": "u"}, wrap_ttl=ttl)
    return {"wrap": made["wrap_info"]["token"]}


def _wrapped_token(t: Target, _: GitHubOIDC) -> dict[str, str]:
    made = t.ok(
        "POST",
        "auth/token/create/jit",
        {"policies": ["db-orders-read"], "ttl": "1h", "explicit_max_ttl": "1h"},
        token=t.tokens["job"],
        wrap_ttl="300s",
    )
    return {"wrap": made["wrap_info"]["token"]}


def _used_wrap(t: Target, o: GitHubOIDC) -> dict[str, str]:
    made = _wrapped(t, o)
    t.ok("POST", "sys/wrapping/unwrap", {}, token=made["wrap"])
    return made


def _expired_wrap(t: Target, o: GitHubOIDC) -> dict[str, str]:
    made = _wrapped(t, o, ttl="1s")
    t.wait(2.5)
    return made


def _lease(t: Target, _: GitHubOIDC) -> dict[str, str]:
    made = t.ok("GET", "database/creds/orders-readonly", token=t.tokens["holder"])
    return {"lease": made["lease_id"]}


def _gone_lease(t: Target, o: GitHubOIDC) -> dict[str, str]:
    made = _lease(t, o)
    t.ok("POST", "sys/leases/revoke", {"lease_id": made["lease"], "sync": True})
    return made


def _jwt_accessor(t: Target, _: GitHubOIDC) -> dict[str, str]:
    mounts = t.ok("GET", "sys/auth")["data"]
    return {"mount": mounts["jwt/"]["accessor"]}


def _entity(t: Target, o: GitHubOIDC) -> dict[str, str]:
    found = t.ok(
        "POST",
        "identity/lookup/entity",
        {"alias_name": "acme/access", "alias_mount_accessor": _jwt_accessor(t, o)["mount"]},
    )
    return {"entity": found["data"]["id"]}


def _group(t: Target, o: GitHubOIDC) -> dict[str, str]:
    made = _entity(t, o)
    t.ok(
        "POST",
        "identity/group/name/jit-existing",
        {"type": "internal", "policies": ["db-orders-read"], "member_entity_ids": [made["entity"]]},
    )
    return made


def _no_group(t: Target, _: GitHubOIDC) -> dict[str, str]:
    t.ok("DELETE", "identity/group/name/jit-existing")
    return {}


_TOKEN_BODY = {"policies": ["db-orders-read"], "ttl": "3600s", "explicit_max_ttl": "3600s"}
_LONG = {"policies": ["db-orders-read"], "ttl": "3456000s", "explicit_max_ttl": "3456000s"}
_SECRET = {"username": "u", "password": "p"}

CASES = [
    # JWT login (client.connect): the guide's role, and each way GitHub's token can be refused.
    Case("login", "POST", "auth/jwt/login", actor="none"),
    Case("login-expired", "POST", "auth/jwt/login", actor="none", jwt={"exp": -3600}),
    Case("login-not-yet-valid", "POST", "auth/jwt/login", actor="none", jwt={"nbf": 3600}),
    Case("login-issued-in-future", "POST", "auth/jwt/login", actor="none", jwt={"iat": 3600}),
    Case("login-wrong-audience", "POST", "auth/jwt/login", actor="none", jwt={"aud": "x"}),
    Case("login-wrong-claim", "POST", "auth/jwt/login", actor="none", jwt={"ref": "refs/heads/x"}),
    Case("login-missing-claim", "POST", "auth/jwt/login", actor="none", jwt={"environment": None}),
    Case("login-wrong-issuer", "POST", "auth/jwt/login", actor="none", jwt={"iss": "https://x"}),
    Case("login-stranger-key", "POST", "auth/jwt/login", actor="none", jwt={"stranger": True}),
    Case("login-unknown-role", "POST", "auth/jwt/login", actor="none", jwt={"role": "nope"}),
    # vault-token (issue.issue_token): created through the guide's token role, wrapped.
    Case("token-create", "POST", "auth/token/create/jit", _TOKEN_BODY),
    Case("token-create-wrapped", "POST", "auth/token/create/jit", _TOKEN_BODY, wrap_ttl="300s"),
    Case("token-create-40-days", "POST", "auth/token/create/jit", _LONG),
    Case("token-create-capped-by-role", "POST", "auth/token/create/short", _LONG, actor="root"),
    Case("token-create-unknown-role", "POST", "auth/token/create/nope", _TOKEN_BODY, actor="root"),
    Case(
        "token-create-policy-not-allowed",
        "POST",
        "auth/token/create/jit",
        {**_TOKEN_BODY, "policies": ["root-ish"]},
    ),
    Case("token-create-denied", "POST", "auth/token/create/short", _TOKEN_BODY),
    Case(
        "lookup-accessor",
        "POST",
        "auth/token/lookup-accessor",
        {"accessor": "{accessor}"},
        prepare=_token,
    ),
    Case(
        "lookup-accessor-gone",
        "POST",
        "auth/token/lookup-accessor",
        {"accessor": "{accessor}"},
        prepare=_gone_token,
    ),
    Case(
        "revoke-accessor",
        "POST",
        "auth/token/revoke-accessor",
        {"accessor": "{accessor}"},
        prepare=_token,
    ),
    Case(
        "revoke-accessor-gone",
        "POST",
        "auth/token/revoke-accessor",
        {"accessor": "{accessor}"},
        prepare=_gone_token,
    ),
    Case("revoke-accessor-unknown", "POST", "auth/token/revoke-accessor", {"accessor": "nope"}),
    # Response wrapping (issue.issue_credentials, unwrap_secret).
    Case("wrap", "POST", "sys/wrapping/wrap", _SECRET, wrap_ttl="300s"),
    Case("wrap-without-ttl", "POST", "sys/wrapping/wrap", _SECRET),
    Case(
        "wrap-lookup", "POST", "sys/wrapping/lookup", {"token": "{wrap}"}, "none", prepare=_wrapped
    ),
    Case(
        "wrap-lookup-used",
        "POST",
        "sys/wrapping/lookup",
        {"token": "{wrap}"},
        "none",
        prepare=_used_wrap,
    ),
    Case("unwrap", "POST", "sys/wrapping/unwrap", {}, actor="{wrap}", prepare=_wrapped),
    Case("unwrap-token", "POST", "sys/wrapping/unwrap", {}, actor="{wrap}", prepare=_wrapped_token),
    Case("unwrap-used", "POST", "sys/wrapping/unwrap", {}, actor="{wrap}", prepare=_used_wrap),
    Case(
        "unwrap-expired", "POST", "sys/wrapping/unwrap", {}, actor="{wrap}", prepare=_expired_wrap
    ),
    Case(
        "wrap-lookup-expired",
        "POST",
        "sys/wrapping/lookup",
        {"token": "{wrap}"},
        "none",
        prepare=_expired_wrap,
    ),
    # vault-credentials: the holder token reads the database engine; leases are checked, revoked.
    Case("creds", "GET", "database/creds/orders-readonly", actor="holder"),
    Case("creds-unknown-role", "GET", "database/creds/nope", actor="root"),
    Case("creds-denied", "GET", "database/creds/orders-readonly", actor="job"),
    Case("lease-lookup", "POST", "sys/leases/lookup", {"lease_id": "{lease}"}, prepare=_lease),
    Case(
        "lease-lookup-gone",
        "POST",
        "sys/leases/lookup",
        {"lease_id": "{lease}"},
        prepare=_gone_lease,
    ),
    Case("lease-lookup-unknown", "POST", "sys/leases/lookup", {"lease_id": "database/creds/x/y"}),
    Case(
        "lease-revoke",
        "POST",
        "sys/leases/revoke",
        {"lease_id": "{lease}", "sync": True},
        prepare=_lease,
    ),
    Case(
        "lease-revoke-gone",
        "POST",
        "sys/leases/revoke",
        {"lease_id": "{lease}", "sync": True},
        prepare=_gone_lease,
    ),
    # vault-group: find the requester's entity, then a jit-* group.
    Case("auth-mounts", "GET", "sys/auth"),
    Case(
        "entity-lookup",
        "POST",
        "identity/lookup/entity",
        {"alias_name": "acme/access", "alias_mount_accessor": "{mount}"},
        prepare=_jwt_accessor,
    ),
    Case(
        "entity-lookup-unknown",
        "POST",
        "identity/lookup/entity",
        {"alias_name": "nobody", "alias_mount_accessor": "{mount}"},
        prepare=_jwt_accessor,
    ),
    Case(
        "group-create",
        "POST",
        "identity/group/name/jit-new",
        {"type": "internal", "policies": ["db-orders-read"], "member_entity_ids": ["{entity}"]},
        prepare=_entity,
    ),
    Case(
        "group-update",
        "POST",
        "identity/group/name/jit-existing",
        {"type": "internal", "policies": ["db-orders-read"], "member_entity_ids": ["{entity}"]},
        prepare=_group,
    ),
    Case(
        "group-unknown-member",
        "POST",
        "identity/group/name/jit-bad",
        {"type": "internal", "member_entity_ids": ["0000-not-an-entity"]},
    ),
    Case("group-read", "GET", "identity/group/name/jit-existing", prepare=_group),
    Case("group-delete", "DELETE", "identity/group/name/jit-existing", prepare=_group),
    Case("group-read-gone", "GET", "identity/group/name/jit-existing", prepare=_no_group),
    Case("group-delete-gone", "DELETE", "identity/group/name/jit-existing", prepare=_no_group),
    Case("group-denied", "GET", "identity/group/name/admins"),
    # Who may call at all.
    Case("no-token", "POST", "auth/token/lookup-accessor", {"accessor": "x"}, actor="none"),
    Case("bad-token", "POST", "auth/token/lookup-accessor", {"accessor": "x"}, actor="bogus"),
    Case("no-route-denied", "GET", "nothing/here"),
    Case("no-route-root", "GET", "nothing/here", actor="root"),
]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _send(target: Target, oidc: GitHubOIDC, case: Case) -> Answer:
    ids = case.prepare(target, oidc) if case.prepare else {}
    body = _fill(case.body, ids)
    if case.path.endswith("/login"):
        claims = dict(case.jwt)
        role = claims.pop("role", "jit")
        stranger = bool(claims.pop("stranger", False))
        now = int(datetime.now(UTC).timestamp())
        times = {k: now + v for k, v in claims.items() if k in ("exp", "nbf", "iat")}
        claims.update(times)
        if "nbf" in times or "iat" in times:  # a token from the future is consistent in itself
            claims.setdefault("exp", max(times.values()) + 300)
        body = {"role": role, "jwt": mint(oidc, stranger=stranger, **claims)}
    actor = _fill(case.actor, ids)
    token = target.root_token if actor == "root" else target.tokens.get(actor, actor)
    return target.call(
        case.method, _fill(case.path, ids), body, token=token, wrap_ttl=case.wrap_ttl
    )


@pytest.fixture(scope="module")
def orders_db(postgres_server: Postgres) -> Iterator[Json]:
    """A database with one table, and the database engine's own user as docs/admin.md sets it
    up: LOGIN CREATEROLE, and SELECT ... WITH GRANT OPTION on the tables it hands out."""
    name, user = "diff" + secrets.token_hex(4), "vault" + secrets.token_hex(4)
    password = secrets.token_hex(12)
    postgres_server.sql(f'CREATE DATABASE "{name}"')
    postgres_server.sql(
        f'CREATE TABLE items (id int); CREATE ROLE "{user}" LOGIN CREATEROLE PASSWORD '
        f"'{password}'; GRANT SELECT ON items TO \"{user}\" WITH GRANT OPTION;",
        database=name,
    )
    try:
        yield {"connection_url": postgres_server.url(name), "username": user, "password": password}
    finally:
        postgres_server.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def servers(openbao_server: OpenBao, orders_db: Json) -> Iterator[tuple[Target, Target]]:
    """Both servers after the same set-up. The real one in its root namespace (as jit's default
    set-up uses it); no other test uses that namespace (tests/real/plugin.py gives each its own)."""
    oidc = oidc_at_real_time()
    clock = FakeClock(datetime.now(UTC))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru(openbao_server.address)
        fake_vault = FakeVault(rsps, clock=clock, contract=vault_contract())
        del fake_vault.mounts["auth/github/"]  # OpenBao has no github auth method
        fake = Target("fake", fake_vault.address, fake_vault.root_token, clock.advance)
        real = Target("real", openbao_server.address, openbao_server.root_token, time.sleep)
        set_up(fake, oidc, enable=False, db_connection={})
        set_up(real, oidc, enable=True, db_connection=orders_db)
        yield fake, real
        assert not fake_vault.violations


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fake_answers_like_the_real_server(servers: tuple[Target, Target], case: Case) -> None:
    fake, real = servers
    oidc = oidc_at_real_time()
    expected = _send(real, oidc, case).normalised()
    got = _send(fake, oidc, case).normalised()
    found = differences(
        {"status": got.status, "content_type": got.content_type, "body": got.body},
        {"status": expected.status, "content_type": expected.content_type, "body": expected.body},
    )
    assert not found, f"{case.name}: the fake differs from the real server:\n" + "\n".join(found)
