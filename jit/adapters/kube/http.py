"""HTTP to one Kubernetes API server: TLS trust, the bearer token, bounded retries, and errors
that say which cluster, what jit was doing, and which RBAC permission is missing.

The token is only ever put in the ``Authorization`` header; it is never logged, never part of an
exception message, and never stored on this object.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import tempfile
import weakref
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import requests

from jit import __version__
from jit.errors import OperationalError
from jit.model import KubernetesCluster

TokenSource = Callable[[KubernetesCluster], str]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Seconds to wait before attempt 2, 3, 4: bounded, so a run fails in about 4 s, not minutes.
BACKOFF = (0.5, 1.0, 2.0)
MAX_RETRY_AFTER = 10.0
TIMEOUT = (5.0, 30.0)  # connect, read
SETUP_HINT = 'see the README, "Kubernetes set-up"'


class KubeClient:
    """Requests to one cluster. ``request`` returns (status, JSON body) for the statuses the
    caller expects and raises ``OperationalError`` for everything else."""

    def __init__(
        self,
        cluster: KubernetesCluster,
        token_for: TokenSource,
        session: requests.Session,
        sleep: Callable[[float], None],
    ) -> None:
        if not cluster.server.startswith("https://"):
            raise OperationalError(
                f'Kubernetes cluster "{cluster.name}": server {cluster.server!r} is not an https:// '
                "URL; jit sends a bearer token and will only do so over TLS. Fix `server` under "
                "`kubernetes:` in policies/settings.yaml.",
                retryable=False,
            )
        self.cluster = cluster
        self._token_for = token_for
        self._session = session
        self._sleep = sleep
        self._verify: str | bool = _trust(cluster, self)

    def request(
        self,
        method: str,
        path: str,
        *,
        action: str,
        permission: str,
        expect: Collection[int],
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """``action`` says what jit was doing ("creating RoleBinding payments/jit-x");
        ``permission`` names the RBAC rule that allows it, for the 403 message."""
        where = f'Kubernetes cluster "{self.cluster.name}": {action}'
        last = ""
        last_response: requests.Response | None = None
        for attempt in range(len(BACKOFF) + 1):
            if attempt:
                self._sleep(_delay(attempt, last_response))
            last_response = None
            try:
                response = self._session.request(
                    method,
                    self.cluster.server.rstrip("/") + path,
                    params=params,
                    json=body,
                    headers=self._headers(),
                    verify=self._verify,
                    timeout=TIMEOUT,
                )
            except requests.exceptions.SSLError:
                raise OperationalError(
                    f"{where}: the server's TLS certificate could not be verified. Set `ca_file` or "
                    "`ca_data` for this cluster in policies/settings.yaml to the cluster's CA.",
                    retryable=False,
                ) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = f"{type(exc).__name__} (no response)"
                continue
            if response.status_code in expect:
                return response.status_code, _json(response)
            if response.status_code in RETRY_STATUSES:
                last_response = response
                last = _describe(response)
                continue
            raise self._failure(where, permission, response)
        raise OperationalError(
            f"{where}: gave up after {len(BACKOFF) + 1} attempts; the last was {last}. "
            "The request stays pending and the next run retries it."
        )

    def _headers(self) -> dict[str, str]:
        token = self._token_for(self.cluster)
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": f"jit/{__version__}",
        }

    def _failure(
        self, where: str, permission: str, response: requests.Response
    ) -> OperationalError:
        said = _describe(response)
        if response.status_code == 401:
            return OperationalError(
                f"{where}: the API server rejected jit's credential ({said}). The bearer token is "
                f"missing, expired or for another cluster; check {_token_origin(self.cluster)}."
            )
        if response.status_code == 403:
            return OperationalError(
                f"{where}: {said}. jit's credential needs the RBAC permission to {permission} "
                f"({SETUP_HINT}).",
                retryable=False,
            )
        return OperationalError(f"{where}: {said}.", retryable=False)


def _delay(attempt: int, response: requests.Response | None) -> float:
    delay = BACKOFF[attempt - 1]
    if response is not None:
        with contextlib.suppress(ValueError):
            delay = max(delay, min(float(response.headers.get("Retry-After", "")), MAX_RETRY_AFTER))
    return delay


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _describe(response: requests.Response) -> str:
    """``403 Forbidden: <the server's message>`` — the Status body carries no secret."""
    body = _json(response)
    reason = body.get("reason") or response.reason or ""
    message = str(body.get("message") or "")[:400]
    text = f"{response.status_code} {reason}".strip()
    return f"{text}: {message}" if message else text


def _token_origin(cluster: KubernetesCluster) -> str:
    if cluster.vault_credentials:
        return f"the Vault Kubernetes secrets engine path {cluster.vault_credentials!r}"
    if cluster.token_env:
        return f"the environment variable {cluster.token_env}"
    return "the cluster's `token_env` or `vault_credentials` in policies/settings.yaml"


def _trust(cluster: KubernetesCluster, owner: object) -> str | bool:
    """``verify=`` for requests: the CA file, ``ca_data`` written to a private temp file that is
    removed when ``owner`` is garbage-collected, or the system trust store."""
    if cluster.ca_file:
        return cluster.ca_file
    if not cluster.ca_data:
        return True
    pem = cluster.ca_data.strip()
    if "-----BEGIN" not in pem:  # kubeconfig's certificate-authority-data is base64 of the PEM
        try:
            pem = base64.b64decode(pem, validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            raise OperationalError(
                f'Kubernetes cluster "{cluster.name}": `ca_data` is neither PEM nor base64 of PEM.',
                retryable=False,
            ) from None
    fd, name = tempfile.mkstemp(prefix="jit-ca-", suffix=".pem")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(pem + "\n")
    weakref.finalize(owner, Path(name).unlink, missing_ok=True)
    return name
