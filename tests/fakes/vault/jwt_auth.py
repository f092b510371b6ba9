"""The JWT auth method, as GitHub Actions OIDC logins use it (NOTES §5).

Signatures are verified with PyJWT against the configured keys: ``jwt_validation_pubkeys``,
or the JWKS the fake knows for ``jwks_url`` / ``oidc_discovery_url`` (``FakeVault.jwks``).
Time claims are checked against the fake clock with Vault's default leeways.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization

from tests.fakes.vault.routing import route
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
    from tests.fakes.vault.core import FakeVault

EXPIRATION_LEEWAY = 150
NOT_BEFORE_LEEWAY = 150
CLOCK_SKEW_LEEWAY = 60


def _conf(v: FakeVault, req: Req) -> dict[str, Any]:
    return v.mounts[req.mount_path].state.setdefault("config", {})


def _roles(v: FakeVault, req: Req) -> dict[str, dict[str, Any]]:
    return v.mounts[req.mount_path].state.setdefault("roles", {})


@route("jwt", "POST", "config")
def _write_config(v: FakeVault, req: Req) -> Reply:
    b = req.body
    sources = [k for k in ("oidc_discovery_url", "jwks_url", "jwt_validation_pubkeys") if b.get(k)]
    if len(sources) != 1:
        raise bad_request(
            "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set"
        )
    url = b.get("oidc_discovery_url") or b.get("jwks_url")
    if url and url not in v.jwks:
        raise bad_request(f"error checking oidc discovery URL: no JWKS known for {url!r}")
    _conf(v, req).clear()
    _conf(v, req).update({k: x for k, x in b.items() if x is not None})
    return no_content()


@route("jwt", "GET", "config")
def _read_config(v: FakeVault, req: Req) -> Reply:
    if not _conf(v, req):
        raise not_found()
    return ok(dict(_conf(v, req)))


@route("jwt", "POST", "role/{name}", exists=lambda v, r: r.params["name"] in _roles(v, r))
def _write_role(v: FakeVault, req: Req) -> Reply:
    b = {k: x for k, x in req.body.items() if x is not None}
    role_type = b.get("role_type", "oidc")
    if role_type not in ("jwt", "oidc"):
        raise bad_request(f"invalid 'role_type': {role_type}")
    if role_type == "oidc" and not b.get("allowed_redirect_uris"):
        raise bad_request(
            '"allowed_redirect_uris" must be set if "role_type" is "oidc" or unspecified.'
        )
    if not b.get("user_claim"):
        raise bad_request("a user claim must be defined on the role")
    if role_type == "jwt" and not any(
        b.get(k)
        for k in (
            "bound_audiences",
            "bound_subject",
            "bound_claims",
            "token_bound_cidrs",
            "bound_cidrs",
        )
    ):
        raise bad_request("must have at least one bound constraint when creating/updating a role")
    claims_type = b.get("bound_claims_type", "string")
    if claims_type not in ("string", "glob"):
        raise bad_request(f"invalid 'bound_claims_type': {claims_type}")
    for key, value in (b.get("bound_claims") or {}).items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(x, str) for x in values):
            raise bad_request(
                f"unsupported type for bound_claims key {key!r}: want a string or list"
            )
    for key in ("token_ttl", "token_max_ttl", "token_explicit_max_ttl"):
        if key in b:
            b[key] = parse_duration(b[key], key)
    _roles(v, req)[req.params["name"]] = {
        "role_type": role_type,
        "bound_claims_type": claims_type,
        **b,
    }
    return no_content()


@route("jwt", "GET", "role/{name}")
def _read_role(v: FakeVault, req: Req) -> Reply:
    role = _roles(v, req).get(req.params["name"])
    if role is None:
        raise not_found()
    return ok(dict(role))


def _keys(v: FakeVault, config: dict[str, Any]) -> list[Any]:
    if config.get("jwt_validation_pubkeys"):
        return [
            serialization.load_pem_public_key(p.encode()) for p in config["jwt_validation_pubkeys"]
        ]
    jwks = v.jwks[config.get("oidc_discovery_url") or config["jwks_url"]]
    return [jwt.PyJWK(k).key for k in jwks["keys"]]


def _verify(v: FakeVault, config: dict[str, Any], token: str) -> Json:
    algorithms = config.get("jwt_supported_algs") or ["RS256"]
    for key in _keys(v, config):
        try:
            claims: Json = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                options={
                    "verify_signature": True,
                    "verify_aud": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_iss": False,
                },
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as err:
            raise bad_request(f"error validating token: {err}") from None
        return claims
    raise bad_request(
        "error validating token: error verifying token signature: no known key successfully "
        "validated the token signature"
    )


def _check_time(v: FakeVault, claims: Json) -> None:
    now = v.clock.time()
    if "exp" in claims and now > claims["exp"] + EXPIRATION_LEEWAY + CLOCK_SKEW_LEEWAY:
        raise bad_request(
            "error validating token: invalid expiration time (exp) claim: token is expired"
        )
    if "nbf" in claims and now < claims["nbf"] - NOT_BEFORE_LEEWAY - CLOCK_SKEW_LEEWAY:
        raise bad_request(
            "error validating token: invalid not before (nbf) claim: token not yet valid"
        )
    if "iat" in claims and now < claims["iat"] - CLOCK_SKEW_LEEWAY:
        raise bad_request(
            "error validating token: invalid issued at (iat) claim: token issued in the future"
        )


def _glob(pattern: str, value: str) -> bool:
    """go-glob: only ``*`` is special (fnmatch would also treat ``?`` and ``[``)."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), value) is not None


def _check_claims(role: dict[str, Any], claims: Json) -> None:
    audiences = role.get("bound_audiences") or []
    aud = claims.get("aud")
    aud_list = aud if isinstance(aud, list) else [aud] if aud else []
    if audiences and not set(aud_list) & set(audiences):
        raise bad_request(
            "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience"
        )
    if aud_list and not audiences:
        raise bad_request("audience claim found in JWT but no audiences bound to the role")
    if role.get("bound_subject") and claims.get("sub") != role["bound_subject"]:
        raise bad_request("sub claim does not match bound subject")
    use_glob = role["bound_claims_type"] == "glob"
    for key, expected in (role.get("bound_claims") or {}).items():
        if key not in claims:
            raise bad_request(f'error validating claims: claim "{key}" is missing')
        expected_values = expected if isinstance(expected, list) else [expected]
        actual = claims[key] if isinstance(claims[key], list) else [claims[key]]
        match = _glob if use_glob else (lambda e, a: e == a)
        if not any(match(e, str(a)) for e in expected_values for a in actual):
            raise bad_request(
                f'error validating claims: claim "{key}" does not match any associated bound claim values'
            )


@route("jwt", "POST", "login", authenticated=False)
def _login(v: FakeVault, req: Req) -> Reply:
    name = str(req.body.get("role") or "")
    if not name:
        raise bad_request("missing role")
    role = _roles(v, req).get(name)
    if role is None:
        raise bad_request(f'role "{name}" could not be found')
    if role["role_type"] == "oidc":
        raise bad_request("role with oidc role_type is not allowed")
    token = str(req.body.get("jwt") or "")
    if not token:
        raise bad_request("missing token")
    config = _conf(v, req)
    claims = _verify(v, config, token)
    if config.get("bound_issuer") and claims.get("iss") != config["bound_issuer"]:
        raise bad_request("error validating token: invalid issuer (iss) claim")
    _check_time(v, claims)
    _check_claims(role, claims)
    user = claims.get(role["user_claim"])
    if user is None:
        raise bad_request(f'claim "{role["user_claim"]}" not found in token')
    mount = v.mounts[req.mount_path]
    entity = v.identity.by_alias(str(user), mount.accessor)
    if entity is None:
        entity = v.identity.add_entity(f"entity_{v.ids.base62(8).lower()}")
        alias = v.identity.add_alias(entity, str(user), mount.accessor)
        alias.metadata = {"role": name}
    mapped = {
        str(dst): str(claims[src])
        for src, dst in (role.get("claim_mappings") or {}).items()
        if src in claims
    }
    policies = sorted(set(role.get("token_policies") or role.get("policies") or []))
    if not role.get("token_no_default_policy"):  # Vault lists a token's policies sorted
        policies = sorted({*policies, "default"})
    ttl = int(role.get("token_ttl") or 2764800)
    max_ttl = int(role.get("token_explicit_max_ttl") or 0)
    issued = v.tokens.add(
        policies,
        min(ttl, max_ttl) if max_ttl else ttl,
        explicit_max_ttl=max_ttl,
        renewable=True,
        meta={"role": name, **mapped},
        display_name=f"{mount.path.split('/')[1]}-{user}",
        path=f"{req.mount_path}login",
        entity_id=entity.id,
    )
    return Reply(200, envelope(auth=issued.auth_block(), mount_type="jwt"))
