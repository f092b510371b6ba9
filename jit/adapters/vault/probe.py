"""Read-only Vault calls for ``jit doctor``: what Vault answers, never an exception.

Each call gives ``(status, body, error)``: ``status`` None when Vault never answered. Nothing
here writes to Vault, reads a credential or returns a token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import hvac
import requests

from jit.adapters.oidc import URL_VAR
from jit.adapters.vault.client import VaultHttp, VaultRequestError, connect
from jit.errors import JitError
from jit.model import VaultSettings

Said = tuple[int | None, dict[str, Any], str]


class VaultProbe:
    """One Vault address; ``login`` first, then ``get``/``post`` as that token."""

    def __init__(
        self,
        settings: VaultSettings,
        env: Mapping[str, str],
        *,
        mask: Callable[[str], None],
        sleep: Callable[[float], None],
    ) -> None:
        self.settings, self.env, self.mask, self.sleep = settings, env, mask, sleep
        address = env.get("VAULT_ADDR") or settings.address or ""
        # sys/health is root-namespace only: asked without VAULT_NAMESPACE.
        self._plain = hvac.Client(url=address, verify=env.get("VAULT_CACERT") or True)
        self._http: VaultHttp | None = None

    def health(self) -> Said:
        """``sys/health``: 200 active, 429 standby, 501 not initialised, 503 sealed."""
        try:
            answer = self._plain.adapter.get(
                "/v1/sys/health", params={"standbyok": "true"}, raise_exception=False
            )
        except requests.RequestException as exc:
            return None, {}, type(exc).__name__
        if isinstance(answer, dict):
            return 200, answer, ""
        body = _json(answer)
        states = {501: "not initialized", 503: "sealed"}
        return answer.status_code, body, states.get(answer.status_code, "")

    def login(self) -> tuple[str, str]:
        """How a token was had ("token", "jwt" or "none") and why a login failed ("")."""
        how = "token" if self.env.get("VAULT_TOKEN") else "jwt" if self.env.get(URL_VAR) else ""
        if not how:
            return "none", ""
        try:
            client = connect(self.settings, self.env, mask=self.mask, sleep=self.sleep)
        except JitError as exc:
            return how, str(exc)
        self._http = VaultHttp(client, sleep=self.sleep, retries=1)
        return how, ""

    def write(self, path: str, body: Mapping[str, object]) -> Mapping[str, Any]:
        """A Vault write for jit's own short-lived cluster token (``token_from_vault``)."""
        if self._http is None:
            raise JitError(f"jit is not logged in to Vault, so it cannot write {path}.")
        return self._http.call("POST", path, body=dict(body)) or {}

    def get(self, path: str, *, root_namespace: bool = False) -> Said:
        """``root_namespace``: ask without VAULT_NAMESPACE (the root namespace's mounts)."""
        return self._call("GET", path, None, root_namespace=root_namespace)

    @property
    def namespaced(self) -> bool:
        return bool(self.env.get("VAULT_NAMESPACE") or self.settings.namespace)

    def post(self, path: str, body: Mapping[str, Any]) -> Said:
        return self._call("POST", path, body)

    def _call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        *,
        root_namespace: bool = False,
    ) -> Said:
        if self._http is None:
            return None, {}, "not logged in"
        http = self._http
        if root_namespace:
            http = http.with_token(str(http.client.token or ""))
            http.without_namespace()
        try:
            answer = http.call(method, path, body=body)
        except VaultRequestError as exc:
            return exc.status, {}, "; ".join(exc.errors)
        return 200, dict(answer or {}), ""


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
