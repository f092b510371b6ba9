"""Helpers for the ``jit unwrap`` tests: deliveries as the reconcile job (or a forger) makes
them on the fake Vault, and the real command line run in-process."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import requests

from jit.cli import main
from jit.delivery import DeliveryPayload, choose_delivery, render_delivery_comment, seal
from tests.delivery.conftest import KeyPair
from tests.fakes.vault import FakeVault
from tests.fakes.vault.wire import envelope

SECRET = "pw-Zq8!'\"$HOME `x`"
GRANT = "alice-incident-4711-3f2a9c1b"
ENDS = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


def vault_call(
    vault: FakeVault, path: str, body: dict[str, Any], wrap_ttl: int | None = None
) -> dict[str, Any]:
    headers = {"X-Vault-Token": vault.root_token}
    if wrap_ttl:
        headers["X-Vault-Wrap-TTL"] = str(wrap_ttl)
    response = requests.post(f"{vault.address}/v1/{path}", json=body, headers=headers, timeout=5)
    assert response.status_code in (200, 204), response.text
    return response.json() if response.content else {}


CREDS_PATH = "database/creds/orders-readonly"


def wrapped_credentials(vault: FakeVault, data: dict[str, Any] | None = None) -> str:
    """What Vault holds after the grant side's holder token read vault-credentials
    response-wrapped: the engine's answer, in a wrapping token created at the creds path."""
    answer = envelope(
        data=data or {"username": "v-alice-x1", "password": SECRET},
        lease_id=f"{CREDS_PATH}/lease1",
        lease_duration=3600,
        renewable=True,
        mount_type="database",
    )
    return vault.tokens.add_wrapping(300, CREDS_PATH, answer).id


def forged_wrap(vault: FakeVault, data: dict[str, Any]) -> str:
    """What anyone with Vault's default policy can do: wrap data of their choosing."""
    answer = vault_call(vault, "sys/wrapping/wrap", data, wrap_ttl=300)
    return str(answer["wrap_info"]["token"])


def wrapped_token(vault: FakeVault) -> str:
    """What the grant side does for vault-token: create through the token role, wrapped."""
    vault_call(vault, "auth/token/roles/jit", {"allowed_policies": ["default"], "orphan": True})
    answer = vault_call(
        vault, "auth/token/create/jit", {"policies": ["default"], "ttl": "1h"}, wrap_ttl=300
    )
    return str(answer["wrap_info"]["token"])


def comment(vault: FakeVault, wrap_token: str, *keys: KeyPair) -> str:
    payload = DeliveryPayload(vault.address, None, wrap_token, GRANT, ENDS.isoformat())
    plan = choose_delivery([k.public for k in keys], "refuse")
    return render_delivery_comment(
        grant_id=GRANT,
        requester="alice",
        resource="db-orders",
        expires_at=ENDS,
        unwrap_by=None,
        armored=seal(payload, plan.recipients),
        plan=plan,
    )


def jit(*args: str) -> int:
    """Run the real command line (click, the error handler, exit codes) in-process."""
    old = sys.argv
    sys.argv = ["jit", "unwrap", *args]
    try:
        main()
    except SystemExit as done:
        return int(done.code or 0)
    finally:
        sys.argv = old
    raise AssertionError("main() always exits")
