"""vault-group grants: an identity group jit-<grant id> with the requester's entity."""

from __future__ import annotations

from collections.abc import Callable

import hvac
import pytest

from jit.adapters.vault import VaultBackend
from jit.errors import JitError, OperationalError
from jit.model import VaultSettings
from jit.ports import GrantOrder
from tests.fakes.vault import FakeVault

Order = Callable[..., GrantOrder]


def test_issue_creates_the_group_with_the_requester_as_only_member(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    entity = vault.add_entity("alice")
    grant = order("vault-group")

    issued = backend.issue(grant)

    name = f"jit-{grant.grant_id}"
    group = vault.identity.groups[name]
    assert issued.handle == {"group": name, "group_id": group.id}
    assert issued.wrap_token is None
    assert group.type == "internal"
    assert group.member_entity_ids == [entity]
    assert group.policies == ["db-orders-read"]
    assert group.metadata == {
        "jit_grant": grant.grant_id,
        "jit_request": grant.request_id,
        "requester": "alice",
        "pr": str(grant.pr),
        "expires_at": "2026-01-05T11:00:00Z",
    }
    lookup = next(r for r in vault.requests if r.path == "identity/lookup/entity")
    assert lookup.body == {
        "alias_name": "alice",
        "alias_mount_accessor": vault.accessor_of("auth/github"),
    }


def test_the_policies_take_effect_for_the_requester_at_once_and_vanish_on_revoke(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    entity = vault.add_entity("alice")
    user = vault.tokens.add(["default"], 3600, entity_id=entity)
    client = hvac.Client(url=vault.address, token=user.id)
    with pytest.raises(hvac.exceptions.Forbidden):
        client.read("database/creds/orders-readonly")

    issued = backend.issue(order("vault-group"))
    assert client.read("database/creds/orders-readonly")["lease_id"]

    assert backend.revoke("vault-group", issued.handle) == "revoked"
    with pytest.raises(hvac.exceptions.Forbidden):
        client.read("database/creds/orders-readonly")


def test_a_requester_without_a_vault_identity_is_retried_next_run(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    vault.add_entity("bob")

    with pytest.raises(OperationalError) as err:
        backend.issue(order("vault-group"))

    assert err.value.retryable
    assert (
        "alice has no Vault identity yet: they must log in to Vault once through the auth/github"
        in str(err.value)
    )
    assert "Nothing is lost: the grant is retried on the next run." in str(err.value)
    assert vault.identity.groups == {}


def test_issue_again_after_a_crash_updates_the_same_group(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    vault.add_entity("alice")
    grant = order("vault-group")
    first = backend.issue(grant)

    again = backend.issue(grant)

    assert again.handle == first.handle
    assert list(vault.identity.groups) == [first.handle["group"]]


def test_a_configured_mount_accessor_skips_reading_sys_auth(
    vault: FakeVault, root: hvac.Client, order: Order, new_run: Callable[[], VaultBackend]
) -> None:
    vault.add_entity("alice")
    backend = new_run()
    backend.settings = VaultSettings(
        auth_role="jit", identity_mount_accessor=vault.accessor_of("auth/github")
    )
    backend._mount_accessor = backend.settings.identity_mount_accessor

    backend.issue(order("vault-group"))

    assert not [r for r in vault.requests if r.path == "sys/auth"]


def test_a_missing_identity_mount_is_a_clear_error(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    backend.settings = VaultSettings(auth_role="jit", identity_mount="okta")

    with pytest.raises(
        JitError, match=r"no auth method mounted at auth/okta/ \(vault.identity_mount\)"
    ):
        backend.issue(order("vault-group"))


def test_revoke_and_check(
    backend: VaultBackend, vault: FakeVault, root: hvac.Client, order: Order
) -> None:
    vault.add_entity("alice")
    issued = backend.issue(order("vault-group"))
    assert backend.is_live("vault-group", issued.handle)

    assert backend.revoke("vault-group", issued.handle) == "revoked"

    assert not backend.is_live("vault-group", issued.handle)
    assert backend.revoke("vault-group", issued.handle) == "already-gone"


def test_a_group_deleted_out_of_band_is_already_gone(
    backend: VaultBackend, vault: FakeVault, root: hvac.Client, order: Order
) -> None:
    vault.add_entity("alice")
    issued = backend.issue(order("vault-group"))
    root.secrets.identity.delete_group_by_name(issued.handle["group"])

    assert not backend.is_live("vault-group", issued.handle)
    assert backend.revoke("vault-group", issued.handle) == "already-gone"
