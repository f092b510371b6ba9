"""The Kubernetes objects jit creates, pure: the binding for an order, how to recognise one jit
made, handles, API paths, and the words errors use for them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from jit.errors import OperationalError
from jit.model import GrantKind, KubernetesRoleBinding
from jit.ports import GrantOrder

KIND: GrantKind = "kubernetes-rolebinding"
GROUP = "rbac.authorization.k8s.io"
API = f"/apis/{GROUP}/v1"
MANAGED_BY = "app.kubernetes.io/managed-by"
GRANT_LABEL = "jit.dev/grant"


def binding_name(grant_id: str) -> str:
    return f"jit-{grant_id}"


def desired_binding(order: GrantOrder) -> dict[str, Any]:
    """The binding jit creates for ``order`` (pure)."""
    spec = spec_of(order)
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
        "kind": binding_kind(spec.namespace),
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


def spec_of(order: GrantOrder) -> KubernetesRoleBinding:
    spec = order.resource.grant
    if not isinstance(spec, KubernetesRoleBinding):
        raise ValueError(f"KubeBackend cannot issue a {spec.kind} grant ({order.grant_id})")
    return spec


def ensure_ours(
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
            f'Kubernetes cluster "{spec.cluster}": {what(spec.namespace, binding_name(order.grant_id))} '
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


def parse_handle(kind: GrantKind, handle: Mapping[str, str]) -> tuple[str, str | None, str, str]:
    if kind != KIND:
        raise ValueError(f"KubeBackend cannot handle {kind} grants")
    missing = [key for key in ("cluster", "binding_kind", "name") if not handle.get(key)]
    declared = handle.get("binding_kind")
    if declared == "RoleBinding" and not handle.get("namespace"):
        missing.append("namespace")
    if missing or declared not in ("RoleBinding", "ClusterRoleBinding"):
        raise OperationalError(
            f"A kubernetes-rolebinding grant record has an unusable handle (missing or wrong: "
            f"{', '.join(missing) or 'binding_kind'}); fix the record under state/grants/.",
            retryable=False,
        )
    namespace = handle["namespace"] if declared == "RoleBinding" else None
    return handle["cluster"], namespace, handle["name"], handle.get("uid", "")


def summary(cluster: str, path: str, obj: Mapping[str, Any]) -> dict[str, str]:
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


def binding_kind(namespace: str | None) -> str:
    return "ClusterRoleBinding" if namespace is None else "RoleBinding"


def collection(namespace: str | None) -> str:
    if namespace is None:
        return f"{API}/clusterrolebindings"
    return f"{API}/namespaces/{quote(namespace, safe='')}/rolebindings"


def item_path(namespace: str | None, name: str) -> str:
    return f"{collection(namespace)}/{quote(name, safe='')}"


def what(namespace: str | None, name: str) -> str:
    return (
        f'ClusterRoleBinding "{name}"' if namespace is None else f'RoleBinding "{namespace}/{name}"'
    )


def scoped(verb: str, namespace: str | None) -> str:
    if namespace is None:
        return f"{verb} clusterrolebindings.{GROUP}"
    return f'{verb} rolebindings.{GROUP} in namespace "{namespace}"'


def create_permission(spec: KubernetesRoleBinding) -> str:
    where = (
        ""
        if spec.role_kind == "ClusterRole" or spec.namespace is None
        else f' in namespace "{spec.namespace}"'
    )
    return (
        f'{scoped("create", spec.namespace)}, and "bind" on {spec.role_kind} "{spec.role}"{where}'
    )


def list_permission(path: str) -> str:
    resource = path.rsplit("/", 1)[-1]
    if "/namespaces/" in path:
        return f'list {resource}.{GROUP} in namespace "{path.split("/")[5]}"'
    return f"list {resource}.{GROUP} in all namespaces"
