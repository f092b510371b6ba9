"""``auth/token/*``: create (plain, orphan, against a role), roles, accessors, lookups, revoke."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tests.fakes.vault import acl
from tests.fakes.vault.routing import route
from tests.fakes.vault.tokens import SYSTEM_MAX_TTL, Token, TokenRole
from tests.fakes.vault.wire import (
    Reply,
    Req,
    bad_request,
    envelope,
    go_duration,
    multierror,
    no_content,
    not_found,
    ok,
    parse_duration,
)

if TYPE_CHECKING:
    from tests.fakes.vault.core import FakeVault

_DISPLAY = re.compile(r"[^a-zA-Z0-9-]")


def _go_list(items: list[str]) -> str:
    """Go's ``%q`` of a []string: ``["a" "b"]``."""
    return "[" + " ".join(f'"{i}"' for i in items) + "]"


def _str_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f'error converting input for field "{name}": expected a list of strings')
    return sorted({v.strip() for v in value if v.strip()})


def mount_max_ttl(v: FakeVault) -> int:
    """The token mount's max lease TTL: tuned (``sys/auth/token/tune``), else the system's."""
    return v.mounts["auth/token/"].max_lease_ttl or SYSTEM_MAX_TTL


def _with_default(policies: list[str], add: bool) -> list[str]:
    return sorted({*policies, "default"}) if add else sorted(set(policies))


def _policies(v: FakeVault, req: Req, parent: Token, role: TokenRole | None) -> list[str]:
    asked = _str_list(req.body.get("policies"), "policies")
    add_default = not (req.body.get("no_default_policy") or (role and role.token_no_default_policy))
    if "root" in asked and not parent.is_root:
        raise bad_request("root or sudo privileges required to create a token with root policy")
    if role is not None and role.allowed_policies:
        allowed = _with_default(role.allowed_policies, add_default)
        final = _with_default(asked, add_default) if asked else allowed
        if not set(final) <= set(allowed):
            raise bad_request(
                f"token policies ({_go_list(final)}) must be subset of the role's "
                f"allowed policies ({_go_list(allowed)}) or glob policies ([])"
            )
    elif not asked:
        final = _with_default(parent.policies, add_default and not parent.is_root)
    else:
        final = _with_default(asked, add_default)
        sudo = parent.is_root or acl.allows(v.rules_for(parent), req.path, ["sudo"])
        if not sudo and not set(asked) <= set(parent.policies):
            raise bad_request("child policies must be subset of parent")
    for policy in final:
        if role is not None and policy in role.disallowed_policies:
            raise bad_request(f'token policy "{policy}" is disallowed by this role')
    return final


def create_token(v: FakeVault, req: Req, role_name: str | None, orphan_path: bool) -> Reply:
    parent = req.token
    assert parent is not None
    body = req.body
    role = None
    if role_name is not None:
        role = v.tokens.roles.get(role_name)
        if role is None:
            raise bad_request(f"unknown role {role_name}")
    sudo = parent.is_root or acl.allows(v.rules_for(parent), req.path, ["sudo"])
    if body.get("no_parent") and not sudo and role is None:
        raise bad_request("root or sudo privileges required to create orphan token")
    orphan = orphan_path or bool(body.get("no_parent")) or bool(role and role.orphan)
    meta = body.get("meta")
    if meta is not None and not (
        isinstance(meta, dict) and all(isinstance(x, str) for x in meta.values())
    ):
        raise bad_request('error converting input for field "meta": expected a map of strings')
    policies = _policies(v, req, parent, role)
    warnings: list[str] = []
    explicit = parse_duration(body.get("explicit_max_ttl", 0), "explicit_max_ttl")
    if role is not None and role.explicit_max_ttl:
        if explicit:
            explicit = min(explicit, role.explicit_max_ttl)
            warnings.append(
                "Explicit max TTL specified both during creation call and in role; using the "
                f"lesser value of {explicit} seconds"
            )
        else:
            explicit = role.explicit_max_ttl
    mount = v.mounts["auth/token/"]
    ttl = parse_duration(body.get("ttl", 0), "ttl")
    if ttl == 0 and "root" not in policies:
        ttl = mount.default_lease_ttl or SYSTEM_MAX_TTL
    limit = mount_max_ttl(v)
    if explicit and explicit < limit:
        limit = explicit
    if ttl > limit:
        warnings.append(
            f'TTL of "{go_duration(ttl)}" exceeded the effective max_ttl of '
            f'"{go_duration(limit)}"; TTL value is capped accordingly'
        )
        ttl = limit
    display = "token"
    if body.get("display_name"):
        display = _DISPLAY.sub("-", "token-" + str(body["display_name"])).rstrip("-")
    renewable = bool(body.get("renewable", True)) and (role is None or role.renewable)
    token = v.tokens.add(
        policies,
        ttl,
        explicit_max_ttl=explicit,
        renewable=renewable,
        meta=dict(meta) if meta else None,
        display_name=display,
        parent=None if orphan else parent.id,
        num_uses=int(body.get("num_uses") or 0),
        path=req.path,
        role=role_name or "",
    )
    return Reply(200, envelope(auth=token.auth_block(), warnings=warnings, mount_type="token"))


@route("token", "POST", "create")
def _create(v: FakeVault, req: Req) -> Reply:
    return create_token(v, req, None, orphan_path=False)


@route("token", "POST", "create-orphan")
def _create_orphan(v: FakeVault, req: Req) -> Reply:
    return create_token(v, req, None, orphan_path=True)


@route("token", "POST", "create/{role_name}")
def _create_role(v: FakeVault, req: Req) -> Reply:
    return create_token(v, req, req.params["role_name"], orphan_path=False)


def _role_exists(v: FakeVault, req: Req) -> bool:
    return req.params["role_name"] in v.tokens.roles


@route("token", "POST", "roles/{role_name}", exists=_role_exists)
def _write_role(v: FakeVault, req: Req) -> Reply:
    b = req.body
    name = req.params["role_name"]
    old = v.tokens.roles.get(name) or TokenRole(name)
    explicit = b.get("token_explicit_max_ttl", b.get("explicit_max_ttl"))
    v.tokens.roles[name] = TokenRole(
        name=name,
        allowed_policies=_str_list(b["allowed_policies"], "allowed_policies")
        if "allowed_policies" in b
        else old.allowed_policies,
        disallowed_policies=_str_list(b["disallowed_policies"], "disallowed_policies")
        if "disallowed_policies" in b
        else old.disallowed_policies,
        orphan=bool(b.get("orphan", old.orphan)),
        renewable=bool(b.get("renewable", old.renewable)),
        explicit_max_ttl=parse_duration(explicit, "token_explicit_max_ttl")
        if explicit is not None
        else old.explicit_max_ttl,
        token_no_default_policy=bool(b.get("token_no_default_policy", old.token_no_default_policy)),
        path_suffix=str(b.get("path_suffix", old.path_suffix)),
    )
    explicit_max = v.tokens.roles[name].explicit_max_ttl
    if explicit_max > mount_max_ttl(v):
        return ok(
            None,
            warnings=[
                f"Given explicit max TTL of {explicit_max} is greater than system/mount allowed "
                f"value of {mount_max_ttl(v)} seconds; until this is fixed attempting to create "
                "tokens against this role will result in an error"
            ],
        )
    return no_content()


@route("token", "GET", "roles/{role_name}")
def _read_role(v: FakeVault, req: Req) -> Reply:
    role = v.tokens.roles.get(req.params["role_name"])
    if role is None:
        raise not_found()
    return ok(role.data())


@route("token", "DELETE", "roles/{role_name}")
def _delete_role(v: FakeVault, req: Req) -> Reply:
    v.tokens.roles.pop(req.params["role_name"], None)
    return no_content()


def _by_accessor(v: FakeVault, req: Req) -> Token:
    accessor = req.body.get("accessor")
    if not accessor:
        raise bad_request("missing accessor")
    token = v.tokens.by_accessor(str(accessor))
    if token is None:
        raise bad_request(multierror("invalid accessor"))
    return token


@route("token", "POST", "lookup-accessor")
def _lookup_accessor(v: FakeVault, req: Req) -> Reply:
    return ok(_by_accessor(v, req).lookup_data(v.clock.now(), reveal_id=False))


@route("token", "POST", "revoke-accessor")
def _revoke_accessor(v: FakeVault, req: Req) -> Reply:
    """An accessor with no token is not an error: 200 with a warning (Vault and OpenBao)."""
    token = v.tokens.by_accessor(str(req.body.get("accessor") or ""))
    if token is None:
        if not req.body.get("accessor"):
            raise bad_request("missing accessor")
        return ok(None, warnings=["No token found with this accessor"])
    v.tokens.revoke(token)
    return no_content()


@route("token", "POST", "revoke")
def _revoke(v: FakeVault, req: Req) -> Reply:
    token = v.tokens.get(str(req.body.get("token") or ""))
    if token is not None:
        v.tokens.revoke(token)
    return no_content()


@route("token", "GET", "lookup-self")
def _lookup_self(v: FakeVault, req: Req) -> Reply:
    assert req.token is not None
    return ok(req.token.lookup_data(v.clock.now(), reveal_id=True))


@route("token", "LIST", "accessors/", sudo=True)
def _list_accessors(v: FakeVault, req: Req) -> Reply:
    keys = v.tokens.accessors()
    if not keys:
        raise not_found()
    return ok({"keys": keys})
