"""vault-token grants: an orphan token through the token role, wrapped, ended by Vault on time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import hvac
import pytest

from jit.adapters.vault import VaultBackend, unwrap_secret
from jit.errors import JitError
from jit.ports import GrantOrder
from tests.adapters.vault.unwrapped import accept_jit, unwrap
from tests.fakes.clock import FakeClock
from tests.fakes.vault import FakeVault

Order = Callable[..., GrantOrder]


def test_issue_creates_a_wrapped_orphan_token_that_the_job_never_sees(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    grant = order("vault-token", hours=2)
    issued = backend.issue(grant)

    assert issued.kind == "vault-token"
    assert set(issued.handle) == {"accessor"}
    token = vault.tokens.by_accessor(issued.handle["accessor"])
    assert token is not None
    assert token.orphan and not token.renewable
    assert token.policies == ["db-orders-read", "default"]
    assert token.ttl == token.explicit_max_ttl == 7200
    assert token.meta == {
        "jit_grant": grant.grant_id,
        "jit_request": grant.request_id,
        "requester": "alice",
        "pr": str(grant.pr),
    }
    assert token.display_name == f"token-jit-{grant.grant_id}"
    create = next(r for r in vault.requests if r.path == "auth/token/create/jit")
    assert create.headers["X-Vault-Wrap-TTL"] == "3600s"
    assert issued.wrap_token and issued.wrap_token != token.id
    assert issued.wrap_ttl == 3600
    assert token.id not in repr(issued)


def test_the_requester_unwraps_the_token_once(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    issued = backend.issue(order("vault-token"))
    assert issued.wrap_token is not None

    secret = unwrap(vault.address, None, issued.wrap_token)

    assert secret["accessor"] == issued.handle["accessor"]
    assert secret["policies"] == ["db-orders-read", "default"]
    with pytest.raises(JitError) as second:
        unwrap(vault.address, None, issued.wrap_token)
    assert "already used or has expired" in str(second.value)
    assert "someone else may have: report it to your security team" in str(second.value)


def test_the_token_ends_at_expires_at_by_explicit_max_ttl(
    backend: VaultBackend,
    new_run: Callable[[], VaultBackend],
    order: Order,
    fake_clock: FakeClock,
) -> None:
    grant = order("vault-token", hours=4)
    issued = backend.issue(grant)

    fake_clock.set(grant.expires_at - timedelta(seconds=1))
    assert new_run().is_live("vault-token", issued.handle)
    fake_clock.set(grant.expires_at)
    later = new_run()
    assert not later.is_live("vault-token", issued.handle)
    assert later.revoke("vault-token", issued.handle) == "already-gone"


def test_revoke_then_check(backend: VaultBackend, order: Order) -> None:
    issued = backend.issue(order("vault-token"))

    assert backend.is_live("vault-token", issued.handle)
    assert backend.revoke("vault-token", issued.handle) == "revoked"
    assert not backend.is_live("vault-token", issued.handle)
    assert backend.revoke("vault-token", issued.handle) == "already-gone"


def test_a_token_revoked_out_of_band_is_already_gone(
    backend: VaultBackend, root: hvac.Client, order: Order
) -> None:
    issued = backend.issue(order("vault-token"))
    root.auth.token.revoke_accessor(issued.handle["accessor"])

    assert not backend.is_live("vault-token", issued.handle)
    assert backend.revoke("vault-token", issued.handle) == "already-gone"


def test_revoking_the_token_revokes_its_leases(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    """Vault revokes a token's leases with it (issue 5 asks to show this with the fake)."""
    issued = backend.issue(order("vault-token"))
    assert issued.wrap_token is not None
    user = hvac.Client(
        url=vault.address, token=unwrap(vault.address, None, issued.wrap_token)["token"]
    )
    creds = user.read("database/creds/orders-readonly")
    lease_id = creds["lease_id"]
    assert vault.leases.get(lease_id) is not None

    assert backend.revoke("vault-token", issued.handle) == "revoked"

    assert vault.leases.get(lease_id) is None
    assert lease_id in vault.leases.revoked


def test_a_token_role_that_is_not_orphan_is_refused_and_the_token_revoked(
    backend: VaultBackend, vault: FakeVault, root: hvac.Client, order: Order
) -> None:
    root.write_data("auth/token/roles/jit", data={"orphan": False})
    before = {t.accessor for t in vault.tokens.all() if not t.is_wrapping}

    with pytest.raises(JitError) as err:
        backend.issue(order("vault-token"))

    assert "does not create orphan tokens" in str(err.value)
    assert "vault write auth/token/roles/jit orphan=true" in str(err.value)
    assert {t.accessor for t in vault.tokens.all() if not t.is_wrapping} == before


def test_a_policy_the_role_does_not_allow_is_a_clear_error(
    backend: VaultBackend, order: Order
) -> None:
    grant = order("vault-token")
    bad = type(grant.resource.grant)(policies=("admin",))
    resource = type(grant.resource)(**{**grant.resource.__dict__, "grant": bad})
    with pytest.raises(JitError) as err:
        backend.issue(type(grant)(**{**grant.__dict__, "resource": resource}))

    message = str(err.value)
    assert "resource 'vault-token-resource' (policies/vault.yaml:3)" in message
    assert "must be subset of the role's allowed policies" in message
    assert "allows policies ['admin']" in message


def test_issued_late_the_token_still_ends_at_expires_at(
    new_run: Callable[[], VaultBackend], vault: FakeVault, order: Order, fake_clock: FakeClock
) -> None:
    grant = order("vault-token", hours=2)
    fake_clock.advance(1800)  # the run that issues it comes half an hour late

    issued = new_run().issue(grant)

    token = vault.tokens.by_accessor(issued.handle["accessor"])
    assert token is not None and token.explicit_max_ttl == 5400
    assert token.expire_time == grant.expires_at


def test_an_order_past_its_expiry_is_not_issued(
    new_run: Callable[[], VaultBackend], vault: FakeVault, order: Order, fake_clock: FakeClock
) -> None:
    grant = order("vault-token", hours=1)
    fake_clock.set(grant.expires_at)

    with pytest.raises(JitError, match="expired at 2026-01-05T10:00:00Z before it could be issued"):
        new_run().issue(grant)


def test_vault_warnings_on_a_wrapped_read_travel_to_the_requester(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    """vault-credentials are read response-wrapped, so the engine's warnings are inside the
    wrapped response, which only the requester unwraps."""
    issued = backend.issue(order("k8s-credentials", hours=14))  # the role caps tokens at 12 h
    assert issued.wrap_token is not None

    _path, answer = unwrap_secret(vault.address, None, issued.wrap_token, accept=accept_jit)

    assert answer["warnings"] == ["ttl of 50400s is greater than the role's token_max_ttl; capping"]
