"""Crash recovery: ``find`` recovers what a crashed run issued but never recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jit.adapters.vault import VaultBackend
from jit.errors import JitError, OperationalError
from jit.ports import GrantOrder
from tests.fakes.vault import FakeVault

Order = Callable[..., GrantOrder]


@pytest.mark.parametrize("kind", ["vault-token", "vault-credentials"])
def test_find_recovers_an_unrecorded_token_that_cannot_be_delivered(
    backend: VaultBackend,
    new_run: Callable[[], VaultBackend],
    vault: FakeVault,
    order: Order,
    kind: str,
) -> None:
    grant = order(kind)
    other = order(kind, requester="bob")
    issued = backend.issue(grant)  # ... and the run dies before recording it
    backend.issue(other)

    found = new_run().find(grant)

    assert found is not None
    assert found.kind == kind
    assert found.handle == {"accessor": issued.handle["accessor"]}
    assert found.wrap_token is None
    assert found.details == {"recovered": True, "deliverable": False}


def test_revoking_a_recovered_holder_revokes_its_lease(
    backend: VaultBackend, new_run: Callable[[], VaultBackend], vault: FakeVault, order: Order
) -> None:
    grant = order("vault-credentials")
    backend.issue(grant)
    (lease,) = vault.leases.all()
    later = new_run()
    found = later.find(grant)
    assert found is not None

    assert later.revoke("vault-credentials", found.handle) == "revoked"

    assert vault.leases.get(lease.id) is None
    assert later.find(grant) is None


def test_find_returns_none_when_nothing_was_issued(backend: VaultBackend, order: Order) -> None:
    backend.issue(order("vault-token"))
    assert backend.find(order("vault-token")) is None


def test_find_revokes_duplicates_so_at_most_one_stays_live(
    backend: VaultBackend, vault: FakeVault, order: Order, fake_clock: object
) -> None:
    grant = order("vault-token")
    first = backend.issue(grant)
    vault.clock.advance(1)
    second = backend.issue(grant)  # a create retried after an ambiguous failure

    found = backend.find(grant)

    assert found is not None and found.handle == {"accessor": first.handle["accessor"]}
    assert vault.tokens.by_accessor(second.handle["accessor"]) is None


def test_find_a_group_by_its_name(backend: VaultBackend, vault: FakeVault, order: Order) -> None:
    vault.add_entity("alice")
    grant = order("vault-group")
    assert backend.find(grant) is None
    issued = backend.issue(grant)

    found = backend.find(grant)

    assert found is not None
    assert found.handle == issued.handle
    assert found.details == {"recovered": True}


def test_find_without_list_and_sudo_on_accessors_names_the_rule(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    vault.put_policy("jit-job", vault.policy_texts["jit-job"].replace('"list", "sudo"', '"list"'))

    with pytest.raises(OperationalError) as err:
        backend.find(order("vault-token"))

    assert 'lacks path "auth/token/accessors" { capabilities = ["list", "sudo"] }' in str(err.value)
    assert not err.value.retryable


def test_an_empty_accessor_list_finds_nothing(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    """Vault answers a LIST with nothing under it with 404 {"errors": []}."""
    vault.fail_next("LIST", "auth/token/accessors", 404, errors=[])
    assert backend.find(order("vault-token")) is None


def test_kinds_it_does_not_handle_are_refused(backend: VaultBackend, order: Order) -> None:
    binding = order("kubernetes-rolebinding")
    with pytest.raises(JitError, match="cannot issue kubernetes-rolebinding grants"):
        backend.issue(binding)
    with pytest.raises(JitError, match="cannot find kubernetes-rolebinding grants"):
        backend.find(binding)
    with pytest.raises(JitError, match="cannot revoke kubernetes-rolebinding"):
        backend.revoke("kubernetes-rolebinding", {"binding": "jit-x"})
    with pytest.raises(JitError, match="cannot check kubernetes-rolebinding"):
        backend.is_live("kubernetes-rolebinding", {"binding": "jit-x"})
