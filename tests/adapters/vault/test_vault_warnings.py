"""Vault's warnings and error texts as jit shows them: benign warnings stay out of the job log
and the requester's terminal; any other warning still surfaces; multierror text is unwrapped.

The fake gives the real server's warnings word for word (test_fake_vs_real.py checks it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from jit.adapters.vault import VaultBackend
from jit.adapters.vault.client import is_benign, plain_errors
from jit.ports import GrantOrder
from tests.adapters.vault.unwrapped import unwrap
from tests.fakes.vault import FakeVault

Order = Callable[..., GrantOrder]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("kind", ["vault-token", "vault-credentials"])
def test_issuing_and_unwrapping_log_no_warning_for_the_roles_explicit_max_ttl(
    backend: VaultBackend,
    vault: FakeVault,
    order: Order,
    kind: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="jit.vault")
    issued = backend.issue(order(kind))
    assert issued.wrap_token is not None

    unwrap(vault.address, None, issued.wrap_token)

    assert _warnings(caplog) == []
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("Explicit max TTL specified both" in m for m in said)  # Vault did warn


def test_a_capped_ttl_still_surfaces_as_a_warning(
    backend: VaultBackend, vault: FakeVault, order: Order, caplog: pytest.LogCaptureFixture
) -> None:
    vault.mounts["auth/token/"].max_lease_ttl = 3600  # the grant asks 2h

    backend.issue(order("vault-credentials"))

    assert _warnings(caplog) == [
        'Vault warned on POST auth/token/create/jit: TTL of "2h" exceeded the effective '
        'max_ttl of "1h"; TTL value is capped accordingly'
    ]


def test_revoking_a_token_that_is_gone_logs_no_warning(
    backend: VaultBackend, order: Order, caplog: pytest.LogCaptureFixture
) -> None:
    issued = backend.issue(order("vault-token"))
    backend.revoke("vault-token", issued.handle)

    assert backend.revoke("vault-token", issued.handle) == "already-gone"
    assert _warnings(caplog) == []


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("1 error occurred:\n\t* permission denied\n\n", ["permission denied"]),
        ("2 errors occurred:\n\t* one\n\t* two\n\n", ["one", "two"]),
        ("invalid lease", ["invalid lease"]),
        (' 1 error occurred: says "x" ', ['1 error occurred: says "x"']),
    ],
)
def test_vaults_multierror_text_becomes_plain_messages(text: str, messages: list[str]) -> None:
    assert plain_errors(text) == messages


def test_only_known_texts_are_benign() -> None:
    assert is_benign(
        "Explicit max TTL specified both during creation call and in role; using the lesser "
        "value of 7200 seconds"
    )
    assert is_benign("No token found with this accessor")
    assert not is_benign("Endpoint ignored these unrecognized parameters: [explicit_max_tll]")
    assert not is_benign(
        'TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly'
    )
