"""Pytest fixtures for the fake Vault. Import them into a ``conftest.py``::

    from tests.fakes.vault.plugin import fake_clock, fake_vault, vault_rsps  # noqa: F401

To combine with other ``responses``-based fakes, build ``FakeVault(rsps, ...)`` on the one
shared ``responses.RequestsMock`` instead (only one mock can patch ``requests`` at a time).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from tests.fakes.clock import FakeClock
from tests.fakes.vault.contract import Contract, contracts_dir, contracts_required
from tests.fakes.vault.core import FakeVault


def vault_contract() -> Contract | None:
    """The contract, or None when it is missing (an error when CI requires it)."""
    directory = contracts_dir()
    if directory is None:
        if contracts_required():
            pytest.fail(
                "JIT_REQUIRE_CONTRACTS=1 but ../shared/contracts/vault/openapi.json is missing"
            )
        return None
    return Contract.from_dir(directory)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def vault_rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def fake_vault(vault_rsps: responses.RequestsMock, fake_clock: FakeClock) -> Iterator[FakeVault]:
    vault = FakeVault(vault_rsps, clock=fake_clock, contract=vault_contract())
    yield vault
    assert not vault.violations, "requests broke the Vault contract:\n" + "\n".join(
        vault.violations
    )
