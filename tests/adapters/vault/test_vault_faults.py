"""Vault failing: bounded retries with backoff, then a clear OperationalError; 403 and 400."""

from __future__ import annotations

from collections.abc import Callable

import hvac
import pytest
import requests

from jit.adapters.vault import VaultBackend
from jit.adapters.vault.client import VaultHttp, VaultRequestError
from jit.errors import JitError, OperationalError
from jit.ports import GrantOrder
from tests.fakes.clock import FakeClock
from tests.fakes.vault import FakeVault

Order = Callable[..., GrantOrder]


def test_sealed_twice_then_success(
    backend: VaultBackend, vault: FakeVault, order: Order, fake_clock: FakeClock
) -> None:
    vault.fail_next("POST", "auth/token/create/jit", 503, times=2)

    issued = backend.issue(order("vault-token"))

    assert backend.is_live("vault-token", issued.handle)
    assert fake_clock.slept == [0.5, 1.0]
    assert len([r for r in vault.requests if r.path == "auth/token/create/jit"]) == 3


def test_always_sealed_is_a_retryable_operational_error(
    backend: VaultBackend, vault: FakeVault, order: Order, fake_clock: FakeClock
) -> None:
    vault.seal()

    with pytest.raises(OperationalError) as err:
        backend.issue(order("vault-token"))

    assert err.value.retryable
    assert str(err.value) == (
        "Vault did not complete POST auth/token/create/jit after 4 attempts (last: 503 Vault is "
        "sealed). The work stays pending; the next run retries it."
    )
    assert fake_clock.slept == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_idempotent_calls_retry_every_transient_status(
    backend: VaultBackend, vault: FakeVault, order: Order, status: int
) -> None:
    issued = backend.issue(order("vault-token"))
    vault.fail_next("POST", "auth/token/revoke-accessor", status, times=3)

    assert backend.revoke("vault-token", issued.handle) == "revoked"


def test_connection_errors_on_lookups_are_retried(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    issued = backend.issue(order("vault-credentials"))
    lookup = "auth/token/lookup-accessor"
    vault.fail_next("POST", lookup, exc=requests.ConnectionError, times=2)
    vault.fail_next("POST", lookup, exc=requests.ReadTimeout)

    assert backend.is_live("vault-credentials", issued.handle)


def test_a_connect_timeout_on_a_create_is_retried(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    vault.fail_next("POST", "auth/token/create/jit", exc=requests.ConnectTimeout)
    assert backend.issue(order("vault-token")).handle["accessor"]


def test_an_ambiguous_failure_of_a_create_is_not_retried_and_find_recovers(
    backend: VaultBackend, new_run: Callable[[], VaultBackend], vault: FakeVault, order: Order
) -> None:
    """A read timeout may hide a token Vault did create: retrying could issue twice."""
    grant = order("vault-token")
    vault.fail_next("POST", "auth/token/create/jit", exc=requests.ReadTimeout)

    with pytest.raises(OperationalError) as err:
        backend.issue(grant)

    assert "it may have acted on it" in str(err.value)
    assert "looks for anything it created before issuing again" in str(err.value)
    assert err.value.retryable
    assert len([r for r in vault.requests if r.path == "auth/token/create/jit"]) == 1
    assert new_run().find(grant) is None  # this time Vault had not acted


def test_a_500_on_reading_credentials_is_not_retried_and_the_holder_is_revoked(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    vault.fail_next("GET", "database/creds/orders-readonly", 500)

    with pytest.raises(OperationalError) as err:
        backend.issue(order("vault-credentials"))

    assert "Vault failed GET database/creds/orders-readonly (500: internal error)" in str(err.value)
    assert len([r for r in vault.requests if r.path == "database/creds/orders-readonly"]) == 1
    assert not [t for t in vault.tokens.all() if t.meta and "jit_grant" in t.meta]


def test_a_holder_that_cannot_be_revoked_after_a_failure_is_logged(
    backend: VaultBackend, vault: FakeVault, order: Order, caplog: pytest.LogCaptureFixture
) -> None:
    vault.fail_next("GET", "database/creds/orders-readonly", 400)
    vault.fail_next("POST", "auth/token/revoke-accessor", 403)

    with pytest.raises(JitError, match="injected bad request"):
        backend.issue(order("vault-credentials"))

    assert "could not revoke holder token" in caplog.text


@pytest.mark.parametrize(
    ("kind", "method", "path", "rule"),
    [
        ("vault-group", "DELETE", "identity/group/name/jit-*", '{ capabilities = ["delete"] }'),
        ("vault-token", "POST", "auth/token/revoke-accessor", '{ capabilities = ["update"] }'),
        (
            "vault-credentials",
            "POST",
            "auth/token/revoke-accessor",
            '{ capabilities = ["update"] }',
        ),
    ],
)
def test_403_names_the_path_and_capability_and_is_not_retried(
    backend: VaultBackend,
    vault: FakeVault,
    order: Order,
    kind: str,
    method: str,
    path: str,
    rule: str,
) -> None:
    vault.add_entity("alice")
    issued = backend.issue(order(kind))
    vault.fail_next(method, path, 403)

    with pytest.raises(OperationalError) as err:
        backend.revoke(kind, issued.handle)  # type: ignore[arg-type]

    assert not err.value.retryable
    message = str(err.value)
    assert (
        "(permission denied). The job's Vault policy (given by the JWT role) lacks path" in message
    )
    assert rule in message
    assert "add it (see the README, Vault set-up)." in message


def test_403_on_writing_a_group_asks_for_create_and_update(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    vault.add_entity("alice")
    grant = order("vault-group")
    vault.fail_next("POST", f"identity/group/name/jit-{grant.grant_id}", 403)

    with pytest.raises(OperationalError, match=r'capabilities = \["create", "update"\]'):
        backend.issue(grant)


def test_404_and_400_messages(vault: FakeVault) -> None:
    http = VaultHttp(hvac.Client(url=vault.address, token=vault.root_token))

    with pytest.raises(VaultRequestError) as missing:
        http.call("GET", "nothing/here")
    assert str(missing.value) == (
        'Vault has nothing at GET nothing/here (no handler for route "nothing/here". route entry '
        "not found.). Check that the secrets engine or auth method is mounted at that path and "
        "that VAULT_NAMESPACE is right."
    )
    with pytest.raises(VaultRequestError) as bad:
        http.call("POST", "sys/leases/lookup", body={"lease_id": "nope"})
    assert str(bad.value) == "Vault rejected POST sys/leases/lookup (400: invalid lease)."
    assert bad.value.status == 400 and not bad.value.retryable


def test_errors_are_read_only_from_an_exact_json_content_type(vault: FakeVault) -> None:
    """Like hvac: ``application/json; charset=utf-8`` is not parsed (NOTES §8)."""
    http = VaultHttp(hvac.Client(url=vault.address, token=vault.root_token))
    vault.fail_next("GET", "sys/auth", 418)
    with pytest.raises(VaultRequestError, match=r"\(418: injected\)"):
        http.call("GET", "sys/auth")
    vault.fail_next("GET", "sys/auth", 418, content_type="application/json; charset=utf-8")
    with pytest.raises(VaultRequestError, match=r"\(418: HTTP 418\)"):
        http.call("GET", "sys/auth")


def test_a_token_create_that_vault_did_not_wrap_is_revoked(
    backend: VaultBackend, vault: FakeVault, order: Order, vault_rsps: object
) -> None:
    """If something strips X-Vault-Wrap-TTL, the token must not survive in the job's hands."""
    original = vault.dispatch

    def strip_wrap(method: str, path: str, headers: dict[str, str], body: dict[str, object]):  # type: ignore[no-untyped-def]
        headers.pop("X-Vault-Wrap-TTL", None)
        return original(method, path, headers, body)

    vault.dispatch = strip_wrap  # type: ignore[method-assign]

    with pytest.raises(
        OperationalError, match="did not wrap the token created at auth/token/create/jit"
    ):
        backend.issue(order("vault-token"))

    assert not [t for t in vault.tokens.all() if t.meta and "jit_grant" in t.meta]


def test_odd_answers_from_vault_are_operational_errors(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    vault.add_entity("alice")
    vault.fail_next("POST", "auth/token/create/jit", 200, errors=[])
    with pytest.raises(OperationalError, match="without a wrapping token; retrying next run"):
        backend.issue(order("vault-token"))

    vault.fail_next("GET", "database/creds/orders-readonly", 200, errors=[])
    with pytest.raises(OperationalError, match="orders-readonly without a wrapping token"):
        backend.issue(order("vault-credentials"))
    assert vault.leases.all() == []  # the holder, and its lease, were revoked

    vault.fail_next("POST", "identity/group/name/*", 200, errors=[])
    with pytest.raises(OperationalError, match="but cannot read it back"):
        backend.issue(order("vault-group"))


def test_a_token_role_that_does_not_allow_the_holder_policy(
    backend: VaultBackend, vault: FakeVault, root: hvac.Client, order: Order
) -> None:
    root.write_data("auth/token/roles/jit", data={"allowed_policies": ["db-orders-read"]})
    with pytest.raises(JitError) as err:
        backend.issue(order("vault-credentials"))
    assert "Token role 'jit' must allow the policies ['jit-credentials']." in str(err.value)
