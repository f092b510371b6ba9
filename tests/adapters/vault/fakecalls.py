"""Raw HTTP against the fake Vault, for tests of the fake's own wire behaviour."""

from __future__ import annotations

from typing import Any

import requests

from tests.fakes.vault import FakeVault


def call(
    vault: FakeVault,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """``(status, parsed body or None)``; ``token=""`` sends no token."""
    sent = dict(headers or {})
    chosen = vault.root_token if token is None else token
    if chosen:
        sent["X-Vault-Token"] = chosen
    response = requests.request(
        method, f"{vault.address}/v1/{path}", json=body, headers=sent, timeout=5
    )
    return response.status_code, (response.json() if response.text else None)


def errors(
    vault: FakeVault, method: str, path: str, body: dict[str, Any] | None = None, **kw: Any
) -> tuple[int, list[str]]:
    status, answer = call(vault, method, path, body, **kw)
    assert isinstance(answer, dict) and list(answer) == ["errors"], answer
    return status, answer["errors"]
