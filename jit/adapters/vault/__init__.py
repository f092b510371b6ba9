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


def unwrap_secret(
    address: str,
    namespace: str | None,
    wrap_token: str,
    *,
    accept: Callable[[str], None],
    session: requests.Session | None = None,
    verify: bool | str = True,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, dict[str, Any]]:
    """Unwrap a delivery (single use): its creation path and Vault's original response.

    First, without using the token up, looks up where it was created and calls
    ``accept(creation_path)``, which raises to refuse it (``jit.delivery.provenance``: only the
    paths the reconcile job wraps at); a refused token is never unwrapped. The response is the
    wrapped request's answer: ``{"auth": {...}}`` for a token, ``{"data": {...}, "lease_id":
    ...}`` for credentials.
    """
    client = hvac.Client(
        url=address, token=wrap_token, namespace=namespace, session=session, verify=verify
    )
    http = VaultHttp(client, sleep=sleep)
    try:
        # Unauthenticated lookup: no X-Vault-Token, so nothing can count it as the one use.
        lookup = http.with_token("").call("POST", "sys/wrapping/lookup", body={"token": wrap_token})
        path = str(((lookup or {}).get("data") or {}).get("creation_path") or "")
        accept(path)
        answer = http.call("POST", "sys/wrapping/unwrap", body={}, idempotent=False) or {}
    except VaultRequestError as err:
        if err.status == 400 and err.says("wrapping token is not valid or does not exist"):
            raise JitError(USED_OR_EXPIRED) from None
        raise
    return path, dict(answer)
