"""Response wrapping: single-use wrapping tokens with a TTL (NOTES §4)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from tests.fakes.vault.routing import route
from tests.fakes.vault.tokens import Token
from tests.fakes.vault.wire import Json, Reply, Req, bad_request, envelope, ok, rfc3339

if TYPE_CHECKING:
    from tests.fakes.vault.core import FakeVault

INVALID = "wrapping token is not valid or does not exist"


def wrap(v: FakeVault, creation_path: str, response: Json, ttl: int) -> Json:
    """Put ``response`` into a new wrapping token; return the wrapped envelope."""
    token = v.tokens.add_wrapping(ttl, creation_path, copy.deepcopy(response))
    auth = response.get("auth") or {}
    wrapped = envelope()
    wrapped["request_id"] = ""  # a wrapped response carries no request id
    wrapped["wrap_info"] = {
        "token": token.id,
        "accessor": token.accessor,
        "ttl": ttl,
        "creation_time": rfc3339(token.creation_time),
        "creation_path": creation_path,
    }
    if auth.get("accessor"):
        wrapped["wrap_info"]["wrapped_accessor"] = auth["accessor"]
    return wrapped


def _wrapping_token(v: FakeVault, token_id: str) -> Token:
    token = v.tokens.get(token_id)
    if token is None or not token.is_wrapping:
        raise bad_request(INVALID)
    return token


@route("system", "POST", "wrapping/wrap")
def _wrap(v: FakeVault, req: Req) -> Reply:
    if not req.wrap_ttl:
        raise bad_request("endpoint requires response wrapping to be used")
    return ok(dict(req.body))  # the core wraps it, as it wraps any response


@route("system", "POST", "wrapping/unwrap", authenticated=False, wrappable=False)
def _unwrap(v: FakeVault, req: Req) -> Reply:
    header_token = req.headers.get("X-Vault-Token", "")
    body_token = str(req.body.get("token") or "")
    if body_token and header_token == body_token:
        raise bad_request("wrapping token cannot be specified in both the header and the body")
    if body_token:
        caller = v.tokens.get(header_token)
        if caller is None or caller.is_wrapping:
            raise v.permission_denied()
        token = _wrapping_token(v, body_token)
    else:
        token = _wrapping_token(v, header_token)
    response = token.cubbyhole
    v.tokens.revoke(token)  # single use
    assert response is not None
    return Reply(200, response)


@route("system", "POST", "wrapping/lookup", authenticated=False, wrappable=False)
def _lookup(v: FakeVault, req: Req) -> Reply:
    token = _wrapping_token(v, str(req.body.get("token") or ""))
    return ok(
        {
            "creation_path": token.creation_path,
            "creation_time": rfc3339(token.creation_time),
            "creation_ttl": token.ttl,
        }
    )
