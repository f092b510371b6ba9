"""Where jit's Kubernetes bearer token comes from: the environment, or (preferred) a short-lived
service-account token from Vault's Kubernetes secrets engine.

``token_from_vault`` takes a plain function supplied by the Vault adapter, so this module does not
import hvac. Neither function ever puts a token in a message. A token from Vault is handed to
``mask`` (``::add-mask::`` in Actions) as soon as it arrives, before it is cached or sent.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from jit.adapters.kube.http import TokenSource
from jit.errors import OperationalError
from jit.model import KubernetesCluster

#: ``write(path, body) -> response``: a Vault write (POST) returning the response envelope
#: (``{"lease_duration": ..., "data": {...}}``) or just its ``data``.
VaultWrite = Callable[[str, Mapping[str, object]], Mapping[str, Any]]
#: Hides a secret from the job log (``::add-mask::``); a no-op outside Actions.
Mask = Callable[[str], None]

#: Requested TTL of the Vault-issued token; a run needs minutes, not hours.
VAULT_TOKEN_TTL = "15m"  # noqa: S105 - a duration, not a secret
_DEFAULT_LIFETIME = 600.0  # seconds, when Vault's answer carries no lease_duration


def token_from_env(cluster: KubernetesCluster) -> str:
    """The bearer token in the environment variable named by ``cluster.token_env``."""
    if not cluster.token_env:
        raise OperationalError(
            f'Kubernetes cluster "{cluster.name}" has no `token_env` (nor `vault_credentials`) in '
            "policies/settings.yaml, so jit has no credential for it.",
            retryable=False,
        )
    token = os.environ.get(cluster.token_env, "").strip()
    if not token:
        raise OperationalError(
            f'Kubernetes cluster "{cluster.name}": the environment variable {cluster.token_env} '
            "is unset or empty. Pass the cluster's bearer token to the job in that variable "
            "(or set `vault_credentials` to use a short-lived token from Vault).",
            retryable=False,
        )
    return token


def token_from_vault(
    write: VaultWrite,
    *,
    ttl: str = VAULT_TOKEN_TTL,
    clock: Callable[[], float] = time.monotonic,
    mask: Mask | None = None,
) -> TokenSource:
    """A token source that asks Vault (``<mount>/creds/<role>`` in ``cluster.vault_credentials``)
    for a service-account token, masks it, and reuses it for 80% of its lease."""
    cache: dict[str, tuple[str, float]] = {}

    def token_for(cluster: KubernetesCluster) -> str:
        path = cluster.vault_credentials
        if not path:
            raise OperationalError(
                f'Kubernetes cluster "{cluster.name}" has no `vault_credentials` in '
                "policies/settings.yaml.",
                retryable=False,
            )
        hit = cache.get(cluster.name)
        if hit is not None and clock() < hit[1]:
            return hit[0]
        body: dict[str, object] = {"ttl": ttl}
        if cluster.vault_namespace:
            body["kubernetes_namespace"] = cluster.vault_namespace
        response = write(path, body)
        data = response.get("data") if isinstance(response.get("data"), Mapping) else response
        token = data.get("service_account_token") if isinstance(data, Mapping) else None
        if not isinstance(token, str) or not token:
            raise OperationalError(
                f'Kubernetes cluster "{cluster.name}": Vault path {path!r} returned no '
                "service_account_token. `vault_credentials` must name a Kubernetes secrets "
                "engine creds path such as kubernetes/creds/jit-granter.",
                retryable=False,
            )
        if mask is not None:
            mask(token)
        lease = response.get("lease_duration")
        lifetime = (
            float(lease) * 0.8
            if isinstance(lease, int | float) and lease > 0
            else _DEFAULT_LIFETIME
        )
        cache[cluster.name] = (token, clock() + lifetime)
        return token

    return token_for


def token_provider(write: VaultWrite | None = None, *, mask: Mask | None = None) -> TokenSource:
    """Per cluster: Vault when ``vault_credentials`` is set and a Vault ``write`` is available
    (each token it issues passed to ``mask`` first), otherwise ``token_env``."""
    from_vault = token_from_vault(write, mask=mask) if write is not None else None

    def token_for(cluster: KubernetesCluster) -> str:
        if cluster.vault_credentials and from_vault is not None:
            return from_vault(cluster)
        if cluster.vault_credentials and not cluster.token_env:
            raise OperationalError(
                f'Kubernetes cluster "{cluster.name}" takes its token from Vault '
                f"({cluster.vault_credentials!r}) but jit has no Vault connection in this run. "
                "Set VAULT_ADDR (and the JWT role) for the job.",
                retryable=False,
            )
        return token_from_env(cluster)

    return token_for
