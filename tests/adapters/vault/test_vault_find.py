"""Crash recovery: ``find`` recovers what a crashed run issued but never recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jit.adapters.vault import VaultBackend
from jit.errors import JitError
from jit.ports import GrantOrder
from tests.fakes.vault import FakeVault

Order = Callable[..., GrantOrder]


@pytest.mark.parametrize("kind", ["vault-token", "vault-credentials"])
def test_tokens_are_never_searched_for(
    backend: VaultBackend,
    new_run: Callable[[], VaultBackend],
    vault: FakeVault,
    order: Order,
    kind: str,
) -> None:
    """A token's accessor is recorded before it is delivered, and recovery revokes by that:
    ``find`` never lists Vault's tokens (``LIST auth/token/accessors`` needs ``sudo`` and
    costs one call per token in Vault), so it finds nothing, even when a token exists."""
    grant = order(kind)
    backend.issue(grant)  # ... and the run dies before recording it: unreachable, ends at TTL
    seen = len(vault.requests)

    assert new_run().find(grant) is None

    assert [r for r in vault.requests[seen:] if r.path.startswith("auth/token")] == []


def test_find_a_group_by_its_name(backend: VaultBackend, vault: FakeVault, order: Order) -> None:
    vault.add_entity("alice")
    grant = order("vault-group")
    assert backend.find(grant) is None
    issued = backend.issue(grant)

    found = backend.find(grant)

    assert found is not None
    assert found.handle == issued.handle
    assert found.details == {"recovered": True}


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
