"""``unwrap_secret``: what ``jit unwrap`` calls on the requester's machine."""

from __future__ import annotations

from collections.abc import Callable

import hvac
import pytest

from jit.adapters.vault import USED_OR_EXPIRED, VaultBackend, unwrap_secret
from jit.errors import JitError, OperationalError
from jit.ports import GrantOrder
from tests.adapters.vault.unwrapped import unwrap
from tests.fakes.clock import FakeClock
from tests.fakes.vault import FakeVault

Order = Callable[..., GrantOrder]


def test_the_lookup_does_not_use_the_token_up(
    backend: VaultBackend, vault: FakeVault, order: Order
) -> None:
    issued = backend.issue(order("vault-credentials"))
    assert issued.wrap_token is not None

    unwrap(vault.address, None, issued.wrap_token)

    lookup, unwrapping = [r for r in vault.requests if r.path.startswith("sys/wrapping/")]
    assert lookup.path == "sys/wrapping/lookup" and "X-Vault-Token" not in lookup.headers
    assert unwrapping.path == "sys/wrapping/unwrap"
    assert unwrapping.headers["X-Vault-Token"] == issued.wrap_token and unwrapping.body == {}


def test_an_expired_wrapping_token_says_used_or_expired(
    backend: VaultBackend, vault: FakeVault, order: Order, fake_clock: FakeClock
) -> None:
    issued = backend.issue(order("vault-token"))
    assert issued.wrap_token is not None
    fake_clock.advance(3600)

    with pytest.raises(JitError) as err:
        unwrap(vault.address, None, issued.wrap_token)

    assert str(err.value) == USED_OR_EXPIRED


def test_a_token_someone_else_wrapped_is_refused_without_using_it(
    vault: FakeVault, root: hvac.Client
) -> None:
    planted = root.sys.wrap(payload={"client_token": "x"}, ttl=300)["wrap_info"]["token"]

    with pytest.raises(JitError) as err:
        unwrap(vault.address, None, planted)

    assert "created at 'sys/wrapping/wrap', where jit never creates one" in str(err.value)
    assert vault.tokens.get(planted) is not None  # not used up


def test_the_creation_path_is_checked_before_the_token_is_spent(vault: FakeVault) -> None:
    seen: list[str] = []

    def refuse(path: str) -> None:
        seen.append(path)
        raise JitError("refused")

    token = vault.tokens.add_wrapping(60, "auth/token/create/jit", {"auth": {}}).id
    before = len(vault.requests)
    with pytest.raises(JitError, match="refused"):
        unwrap_secret(vault.address, None, token, accept=refuse)
    assert seen == ["auth/token/create/jit"]
    assert [r.path for r in vault.requests[before:]] == ["sys/wrapping/lookup"]


def test_a_made_up_token(vault: FakeVault) -> None:
    with pytest.raises(JitError, match="already used or has expired"):
        unwrap(vault.address, None, "hvs.madeup")


def test_an_empty_wrapping_gives_an_empty_answer(vault: FakeVault) -> None:
    token = vault.tokens.add_wrapping(60, "database/creds/orders-readonly", {}).id
    assert unwrap(vault.address, None, token) == {}


def test_a_sealed_vault_is_an_operational_error(vault: FakeVault, fake_clock: FakeClock) -> None:
    vault.seal()
    with pytest.raises(OperationalError, match="Vault is sealed"):
        unwrap(vault.address, None, "hvs.x", sleep=fake_clock.sleep)
    assert fake_clock.slept == [0.5, 1.0, 2.0]


def test_in_a_namespace(backend: VaultBackend, vault: FakeVault, order: Order) -> None:
    issued = backend.issue(order("vault-credentials"))
    assert issued.wrap_token is not None
    vault.namespace = "team-a"

    secret = unwrap(vault.address, "team-a", issued.wrap_token)

    assert set(secret) == {"username", "password"}
    assert vault.requests[-1].headers["X-Vault-Namespace"] == "team-a"
