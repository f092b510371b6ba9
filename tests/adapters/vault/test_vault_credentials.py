"""vault-credentials grants: a dynamic secret read response-wrapped through a holder token."""

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


def jits_path(path: str) -> None:
    assert path == "database/creds/orders-readonly", path


def test_issue_reads_the_secret_response_wrapped_through_the_holder(
    backend: VaultBackend, vault: FakeVault, order: Order, fake_clock: FakeClock
) -> None:
    grant = order("vault-credentials", hours=2)
    issued = backend.issue(grant)

    assert set(issued.handle) == {"accessor"}  # the job never sees the lease (nor the secret)
    holder = vault.tokens.by_accessor(issued.handle["accessor"])
    (lease,) = vault.leases.all()
    assert holder is not None
    assert lease.token_id == holder.id  # the lease hangs off the holder, not the job's token
    assert holder.orphan and holder.explicit_max_ttl == 7200
    assert holder.policies == ["default", "jit-credentials"]
    assert issued.details == {
        "path": "database/creds/orders-readonly",
        "holder_ttl": 7200,  # what Vault gave the holder: the credentials end with it
        "ends_by": "2026-01-05T11:00:00Z",
    }
    read = next(r for r in vault.requests if r.path == "database/creds/orders-readonly")
    assert read.headers["X-Vault-Wrap-TTL"] == "3600s"
    assert read.headers["X-Vault-Token"] == holder.id
    assert not [r for r in vault.requests if r.path == "sys/wrapping/wrap"]
    assert issued.wrap_token and issued.wrap_ttl == 3600
    wrapping = vault.tokens.get(issued.wrap_token)
    assert wrapping is not None and wrapping.creation_path == "database/creds/orders-readonly"


def test_the_requester_unwraps_working_credentials(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    issued = backend.issue(order("vault-credentials"))
    assert issued.wrap_token is not None

    path, answer = unwrap_secret(vault.address, None, issued.wrap_token, accept=jits_path)

    assert path == "database/creds/orders-readonly"
    assert set(answer["data"]) == {"username", "password"}
    assert answer["data"]["password"] in vault.issued_secrets
    assert answer["lease_id"].startswith("database/creds/orders-readonly/")
    with pytest.raises(JitError, match="already used or has expired"):
        unwrap_secret(vault.address, None, issued.wrap_token, accept=jits_path)


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

    fake_clock.advance(3600)
    later = new_run()
    assert [lease for lease in vault.leases.all() if lease.ttl(fake_clock.now()) > 0] == []
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
    assert call.headers["X-Vault-Wrap-TTL"] == "3600s"
    assert issued.details["path"] == "kubernetes/creds/prod-view"


def test_revoke_revokes_the_holder_and_its_lease(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    issued = backend.issue(order("vault-credentials"))
    (lease,) = vault.leases.all()

    assert backend.revoke("vault-credentials", issued.handle) == "revoked"

    assert not backend.is_live("vault-credentials", issued.handle)
    assert vault.leases.get(lease.id) is None
    assert vault.tokens.by_accessor(issued.handle["accessor"]) is None
    assert backend.revoke("vault-credentials", issued.handle) == "already-gone"


def test_a_record_from_before_response_wrapping_is_revoked_through_its_holder(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    """Records written before ADR 0008 also name the lease; the holder takes it along."""
    issued = backend.issue(order("vault-credentials"))
    (lease,) = vault.leases.all()
    old = {"lease_id": lease.id, "accessor": issued.handle["accessor"]}

    assert backend.is_live("vault-credentials", old)
    assert backend.revoke("vault-credentials", old) == "revoked"
    assert vault.leases.get(lease.id) is None
    assert not [r for r in vault.requests if r.path.startswith("sys/leases/")]


def test_a_holder_revoked_out_of_band_is_already_gone(
    backend: VaultBackend, root: hvac.Client, order: Order
) -> None:
    issued = backend.issue(order("vault-credentials"))
    root.auth.token.revoke_accessor(issued.handle["accessor"])

    assert not backend.is_live("vault-credentials", issued.handle)
    assert backend.revoke("vault-credentials", issued.handle) == "already-gone"


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


def test_an_answer_without_a_wrapping_token_leaves_nothing_live(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    """A proxy that drops X-Vault-Wrap-TTL: the unwrapped secret is discarded, its holder (and
    so its lease) revoked, and nothing is delivered."""
    vault.fail_next("GET", "database/creds/orders-readonly", 200, errors=[])
    before = {t.accessor for t in vault.tokens.all()}

    with pytest.raises(JitError, match="without a wrapping token"):
        backend.issue(order("vault-credentials"))

    assert {t.accessor for t in vault.tokens.all()} == before


def test_a_failed_read_revokes_the_holder(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    vault.fail_next("GET", "database/creds/orders-readonly", 500, times=10)
    before = {t.accessor for t in vault.tokens.all()}

    with pytest.raises(JitError):
        backend.issue(order("vault-credentials"))

    assert {t.accessor for t in vault.tokens.all()} == before
