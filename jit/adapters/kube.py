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
from urllib.parse import quote

import requests
from jit.adapters.kube_http import KubeClient, TokenSource
from jit.adapters.kube_tokens import token_from_env, token_from_vault, token_provider
from jit.errors import OperationalError
from jit.model import GrantKind, KubernetesCluster, KubernetesRoleBinding
from jit.ports import GrantOrder, Issued, RevokeOutcome

__all__ = ["KubeBackend", "binding_name", "token_from_env", "token_from_vault", "token_provider"]

KIND: GrantKind = "kubernetes-rolebinding"
GROUP = "rbac.authorization.k8s.io"
API = f"/apis/{GROUP}/v1"
MANAGED_BY = "app.kubernetes.io/managed-by"
GRANT_LABEL = "jit.dev/grant"
_PAGE = "500"


def binding_name(grant_id: str) -> str:
    return f"jit-{grant_id}"


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
        spec = _spec(order)
        client = self._client(spec.cluster)
        desired = desired_binding(order)
        what = _what(spec.namespace, binding_name(order.grant_id))
        status, body = client.request(
            "POST",
            _collection(spec.namespace),
            action=f"creating {what}",
            permission=_create_permission(spec),
            expect={201, 200, 409},
            body=desired,
        )
        if status == 409:  # created by an earlier (crashed or retried) run, or by someone else
            found = self._get(
                client, spec.namespace, binding_name(order.grant_id), f"reading {what}"
            )
            if found is None:  # deleted in between: the next run creates it again
                raise OperationalError(
                    f'Kubernetes cluster "{spec.cluster}": {what} vanished while jit read it back.'
                )
            body = found
        return self._issued(order, _ensure_ours(spec, order, body))

    def find(self, order: GrantOrder) -> Issued | None:
        spec = _spec(order)
        name = binding_name(order.grant_id)
        found = self._get(
            self._client(spec.cluster),
            spec.namespace,
            name,
            f"looking for {_what(spec.namespace, name)}",
        )
        return None if found is None else self._issued(order, _ensure_ours(spec, order, found))

    def revoke(self, kind: GrantKind, handle: Mapping[str, str]) -> RevokeOutcome:
        cluster, namespace, name, uid = _parse_handle(kind, handle)
        body = (
            {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid}}
            if uid
            else None
        )
        status, _ = self._client(cluster).request(
            "DELETE",
            _item(namespace, name),
            action=f"deleting {_what(namespace, name)}",
            permission=_scoped("delete", namespace),
            expect={200, 202, 404, 409},
            body=body,
        )
        # 409: the uid precondition failed, so the binding jit created is gone and another of the
        # same name stands in its place; drift detection reports that one.
        return "revoked" if status in (200, 202) else "already-gone"

    def is_live(self, kind: GrantKind, handle: Mapping[str, str]) -> bool:
        cluster, namespace, name, uid = _parse_handle(kind, handle)
        found = self._get(
            self._client(cluster), namespace, name, f"checking {_what(namespace, name)}"
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
            else [_collection(ns) for ns in sorted(namespaces)]
        )
        if include_cluster:
            paths.append(_collection(None))
        entries: list[dict[str, str]] = []
        for path in paths:
            for obj in _list_all(client, path):
                entries.append(_summary(cluster, path, obj))
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
            _item(namespace, name),
            action=action,
            permission=_scoped("get", namespace),
            expect={200, 404},
        )
        return body if status == 200 else None

    def _issued(self, order: GrantOrder, obj: Mapping[str, Any]) -> Issued:
        spec = _spec(order)
        handle = {
            "cluster": spec.cluster,
            "binding_kind": _binding_kind(spec.namespace),
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


def desired_binding(order: GrantOrder) -> dict[str, Any]:
    """The binding jit creates for ``order`` (pure)."""
    spec = _spec(order)
    metadata: dict[str, Any] = {
        "name": binding_name(order.grant_id),
        "labels": {MANAGED_BY: "jit", GRANT_LABEL: order.grant_id},
        "annotations": {
            "jit.dev/request": order.request_id,
            "jit.dev/requester": order.requester,
            "jit.dev/resource": order.resource.id,
            "jit.dev/expires-at": order.expires_at.isoformat(),
            "jit.dev/pr": str(order.pr),
        },
    }
    if spec.namespace is not None:
        metadata["namespace"] = spec.namespace
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": _binding_kind(spec.namespace),
        "metadata": metadata,
        "subjects": [
            {
                "kind": spec.subject_kind,
                "apiGroup": GROUP,
                "name": spec.render_subject(order.requester),
            }
        ],
        "roleRef": {"apiGroup": GROUP, "kind": spec.role_kind, "name": spec.role},
    }


def _spec(order: GrantOrder) -> KubernetesRoleBinding:
    spec = order.resource.grant
    if not isinstance(spec, KubernetesRoleBinding):
        raise ValueError(f"KubeBackend cannot issue a {spec.kind} grant ({order.grant_id})")
    return spec


def _ensure_ours(
    spec: KubernetesRoleBinding, order: GrantOrder, obj: Mapping[str, Any]
) -> Mapping[str, Any]:
    want = desired_binding(order)
    labels = obj.get("metadata", {}).get("labels") or {}
    ours = (
        labels.get(MANAGED_BY) == "jit"
        and labels.get(GRANT_LABEL) == order.grant_id
        and _norm(obj.get("roleRef")) == _norm(want["roleRef"])
        and [_norm(s) for s in obj.get("subjects") or []] == [_norm(s) for s in want["subjects"]]
    )
    if not ours:
        raise OperationalError(
            f'Kubernetes cluster "{spec.cluster}": {_what(spec.namespace, binding_name(order.grant_id))} '
            f"already exists but is not the binding jit would create for grant {order.grant_id} "
            "(its labels, roleRef or subjects differ). jit will not adopt it. Find out who created "
            "it, delete it, and the next run issues the grant.",
            retryable=False,
        )
    return obj


def _norm(value: object) -> tuple[str, str, str] | None:
    if not isinstance(value, Mapping):
        return None
    return (str(value.get("kind")), str(value.get("apiGroup") or ""), str(value.get("name")))


def _parse_handle(kind: GrantKind, handle: Mapping[str, str]) -> tuple[str, str | None, str, str]:
    if kind != KIND:
        raise ValueError(f"KubeBackend cannot handle {kind} grants")
    missing = [key for key in ("cluster", "binding_kind", "name") if not handle.get(key)]
    binding_kind = handle.get("binding_kind")
    if binding_kind == "RoleBinding" and not handle.get("namespace"):
        missing.append("namespace")
    if missing or binding_kind not in ("RoleBinding", "ClusterRoleBinding"):
        raise OperationalError(
            f"A kubernetes-rolebinding grant record has an unusable handle (missing or wrong: "
            f"{', '.join(missing) or 'binding_kind'}); fix the record under state/grants/.",
            retryable=False,
        )
    namespace = handle["namespace"] if binding_kind == "RoleBinding" else None
    return handle["cluster"], namespace, handle["name"], handle.get("uid", "")


def _list_all(client: KubeClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params = {"labelSelector": f"{MANAGED_BY}=jit", "limit": _PAGE}
    while True:
        _, body = client.request(
            "GET",
            path,
            action=f"listing {path.rsplit('/', 1)[-1]} managed by jit",
            permission=_list_permission(path),
            expect={200},
            params=params,
        )
        items.extend(item for item in body.get("items") or [] if isinstance(item, dict))
        token = (body.get("metadata") or {}).get("continue")
        if not token:
            return items
        params = {**params, "continue": str(token)}


def _summary(cluster: str, path: str, obj: Mapping[str, Any]) -> dict[str, str]:
    meta = obj.get("metadata") or {}
    labels, notes = meta.get("labels") or {}, meta.get("annotations") or {}
    entry = {
        "cluster": cluster,
        "binding_kind": "ClusterRoleBinding"
        if path.endswith("/clusterrolebindings")
        else "RoleBinding",
        "name": str(meta.get("name", "")),
        "uid": str(meta.get("uid", "")),
        "grant_id": str(labels.get(GRANT_LABEL, "")),
        "request": str(notes.get("jit.dev/request", "")),
        "requester": str(notes.get("jit.dev/requester", "")),
        "expires_at": str(notes.get("jit.dev/expires-at", "")),
    }
    if entry["binding_kind"] == "RoleBinding":
        entry["namespace"] = str(meta.get("namespace", ""))
    return entry


def _binding_kind(namespace: str | None) -> str:
    return "ClusterRoleBinding" if namespace is None else "RoleBinding"


def _collection(namespace: str | None) -> str:
    if namespace is None:
        return f"{API}/clusterrolebindings"
    return f"{API}/namespaces/{quote(namespace, safe='')}/rolebindings"


def _item(namespace: str | None, name: str) -> str:
    return f"{_collection(namespace)}/{quote(name, safe='')}"


def _what(namespace: str | None, name: str) -> str:
    return (
        f'ClusterRoleBinding "{name}"' if namespace is None else f'RoleBinding "{namespace}/{name}"'
    )


def _scoped(verb: str, namespace: str | None) -> str:
    if namespace is None:
        return f"{verb} clusterrolebindings.{GROUP}"
    return f'{verb} rolebindings.{GROUP} in namespace "{namespace}"'


def _create_permission(spec: KubernetesRoleBinding) -> str:
    where = (
        ""
        if spec.role_kind == "ClusterRole" or spec.namespace is None
        else f' in namespace "{spec.namespace}"'
    )
    return (
        f'{_scoped("create", spec.namespace)}, and "bind" on {spec.role_kind} "{spec.role}"{where}'
    )


def _list_permission(path: str) -> str:
    resource = path.rsplit("/", 1)[-1]
    if "/namespaces/" in path:
        return f'list {resource}.{GROUP} in namespace "{path.split("/")[5]}"'
    return f"list {resource}.{GROUP} in all namespaces"
