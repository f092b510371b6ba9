"""``FakeVault``: a stateful Vault 1.15 served through ``responses`` at ``https://vault.fake:8200``.

Every request passes the same gates as in Vault, in order: fault injection, namespace, seal,
expiry (tokens, leases and wrapping tokens whose TTL ran out are revoked first), routing,
contract check of the body, token and ACL check, the handler, and response wrapping when
``X-Vault-Wrap-TTL`` asks for it. Request bodies that break ``openapi.json`` are recorded in
``violations`` and raise ``ContractViolation`` (an AssertionError), which fails the test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses

from tests.fakes.clock import FakeClock
from tests.fakes.vault import (
    acl,
    engines,
    identity,
    jwt_auth,
    leases,
    routing,
    system,
    tokens_api,
    wrapping,
)
from tests.fakes.vault.contract import Contract, ContractViolation
from tests.fakes.vault.faults import Fault, Faults
from tests.fakes.vault.identity import IdentityStore
from tests.fakes.vault.leases import LeaseStore
from tests.fakes.vault.tokens import Token, TokenStore
from tests.fakes.vault.wire import (
    JSON_TYPE,
    NO_TOKEN,
    PERMISSION_DENIED,
    Ids,
    Json,
    Reply,
    Req,
    VaultErr,
    error_reply,
    parse_duration,
)

ADDRESS = "https://vault.fake:8200"
_HANDLERS = (engines, identity, jwt_auth, leases, system, tokens_api, wrapping)  # registers routes


@dataclass
class Mount:
    path: str  # "database/", "auth/jwt/"
    type: str
    accessor: str
    state: dict[str, Any] = field(default_factory=dict)
    #: ``sys/auth/<path>/tune`` (and ``sys/mounts/<path>/tune``); 0: the system's 768h.
    default_lease_ttl: int = 0
    max_lease_ttl: int = 0

    @property
    def is_auth(self) -> bool:
        return self.path.startswith("auth/")


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it (for assertions; holds no response)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Json


class FakeVault:
    def __init__(
        self,
        rsps: responses.RequestsMock,
        *,
        clock: FakeClock | None = None,
        address: str = ADDRESS,
        namespace: str | None = None,
        contract: Contract | None = None,
        seed: int = 7,
    ) -> None:
        self.clock = clock or FakeClock()
        self.ids = Ids(seed)
        self.address = address.rstrip("/")
        self.namespace = namespace
        self.namespace_id = "nsfake1"
        self.contract = contract
        self.sealed = False
        self.mounts: dict[str, Mount] = {}
        self.policies: dict[str, list[acl.Rule]] = {"default": acl.parse(acl.DEFAULT_POLICY)}
        self.policy_texts: dict[str, str] = {"default": acl.DEFAULT_POLICY}
        self.jwks: dict[str, Json] = {}  # JWKS by jwks_url / oidc_discovery_url
        self.issued_secrets: list[str] = []  # every secret value the fake handed out
        self.violations: list[str] = []
        self.requests: list[Seen] = []
        self._faults = Faults()
        self.tokens = TokenStore(self)
        self.leases = LeaseStore(self)
        self.identity = IdentityStore(self)
        for path, kind in (("sys/", "system"), ("identity/", "identity"), ("auth/token/", "token")):
            self.enable(path, kind)
        for path, kind in (
            ("auth/jwt/", "jwt"),
            ("auth/github/", "github"),
            ("database/", "database"),
            ("kubernetes/", "kubernetes"),
        ):
            self.enable(path, kind)
        self.root = self.tokens.add(["root"], 0, display_name="root")
        self.root_token = self.root.id
        pattern = re.compile(re.escape(self.address) + r"/v1/.*")
        for method in ("GET", "POST", "PUT", "DELETE", "LIST"):
            rsps.add_callback(method, pattern, callback=self._callback)

    # --- set-up and control ---------------------------------------------------------------

    def enable(self, path: str, kind: str) -> Mount:
        mount = Mount(
            path,
            kind,
            f"{'auth' if path.startswith('auth/') else 'mount'}_{kind}_{self.ids.base62(8).lower()}",
        )
        self.mounts[path] = mount
        return mount

    def accessor_of(self, path: str) -> str:
        return self.mounts[path.rstrip("/") + "/"].accessor

    def put_policy(self, name: str, text: str) -> None:
        self.policies[name] = acl.parse(text)
        self.policy_texts[name] = text

    def add_entity(
        self, name: str, *, alias: str | None = None, mount: str = "auth/github/"
    ) -> str:
        """An entity with an alias on ``mount`` (a GitHub login on the github mount)."""
        entity = self.identity.add_entity(name)
        self.identity.add_alias(entity, alias or name, self.accessor_of(mount))
        return entity.id

    def fail_next(
        self,
        method: str,
        path: str,
        status: int | None = None,
        times: int = 1,
        *,
        errors: list[str] | None = None,
        exc: BaseException | type[BaseException] | None = None,
        content_type: str = JSON_TYPE,
    ) -> None:
        """Make the next ``times`` matching requests fail with ``status`` or raise ``exc``.

        ``method`` may be ``*``; ``path`` is a glob on the path without ``/v1/``. The body is
        ``{"errors": errors}`` (a default message per status), sent as ``content_type``.
        """
        self._faults.add(Fault(method.upper(), path, status, errors, exc, times, content_type))

    def seal(self) -> None:
        self.sealed = True

    def unseal(self) -> None:
        self.sealed = False

    def permission_denied(self) -> VaultErr:
        return VaultErr(403, PERMISSION_DENIED)

    def rules_for(self, token: Token) -> list[acl.Rule]:
        """Token policies plus the policies of identity groups its entity belongs to."""
        names = set(token.policies)
        for group in self.identity.groups.values():
            if token.entity_id and token.entity_id in group.member_entity_ids:
                names |= set(group.policies)
        return [rule for name in sorted(names) for rule in self.policies.get(name, [])]

    def allowed(self, token: Token, path: str, needed: list[str], *, listing: bool = False) -> bool:
        if token.is_root:
            return True
        rules = self.rules_for(token)
        if listing:  # Vault checks a LIST path without its trailing slash first
            bare = path.rstrip("/")
            if acl.capabilities(rules, bare):
                return acl.allows(rules, bare, needed)
            return acl.allows(rules, bare + "/", needed)
        return acl.allows(rules, path, needed)

    # --- the request pipeline --------------------------------------------------------------

    def _callback(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        url = urlsplit(str(request.url))
        method = str(request.method).upper()
        if method == "PUT":
            method = "POST"
        if method == "GET" and parse_qs(url.query).get("list", [""])[0].lower() in (
            "true",
            "1",
            "t",
        ):
            method = "LIST"
        path = url.path.removeprefix("/v1/")
        headers = {k: str(v) for k, v in request.headers.items() if k.lower().startswith("x-vault")}
        raw = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return error_reply(400, ["failed to parse JSON input: invalid character"]).encode()
        if not isinstance(body, dict):
            return error_reply(400, ["failed to parse JSON input: not an object"]).encode()
        self.requests.append(Seen(method, path, headers, body))
        fault = self._faults.take(method, path)
        if fault is not None:
            return fault.fire(path)
        try:
            return self.dispatch(method, path, headers, body).encode()
        except VaultErr as err:
            return error_reply(err.status, err.messages).encode()

    def dispatch(self, method: str, path: str, headers: dict[str, str], body: Json) -> Reply:
        if (
            self.namespace
            and path not in ("sys/seal-status", "sys/health")
            and headers.get("X-Vault-Namespace", "").strip("/") != self.namespace
        ):
            raise self.permission_denied()
        if self.sealed and path not in ("sys/seal-status", "sys/health"):
            raise VaultErr(503, "Vault is sealed")
        now = self.clock.now()
        self.tokens.expire(now)
        self.leases.expire(now)
        token = self.tokens.get(headers.get("X-Vault-Token"))
        mount = max(
            (m for m in self.mounts.values() if (path + "/").startswith(m.path)),
            key=lambda m: len(m.path),
            default=None,
        )
        found = routing.find(mount.type, method, path[len(mount.path) :]) if mount else None
        if mount is None or found is None:
            if token is not None and not token.is_root:
                raise self.permission_denied()
            raise VaultErr(404, f'no handler for route "{path}". route entry not found.')
        route, params = found
        req = Req(method, path.rstrip("/"), params, body, headers, None, mount.path)
        self._check_contract(route.template(mount.path, mount.is_auth), method, body)
        if route.authenticated:
            if token is None:
                raise VaultErr(403, NO_TOKEN)
            if token.is_wrapping:
                raise self.permission_denied()
            if not self.allowed(
                token, path, route.capabilities(self, req), listing=method == "LIST"
            ):
                raise self.permission_denied()
        req.token = token
        wrap_header = headers.get("X-Vault-Wrap-TTL")
        if wrap_header:
            if wrap_header.strip().startswith("-"):
                raise VaultErr(400, "requested wrap ttl cannot be negative")
            req.wrap_ttl = parse_duration(wrap_header, "X-Vault-Wrap-TTL")
        reply = route.handler(self, req)
        if req.wrap_ttl and route.wrappable and reply.status == 200 and reply.body is not None:
            return Reply(200, wrapping.wrap(self, req.path, reply.body, req.wrap_ttl))
        return reply

    def _check_contract(self, template: str, method: str, body: Json) -> None:
        if self.contract is None:
            return
        problems = self.contract.problems(template, method, body)
        if problems:
            self.violations.extend(problems)
            raise ContractViolation("request breaks the Vault contract: " + "; ".join(problems))
