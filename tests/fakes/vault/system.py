"""``sys/``: auth and secrets mounts, ACL policies, seal status, health, capabilities-self."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tests.fakes.vault import acl
from tests.fakes.vault.routing import route
from tests.fakes.vault.tokens import SYSTEM_MAX_TTL
from tests.fakes.vault.wire import (
    Json,
    Reply,
    Req,
    bad_request,
    envelope,
    no_content,
    not_found,
    ok,
    parse_duration,
)

if TYPE_CHECKING:
    from tests.fakes.vault.core import FakeVault, Mount

AUTH_TYPES = frozenset({"jwt", "github", "token", "userpass", "oidc"})
SECRET_TYPES = frozenset({"database", "kubernetes", "kv", "aws"})


def _auth_mount(m: Mount) -> Json:
    """One auth mount as ``GET sys/auth`` lists it (OpenBao 2.7's fields)."""
    builtin = m.type == "token"
    described: Json = {
        "accessor": m.accessor,
        "type": m.type,
        "description": "token based credentials" if builtin else "",
        "config": {
            "default_lease_ttl": m.default_lease_ttl,
            "force_no_cache": False,
            "max_lease_ttl": m.max_lease_ttl,
            "token_type": "default-service",
        },
        "external_entropy_access": False,
        "local": False,
        "options": None if builtin else {},
        "plugin_version": "",
        "running_plugin_version": "v2.7.2+builtin.bao",
        "running_sha256": "",
        "seal_wrap": False,
        "uuid": str(uuid.uuid4()),
    }
    if not builtin:
        described["deprecation_status"] = "supported"
    return described


@route("system", "GET", "auth")
def _list_auth(v: FakeVault, req: Req) -> Reply:
    data = {m.path.removeprefix("auth/"): _auth_mount(m) for m in v.mounts.values() if m.is_auth}
    body = envelope(data=data)
    body.update(data)  # sys/auth also repeats the mounts at the top level
    return Reply(200, body)


@route("system", "POST", "auth/{path}", sudo=True)
def _enable_auth(v: FakeVault, req: Req) -> Reply:
    kind = str(req.body.get("type") or "")
    if kind not in AUTH_TYPES:
        raise bad_request(
            f'unknown auth method type "{kind}"' if kind else "auth method type required"
        )
    path = "auth/" + req.params["path"].strip("/") + "/"
    if path in v.mounts:
        raise bad_request(f"path is already in use at {path}")
    v.enable(path, kind)
    return no_content()


def _tuned(v: FakeVault, path: str) -> Mount:
    mount = v.mounts.get(path.strip("/") + "/")
    if mount is None:
        raise bad_request(f"cannot fetch mount entry for path {path.strip('/')}/")
    return mount


@route("system", "POST", "auth/{path}/tune", sudo=True)
def _tune_auth(v: FakeVault, req: Req) -> Reply:
    mount = _tuned(v, "auth/" + req.params["path"])
    for key in ("default_lease_ttl", "max_lease_ttl"):
        if key in req.body:
            setattr(mount, key, parse_duration(req.body[key], key))
    return no_content()


@route("system", "GET", "auth/{path}/tune", sudo=True)
def _read_tune(v: FakeVault, req: Req) -> Reply:
    mount = _tuned(v, "auth/" + req.params["path"])
    data = {
        "default_lease_ttl": mount.default_lease_ttl or SYSTEM_MAX_TTL,
        "max_lease_ttl": mount.max_lease_ttl or SYSTEM_MAX_TTL,
        "force_no_cache": False,
        "token_type": "default-service",
        "description": "",
    }
    body = envelope(data=data)
    body.update(data)  # sys/*/tune also repeats the values at the top level
    return Reply(200, body)


@route("system", "POST", "mounts/{path}")
def _enable_secrets(v: FakeVault, req: Req) -> Reply:
    kind = str(req.body.get("type") or "")
    if kind not in SECRET_TYPES:
        raise bad_request(f"plugin not found in the catalog: {kind}")
    path = req.params["path"].strip("/") + "/"
    if path in v.mounts:
        raise bad_request(f"path is already in use at {path}")
    v.enable(path, kind)
    return no_content()


@route("system", "POST", "policies/acl/{name}")
def _write_policy(v: FakeVault, req: Req) -> Reply:
    text = str(req.body.get("policy") or "")
    try:
        rules = acl.parse(text)
    except acl.PolicyError as err:
        raise bad_request(f"failed to parse policy: {err}") from None
    v.policies[req.params["name"]] = rules
    v.policy_texts[req.params["name"]] = text
    return no_content()


@route("system", "GET", "policies/acl/{name}")
def _read_policy(v: FakeVault, req: Req) -> Reply:
    name = req.params["name"]
    if name not in v.policy_texts:
        raise not_found()
    return ok({"name": name, "policy": v.policy_texts[name]})


@route("system", "DELETE", "policies/acl/{name}")
def _delete_policy(v: FakeVault, req: Req) -> Reply:
    v.policies.pop(req.params["name"], None)
    v.policy_texts.pop(req.params["name"], None)
    return no_content()


@route("system", "GET", "seal-status", authenticated=False)
def _seal_status(v: FakeVault, req: Req) -> Reply:
    return Reply(
        200,
        {
            "type": "shamir",
            "initialized": True,
            "sealed": v.sealed,
            "t": 1,
            "n": 1,
            "version": "1.15.0",
        },
    )


@route("system", "GET", "health", authenticated=False)
def _health(v: FakeVault, req: Req) -> Reply:
    """As Vault: 200 when active and unsealed, 503 when sealed (the body says which)."""
    body = {
        "initialized": True,
        "sealed": v.sealed,
        "standby": False,
        "version": "1.15.0",
        "cluster_name": "vault-cluster-fake",
    }
    return Reply(503 if v.sealed else 200, body)


@route("system", "POST", "capabilities-self")
def _capabilities_self(v: FakeVault, req: Req) -> Reply:
    """The caller's capabilities on each of ``paths`` (or ``path``), as Vault lists them:
    per path at the top level and under ``data``; ``capabilities`` merges them all."""
    paths = req.body.get("paths") or req.body.get("path")
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not paths:
        raise bad_request("missing paths")
    assert req.token is not None
    rules = v.rules_for(req.token)
    found: dict[str, list[str]] = {}
    for path in paths:
        if req.token.is_root:
            caps = ["root"]
        else:
            caps = sorted(acl.capabilities(rules, str(path))) or ["deny"]
        found[str(path)] = caps
    merged = sorted({c for caps in found.values() for c in caps})
    data: Json = {**found, "capabilities": merged}
    body = envelope(data=data)
    body.update(data)
    return Reply(200, body)
