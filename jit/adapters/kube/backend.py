"""``GrantBackend`` for ``kubernetes-rolebinding`` over the Kubernetes REST API (plain requests).

A grant is a RoleBinding (or a ClusterRoleBinding when the resource has no namespace) named
``jit-<grant id>``, labelled ``app.kubernetes.io/managed-by=jit`` and ``jit.dev/grant=<grant id>``.
The name is deterministic, so a run that crashed after creating it finds it again; a binding of
that name that jit did not create is never adopted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

import requests

from jit.adapters.kube.http import KubeClient, TokenSource
from jit.adapters.kube.objects import (
    API,
    KIND,
    MANAGED_BY,
    binding_kind,
    binding_name,
    collection,
    create_permission,
    desired_binding,
    ensure_ours,
    item_path,
    list_permission,
    parse_handle,
    scoped,
    spec_of,
    summary,
    what,
)
from jit.adapters.kube.tokens import token_from_env, token_from_vault, token_provider
from jit.errors import OperationalError
from jit.model import GrantKind, KubernetesCluster
from jit.ports import GrantOrder, Issued, RevokeOutcome

__all__ = [
    "KubeBackend",
    "binding_name",
    "desired_binding",
    "token_from_env",
    "token_from_vault",
    "token_provider",
]

_PAGE = "500"


class KubeBackend:
    """Issues, finds, revokes and checks role bindings in the clusters named in settings."""

    kinds: tuple[GrantKind, ...] = (KIND,)

    def __init__(
        self,
        clusters: Mapping[str, KubernetesCluster],
        token_for: TokenSource,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clusters = dict(clusters)
        self._token_for = token_for
        self._session = session or requests.Session()
        self._sleep = sleep
        self._clients: dict[str, KubeClient] = {}

    # --- GrantBackend -------------------------------------------------------------------

    def issue(self, order: GrantOrder) -> Issued:
        spec = spec_of(order)
        client = self._client(spec.cluster)
        desired = desired_binding(order)
        subject = what(spec.namespace, binding_name(order.grant_id))
        status, body = client.request(
            "POST",
            collection(spec.namespace),
            action=f"creating {subject}",
            permission=create_permission(spec),
            expect={201, 200, 409},
            body=desired,
        )
        if status == 409:  # created by an earlier (crashed or retried) run, or by someone else
            found = self._get(
                client, spec.namespace, binding_name(order.grant_id), f"reading {subject}"
            )
            if found is None:  # deleted in between: the next run creates it again
                raise OperationalError(
                    f'Kubernetes cluster "{spec.cluster}": {subject} vanished while jit read it back.'
                )
            body = found
        return self._issued(order, ensure_ours(spec, order, body))

    def find(self, order: GrantOrder) -> Issued | None:
        spec = spec_of(order)
        name = binding_name(order.grant_id)
        found = self._get(
            self._client(spec.cluster),
            spec.namespace,
            name,
            f"looking for {what(spec.namespace, name)}",
        )
        return None if found is None else self._issued(order, ensure_ours(spec, order, found))

    def revoke(self, kind: GrantKind, handle: Mapping[str, str]) -> RevokeOutcome:
        cluster, namespace, name, uid = parse_handle(kind, handle)
        body = (
            {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid}}
            if uid
            else None
        )
        status, _ = self._client(cluster).request(
            "DELETE",
            item_path(namespace, name),
            action=f"deleting {what(namespace, name)}",
            permission=scoped("delete", namespace),
            expect={200, 202, 404, 409},
            body=body,
        )
        # 409: the uid precondition failed, so the binding jit created is gone and another of the
        # same name stands in its place; drift detection reports that one.
        return "revoked" if status in (200, 202) else "already-gone"

    def is_live(self, kind: GrantKind, handle: Mapping[str, str]) -> bool:
        cluster, namespace, name, uid = parse_handle(kind, handle)
        found = self._get(
            self._client(cluster), namespace, name, f"checking {what(namespace, name)}"
        )
        return found is not None and (not uid or found.get("metadata", {}).get("uid") == uid)

    # --- drift ----------------------------------------------------------------------------

    def list_managed(
        self,
        cluster: str,
        *,
        namespaces: Collection[str] | None = None,
        include_cluster: bool = True,
    ) -> list[dict[str, str]]:
        """Every binding labelled ``managed-by=jit`` in ``cluster``: cluster-wide, or only in
        ``namespaces`` (for set-ups where jit may list only there). Each entry has the handle keys
        (cluster, binding_kind, namespace for RoleBindings, name, uid) plus grant_id, request,
        requester and expires_at from its labels and annotations ("" when absent)."""
        client = self._client(cluster)
        paths = (
            [f"{API}/rolebindings"]
            if namespaces is None
            else [collection(ns) for ns in sorted(namespaces)]
        )
        if include_cluster:
            paths.append(collection(None))
        entries: list[dict[str, str]] = []
        for path in paths:
            for obj in _list_all(client, path):
                entries.append(summary(cluster, path, obj))
        return entries

    # --- helpers ----------------------------------------------------------------------------

    def _client(self, name: str) -> KubeClient:
        if name not in self._clients:
            cluster = self._clusters.get(name)
            if cluster is None:
                raise OperationalError(
                    f'Kubernetes cluster "{name}" is not configured under `kubernetes:` in '
                    "policies/settings.yaml; add it (server and CA) so jit can reach it.",
                    retryable=False,
                )
            self._clients[name] = KubeClient(cluster, self._token_for, self._session, self._sleep)
        return self._clients[name]

    def _get(
        self, client: KubeClient, namespace: str | None, name: str, action: str
    ) -> dict[str, Any] | None:
        status, body = client.request(
            "GET",
            item_path(namespace, name),
            action=action,
            permission=scoped("get", namespace),
            expect={200, 404},
        )
        return body if status == 200 else None

    def _issued(self, order: GrantOrder, obj: Mapping[str, Any]) -> Issued:
        spec = spec_of(order)
        handle = {
            "cluster": spec.cluster,
            "binding_kind": binding_kind(spec.namespace),
            "name": binding_name(order.grant_id),
            "uid": str(obj.get("metadata", {}).get("uid", "")),
        }
        if spec.namespace is not None:
            handle["namespace"] = spec.namespace
        details = {
            "role": f"{spec.role_kind}/{spec.role}",
            "subject": f"{spec.subject_kind}/{spec.render_subject(order.requester)}",
        }
        return Issued(kind=KIND, handle=handle, details=details)


def _list_all(client: KubeClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params = {"labelSelector": f"{MANAGED_BY}=jit", "limit": _PAGE}
    while True:
        _, body = client.request(
            "GET",
            path,
            action=f"listing {path.rsplit('/', 1)[-1]} managed by jit",
            permission=list_permission(path),
            expect={200},
            params=params,
        )
        items.extend(item for item in body.get("items") or [] if isinstance(item, dict))
        token = (body.get("metadata") or {}).get("continue")
        if not token:
            return items
        params = {**params, "continue": str(token)}
