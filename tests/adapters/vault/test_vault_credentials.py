"""vault-credentials grants: a dynamic secret read through a holder token, wrapped for delivery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import hvac
import pytest

from jit.adapters.vault import VaultBackend, unwrap_secret
from jit.errors import JitError
from jit.ports import GrantOrder
from tests.fakes.clock import FakeClock
from tests.fakes.vault import FakeVault

Order = Callable[..., GrantOrder]


def test_issue_records_the_lease_and_wraps_the_secret(
    backend: VaultBackend, vault: FakeVault, order: Order, fake_clock: FakeClock
) -> None:
    grant = order("vault-credentials", hours=2)
    issued = backend.issue(grant)

    lease_id = issued.handle["lease_id"]
    assert lease_id.startswith("database/creds/orders-readonly/")
    assert set(issued.handle) == {"lease_id", "accessor"}
    lease = vault.leases.get(lease_id)
    holder = vault.tokens.by_accessor(issued.handle["accessor"])
    assert lease is not None and holder is not None
    assert lease.token_id == holder.id  # the lease hangs off the holder, not the job's token
    assert holder.orphan and holder.explicit_max_ttl == 7200
    assert holder.policies == ["default", "jit-credentials"]
    assert issued.details["lease_duration"] == 24 * 3600
    assert issued.details["renewable"] is True
    assert issued.details["lease_ends_at"] == "2026-01-06T09:00:00Z"
    assert issued.details["lease_outlives_grant"] is True
    assert issued.details["ends_by"] == "2026-01-05T11:00:00Z"
    wrap = next(r for r in vault.requests if r.path == "sys/wrapping/wrap")
    assert wrap.headers["X-Vault-Wrap-TTL"] == "3600s"
    assert issued.wrap_token and issued.wrap_ttl == 3600


def test_the_requester_unwraps_working_credentials(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    issued = backend.issue(order("vault-credentials"))
    assert issued.wrap_token is not None

    secret = unwrap_secret(vault.address, None, issued.wrap_token)

    assert set(secret) == {"username", "password"}
    assert secret["password"] in vault.issued_secrets
    with pytest.raises(JitError, match="already used or has expired"):
        unwrap_secret(vault.address, None, issued.wrap_token)


def test_vault_ends_a_long_lease_at_expires_at_through_the_holder_token(
    backend: VaultBackend,
    new_run: Callable[[], VaultBackend],
    order: Order,
    fake_clock: FakeClock,
) -> None:
    """The database role's lease runs 24 h; the grant 2 h. Vault still ends it on time."""
    grant = order("vault-credentials", hours=2)
    issued = backend.issue(grant)

    fake_clock.set(grant.expires_at - timedelta(seconds=1))
    assert new_run().is_live("vault-credentials", issued.handle)
    fake_clock.set(grant.expires_at)
    later = new_run()
    assert not later.is_live("vault-credentials", issued.handle)
    assert later.revoke("vault-credentials", issued.handle) == "already-gone"


def test_a_lease_ends_by_its_own_ttl_when_that_is_shorter(
    backend: VaultBackend,
    new_run: Callable[[], VaultBackend],
    root: hvac.Client,
    vault: FakeVault,
    order: Order,
    fake_clock: FakeClock,
) -> None:
    root.write_data(
        "database/roles/orders-readonly", data={"db_name": "orders", "default_ttl": "1h"}
    )
    grant = order("vault-credentials", hours=8)
    issued = backend.issue(grant)
    assert issued.details["lease_outlives_grant"] is False
    assert issued.details["ends_by"] == "2026-01-05T10:00:00Z"

    fake_clock.advance(3600)
    later = new_run()
    assert vault.leases.get(issued.handle["lease_id"]) is None
    assert not later.is_live("vault-credentials", {"lease_id": issued.handle["lease_id"]})
    # The holder token lives on until expires_at (it could mint more), so the grant is live.
    assert later.is_live("vault-credentials", issued.handle)
    fake_clock.set(grant.expires_at)
    assert not new_run().is_live("vault-credentials", issued.handle)


def test_kubernetes_credentials_are_posted_with_namespace_and_ttl(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    issued = backend.issue(order("k8s-credentials", hours=2))

    call = next(r for r in vault.requests if r.path == "kubernetes/creds/prod-view")
    assert call.method == "POST"
    assert call.body == {"kubernetes_namespace": "prod", "ttl": "7200s"}
    assert issued.details["lease_duration"] == 7200
    assert issued.details["renewable"] is False
    assert issued.details["lease_outlives_grant"] is False


def test_revoke_revokes_lease_and_holder(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    issued = backend.issue(order("vault-credentials"))

    assert backend.revoke("vault-credentials", issued.handle) == "revoked"

    assert not backend.is_live("vault-credentials", issued.handle)
    assert vault.leases.get(issued.handle["lease_id"]) is None
    assert vault.tokens.by_accessor(issued.handle["accessor"]) is None
    assert backend.revoke("vault-credentials", issued.handle) == "already-gone"


def test_a_lease_revoked_out_of_band_is_already_gone(
    backend: VaultBackend, root: hvac.Client, order: Order
) -> None:
    issued = backend.issue(order("vault-credentials"))
    root.sys.revoke_lease(issued.handle["lease_id"])
    root.auth.token.revoke_accessor(issued.handle["accessor"])

    assert not backend.is_live("vault-credentials", issued.handle)
    assert backend.revoke("vault-credentials", issued.handle) == "already-gone"


def test_only_the_lease_revoked_out_of_band_still_revokes_the_holder(
    backend: VaultBackend, root: hvac.Client, vault: FakeVault, order: Order
) -> None:
    issued = backend.issue(order("vault-credentials"))
    root.sys.revoke_lease(issued.handle["lease_id"])

    assert backend.is_live("vault-credentials", issued.handle)  # the holder could mint more
    assert backend.revoke("vault-credentials", issued.handle) == "revoked"
    assert vault.tokens.by_accessor(issued.handle["accessor"]) is None


def _with_path(grant: GrantOrder, path: str) -> GrantOrder:
    spec = type(grant.resource.grant)(path=path)
    resource = type(grant.resource)(**{**grant.resource.__dict__, "grant": spec})
    return type(grant)(**{**grant.__dict__, "resource": resource})


def test_a_path_the_holder_policy_does_not_allow_names_the_missing_rule(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    with pytest.raises(JitError) as err:
        backend.issue(_with_path(order("vault-credentials"), "database/creds/payments"))

    assert str(err.value) == (
        "Vault denied GET database/creds/payments (permission denied). The holder token's "
        "policy (jit-credentials, via token role 'jit') lacks path \"database/creds/payments\" "
        '{ capabilities = ["read"] }; add it (see the README, Vault set-up).'
    )
    assert vault.leases.all() == []
    assert not [t for t in vault.tokens.all() if t.meta and t.meta.get("jit_grant")]


def test_an_unknown_engine_role_is_a_clear_error_and_leaves_nothing_live(
    backend: VaultBackend, vault: FakeVault, root: hvac.Client, order: Order
) -> None:
    text = (
        vault.policy_texts["jit-credentials"]
        + 'path "database/creds/nope" { capabilities = ["read"] }'
    )
    root.sys.create_or_update_acl_policy("jit-credentials", text)
    grant = order("vault-credentials")
    before = {t.accessor for t in vault.tokens.all()}

    with pytest.raises(JitError) as err:
        backend.issue(_with_path(grant, "database/creds/nope"))

    assert "unknown role: nope" in str(err.value)
    assert "policies/vault.yaml:3" in str(err.value)
    assert {t.accessor for t in vault.tokens.all()} == before
    assert vault.leases.all() == []


def test_a_path_without_a_lease_is_refused_and_leaves_nothing_live(
    backend: VaultBackend, vault: FakeVault, root: hvac.Client, order: Order
) -> None:
    """A static secret has no lease jit could revoke, so it is never handed out."""
    vault.fail_next("GET", "database/creds/orders-readonly", 200, errors=[])
    before = {t.accessor for t in vault.tokens.all()}

    with pytest.raises(JitError, match="gave no lease"):
        backend.issue(order("vault-credentials"))

    assert {t.accessor for t in vault.tokens.all()} == before
    assert not [r for r in vault.requests if r.path == "sys/wrapping/wrap"]


def test_a_failed_wrap_revokes_the_credential(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    vault.fail_next("POST", "sys/wrapping/wrap", 500, times=10)

    with pytest.raises(JitError):
        backend.issue(order("vault-credentials"))

    assert vault.leases.all() == []
    assert len(vault.leases.revoked) == 1
