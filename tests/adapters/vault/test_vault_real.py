"""The Vault adapter against a real OpenBao (one namespace per test): the findings of the trial
on real servers (issue 10) that the fake alone could not prove."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from jit.adapters.vault import VaultBackend
from jit.model import VaultSettings
from jit.ports import GrantOrder
from tests.adapters.vault.admin import policy_text
from tests.adapters.vault.unwrapped import unwrap
from tests.fakes.clock import FakeClock
from tests.real.plugin import Namespace

Order = Callable[..., GrantOrder]


@pytest.fixture
def backend(openbao: Namespace, fake_clock: FakeClock) -> VaultBackend:
    """jit's backend on the namespace, set up as the guide says but for a token role that caps
    tokens at 1h (OpenBao ignores ``sys/auth/token/tune`` inside a namespace: it answers 204
    and keeps 768h, so a short mount cap cannot be had here)."""
    root = openbao.client()
    root.sys.create_or_update_policy("db-orders-read", policy_text("db-orders-read"))
    root.adapter.post(
        "/v1/auth/token/roles/jit",
        json={
            "allowed_policies": ["db-orders-read", "jit-credentials"],
            "orphan": True,
            "renewable": False,
            "token_explicit_max_ttl": "1h",
        },
    )
    return VaultBackend(root, VaultSettings(), now=fake_clock.now)


def test_a_token_vault_cuts_short_reports_vaults_end(
    backend: VaultBackend, order: Order, fake_clock: FakeClock
) -> None:
    issued = backend.issue(order("vault-token", hours=2))

    assert issued.ends_at == fake_clock.now() + timedelta(hours=1)
    assert issued.details["token_ttl"] == 3600


def test_a_token_already_gone_is_already_gone(backend: VaultBackend, order: Order) -> None:
    issued = backend.issue(order("vault-token", hours=0.5))

    assert backend.revoke("vault-token", issued.handle) == "revoked"
    assert backend.revoke("vault-token", issued.handle) == "already-gone"
    assert not backend.is_live("vault-token", issued.handle)


def test_issue_and_unwrap_log_no_warning_for_benign_texts(
    backend: VaultBackend, order: Order, openbao: Namespace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="jit.vault")
    issued = backend.issue(order("vault-token", hours=0.5))
    assert issued.wrap_token is not None

    secret = unwrap(openbao.address, openbao.name, issued.wrap_token)

    assert secret["accessor"] == issued.handle["accessor"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("Explicit max TTL specified both" in m for m in debug)  # OpenBao did warn
