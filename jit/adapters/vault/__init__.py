"""Vault for jit: ``connect`` (login), ``VaultBackend`` (grants) and ``unwrap_secret``.

The pieces live in ``client`` (login, calls, retries), ``issue`` (issuing) and
``backend`` (the ``GrantBackend``); this module is what the rest of jit imports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import hvac
import requests

from jit.adapters.vault.backend import KINDS, VaultBackend
from jit.adapters.vault.client import VaultHttp, VaultRequestError, connect
from jit.errors import JitError

__all__ = ["KINDS", "VaultBackend", "VaultRequestError", "connect", "unwrap_secret"]

USED_OR_EXPIRED = (
    "This wrapping token was already used or has expired, so Vault cannot unwrap it. If you "
    "did not unwrap it yourself, someone else may have: report it to your security team now. "
    "Then ask for access again with a new request."
)
#: Where jit's wrapping tokens come from; anything else was not made by jit.
_JIT_PATHS = ("sys/wrapping/wrap", "auth/token/create/")


def unwrap_secret(
    address: str,
    namespace: str | None,
    wrap_token: str,
    *,
    session: requests.Session | None = None,
    verify: bool | str = True,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Unwrap a delivery (single use) and return the secret.

    A vault-credentials delivery gives the engine's data (``{"username", "password"}``,
    ``{"service_account_token", ...}``); a vault-token delivery gives ``{"token", "accessor",
    "policies", "lease_duration", "renewable"}``. Checks first, without using the token up,
    that it is a wrapping token jit made (its creation path), so a token planted by someone
    else is refused rather than trusted.
    """
    client = hvac.Client(
        url=address, token=wrap_token, namespace=namespace, session=session, verify=verify
    )
    http = VaultHttp(client, sleep=sleep)
    try:
        # Unauthenticated lookup: no X-Vault-Token, so nothing can count it as the one use.
        lookup = http.with_token("").call("POST", "sys/wrapping/lookup", body={"token": wrap_token})
        path = str(((lookup or {}).get("data") or {}).get("creation_path") or "")
        if not path.startswith(_JIT_PATHS):
            raise JitError(
                f"This wrapping token was created at {path!r}, not by jit. Do not use it; report "
                "it to your security team."
            )
        answer = http.call("POST", "sys/wrapping/unwrap", body={}, idempotent=False) or {}
    except VaultRequestError as err:
        if err.status == 400 and err.says("wrapping token is not valid or does not exist"):
            raise JitError(USED_OR_EXPIRED) from None
        raise
    auth = answer.get("auth")
    if isinstance(auth, dict):
        return {
            "token": auth.get("client_token"),
            "accessor": auth.get("accessor"),
            "policies": auth.get("policies"),
            "lease_duration": auth.get("lease_duration"),
            "renewable": auth.get("renewable"),
        }
    data = answer.get("data")
    if not isinstance(data, dict) or not data:
        raise JitError("Vault unwrapped the token but it held no secret; ask for access again.")
    return dict(data)
