"""The fake against ``../shared/contracts/vault``: its routes exist in ``openapi.json``, and
what it answers the product's calls has the envelope and error shapes of NOTES §0."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import responses

from jit.adapters.vault import VaultBackend
from jit.ports import GrantOrder
from tests.adapters.vault.unwrapped import unwrap
from tests.fakes.vault import FakeVault, routing
from tests.fakes.vault.contract import Contract
from tests.fakes.vault.plugin import vault_contract

ENVELOPE = {
    "request_id",
    "lease_id",
    "renewable",
    "lease_duration",
    "data",
    "wrap_info",
    "warnings",
    "auth",
}
AUTH = {
    "client_token",
    "accessor",
    "policies",
    "metadata",
    "lease_duration",
    "renewable",
    "entity_id",
    "token_type",
    "orphan",
}
WRAP_INFO = {"token", "accessor", "ttl", "creation_time", "creation_path", "wrapped_accessor"}
LOOKUP_LEASE = {"id", "issue_time", "expire_time", "last_renewal", "renewable", "ttl"}


@pytest.fixture
def contract() -> Contract:
    found = vault_contract()
    if found is None:
        pytest.skip("../shared/contracts/vault/openapi.json is missing (set JIT_CONTRACTS_DIR)")
    return found


def test_every_route_of_the_fake_is_an_operation_of_the_contract(contract: Contract) -> None:
    missing = []
    for route in routing.ROUTES:
        auth = route.mount_type in {"jwt", "github"}
        mount = {"system": "sys/", "identity": "identity/", "token": "auth/token/"}.get(
            route.mount_type, ""
        )
        template = route.template(mount, auth)
        if contract.operation(template, route.method) is None:
            missing.append(f"{route.method} {template}")
        elif route.sudo and not contract.is_sudo(template):
            missing.append(f"{route.method} {template} is not sudo in the contract")
    assert missing == []


def test_the_contract_rejects_what_vault_would_not_take(contract: Contract) -> None:
    assert contract.problems("/auth/token/create/{role_name}", "POST", {"ttl": "1h"}) == []
    assert contract.problems("/auth/token/create/{role_name}", "POST", {"ttl": 3600}) == [
        "POST /auth/token/create/{role_name}: ttl: 3600 is not of type 'string'"
    ]
    assert contract.problems("/auth/token/create/{role_name}", "POST", {"explicit_max_tll": "1h"})
    assert contract.problems("/auth/token/create/{role_name}", "POST", {"meta": {"pr": 7}})
    assert contract.problems("/{database_mount_path}/creds/{name}", "GET", {"ttl": "1h"})
    assert contract.problems("/{database_mount_path}/creds/{name}", "POST", {})
    assert contract.problems("/auth/token/lookup-accessor", "LIST", None)
    assert contract.problems("/no/such/path", "GET", None)
    assert (
        contract.problems("/sys/leases/renew", "POST", {"lease_id": "x", "increment": None}) == []
    )


def _vault_calls(rsps: responses.RequestsMock, address: str) -> list[responses.Call]:
    return [c for c in rsps.calls if str(c.request.url).startswith(address)]


def test_answers_to_the_products_calls_have_vaults_shapes(
    contract: Contract,
    backend: VaultBackend,
    vault: FakeVault,
    vault_rsps: responses.RequestsMock,
    order: Callable[..., GrantOrder],
) -> None:
    vault.add_entity("alice")
    for kind in ("vault-token", "vault-credentials", "k8s-credentials", "vault-group"):
        grant = order(kind)
        issued = backend.issue(grant)
        backend.find(grant)
        if issued.wrap_token:
            unwrap(vault.address, None, issued.wrap_token)
            with pytest.raises(Exception):  # noqa: B017 - the shape of the error is checked below
                unwrap(vault.address, None, issued.wrap_token)
        backend.is_live(issued.kind, issued.handle)
        backend.revoke(issued.kind, issued.handle)
        backend.revoke(issued.kind, issued.handle)

    calls = _vault_calls(vault_rsps, vault.address)
    statuses = {c.response.status_code for c in calls}
    assert {200, 204, 400, 404} <= statuses
    for call in calls:
        response, where = call.response, f"{call.request.method} {call.request.url}"
        if response.status_code == 204:
            assert response.text == "", where
            continue
        assert response.headers["Content-Type"] == "application/json", where
        body = json.loads(response.text)
        if response.status_code >= 400:
            assert list(body) == ["errors"] and all(isinstance(e, str) for e in body["errors"]), (
                where
            )
            continue
        extra = set(body) - ENVELOPE
        if where.endswith("/v1/sys/auth"):  # sys/auth repeats the mounts at the top level
            extra -= set(body["data"])
        assert set(body) >= ENVELOPE and extra <= {"mount_type"}, where
        if body["auth"] is not None:
            assert set(body["auth"]) >= AUTH, where
        if body["wrap_info"] is not None:
            # wrapped_accessor is optional (NOTES §0): Vault 1.15 sends "" when no token is
            # wrapped, OpenBao 2.7 (and the fake, test_fake_vs_real.py) leaves it out.
            keys = set(body["wrap_info"]) | {"wrapped_accessor"}
            assert keys == WRAP_INFO and body["data"] is None, where
        if "sys/leases/lookup" in where:
            assert set(body["data"]) - {"path"} == LOOKUP_LEASE, where  # OpenBao adds path
        if "/creds/" in where and body["wrap_info"] is None:
            assert body["lease_id"] and isinstance(body["renewable"], bool), where
            assert isinstance(body["lease_duration"], int), where
