"""Secrets engines: database (NOTES §1) and kubernetes (NOTES §6) dynamic credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakes.vault.routing import route
from tests.fakes.vault.tokens import SYSTEM_MAX_TTL
from tests.fakes.vault.wire import (
    Reply,
    Req,
    VaultErr,
    bad_request,
    no_content,
    not_found,
    ok,
    parse_duration,
)

if TYPE_CHECKING:
    from tests.fakes.vault.core import FakeVault


def _state(v: FakeVault, req: Req, key: str) -> dict[str, dict[str, Any]]:
    return v.mounts[req.mount_path].state.setdefault(key, {})


def _role_exists(v: FakeVault, req: Req) -> bool:
    return req.params["name"] in _state(v, req, "roles")


def _ttl(value: Any, name: str) -> int:
    return parse_duration(value, name) if value not in (None, "") else 0


# --- database ------------------------------------------------------------------------------


@route(
    "database",
    "POST",
    "config/{name}",
    exists=lambda v, r: r.params["name"] in _state(v, r, "config"),
)
def _db_config(v: FakeVault, req: Req) -> Reply:
    allowed = req.body.get("allowed_roles") or []
    _state(v, req, "config")[req.params["name"]] = {
        "allowed_roles": allowed.split(",") if isinstance(allowed, str) else list(allowed)
    }
    return no_content()


@route("database", "POST", "roles/{name}", exists=_role_exists)
def _db_write_role(v: FakeVault, req: Req) -> Reply:
    b = req.body
    _state(v, req, "roles")[req.params["name"]] = {
        "db_name": b.get("db_name", ""),
        "creation_statements": b.get("creation_statements", []),
        "default_ttl": _ttl(b.get("default_ttl"), "default_ttl"),
        "max_ttl": _ttl(b.get("max_ttl"), "max_ttl"),
    }
    return no_content()


@route("database", "GET", "roles/{name}")
def _db_read_role(v: FakeVault, req: Req) -> Reply:
    role = _state(v, req, "roles").get(req.params["name"])
    if role is None:
        raise not_found()
    return ok(dict(role))


@route("database", "GET", "creds/{name}")
def _db_creds(v: FakeVault, req: Req) -> Reply:
    name = req.params["name"]
    role = _state(v, req, "roles").get(name)
    if role is None:
        raise bad_request(f"unknown role: {name}")
    config = _state(v, req, "config").get(role["db_name"])
    if (
        config is not None
        and name not in config["allowed_roles"]
        and "*" not in config["allowed_roles"]
    ):
        raise VaultErr(500, f'"{name}" is not an allowed role')
    max_ttl = role["max_ttl"] or SYSTEM_MAX_TTL
    ttl = min(role["default_ttl"] or SYSTEM_MAX_TTL, max_ttl)
    assert req.token is not None
    lease = v.leases.issue(req.path, req.token.id, ttl, max_ttl, renewable=True)
    data = {"username": f"v-token-{name[:10]}-{v.ids.base62(20)}", "password": v.ids.base62(20)}
    v.issued_secrets.append(data["password"])
    return ok(data, lease_id=lease.id, lease_duration=ttl, renewable=True, mount_type="database")


# --- kubernetes ----------------------------------------------------------------------------


@route("kubernetes", "POST", "roles/{name}", exists=_role_exists)
def _k8s_write_role(v: FakeVault, req: Req) -> Reply:
    b = req.body
    modes = [
        k
        for k in ("service_account_name", "kubernetes_role_name", "generated_role_rules")
        if b.get(k)
    ]
    if len(modes) != 1:
        raise bad_request(
            "one (and only one) of service_account_name, kubernetes_role_name or "
            "generated_role_rules must be set"
        )
    _state(v, req, "roles")[req.params["name"]] = {
        "allowed_kubernetes_namespaces": list(b.get("allowed_kubernetes_namespaces") or []),
        "token_default_ttl": _ttl(b.get("token_default_ttl"), "token_default_ttl"),
        "token_max_ttl": _ttl(b.get("token_max_ttl"), "token_max_ttl"),
        "service_account_name": b.get("service_account_name", ""),
        "kubernetes_role_name": b.get("kubernetes_role_name", ""),
        "kubernetes_role_type": b.get("kubernetes_role_type", "Role"),
    }
    return no_content()


@route("kubernetes", "POST", "creds/{name}")
def _k8s_creds(v: FakeVault, req: Req) -> Reply:
    name = req.params["name"]
    role = _state(v, req, "roles").get(name)
    if role is None:
        raise bad_request(f"role '{name}' does not exist")
    namespaces = role["allowed_kubernetes_namespaces"]
    namespace = req.body.get("kubernetes_namespace")
    if not namespace:
        if len(namespaces) != 1 or namespaces == ["*"]:
            raise VaultErr(
                500,
                "error verifying namespace: 'kubernetes_namespace' is required unless the Vault "
                "role has a single namespace specified",
            )
        namespace = namespaces[0]
    if "*" not in namespaces and namespace not in namespaces:
        raise bad_request(
            f"kubernetes_namespace '{namespace}' is not present in role's "
            "allowed_kubernetes_namespaces or does not match role's label selector "
            "allowed_kubernetes_namespace_selector"
        )
    if req.body.get("cluster_role_binding") and role["kubernetes_role_type"] == "Role":
        raise bad_request("a ClusterRoleBinding cannot ref a Role")
    warnings = []
    ttl = _ttl(req.body.get("ttl"), "ttl") or role["token_default_ttl"] or SYSTEM_MAX_TTL
    if role["token_max_ttl"] and ttl > role["token_max_ttl"]:
        warnings.append(f"ttl of {ttl}s is greater than the role's token_max_ttl; capping")
        ttl = role["token_max_ttl"]
    assert req.token is not None
    lease = v.leases.issue(req.path, req.token.id, ttl, ttl, renewable=False)
    account = role["service_account_name"] or f"v-token-{name[:10]}-{v.ids.base62(8).lower()}"
    data = {
        "service_account_name": account,
        "service_account_namespace": namespace,
        "service_account_token": "eyJhbGciOiJSUzI1NiJ9." + v.ids.base62(40),
    }
    v.issued_secrets.append(data["service_account_token"])
    return ok(
        data,
        lease_id=lease.id,
        lease_duration=ttl,
        renewable=False,
        warnings=warnings,
        mount_type="kubernetes",
    )
