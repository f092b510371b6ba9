"""The fake Kubernetes RBAC API behaves like the real API server where jit depends on it."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.adapters.kube.conftest import SERVER, TOKEN
from tests.fakes.kube import FakeCluster, FakeKubernetes

API = f"{SERVER}/apis/rbac.authorization.k8s.io/v1"
RB = f"{API}/namespaces/payments/rolebindings"
CRB = f"{API}/clusterrolebindings"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def binding(
    name: str = "jit-a", *, kind: str = "RoleBinding", role_kind: str = "ClusterRole", **labels: str
) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": name, "labels": labels or {"app.kubernetes.io/managed-by": "jit"}},
        "subjects": [
            {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice@example.com"}
        ],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": "view"},
    }


def call(method: str, url: str, body: dict[str, Any] | None = None, **kw: Any) -> requests.Response:
    return requests.request(
        method, url, json=body, headers=kw.pop("headers", AUTH), timeout=5, **kw
    )


def test_create_fills_server_metadata_and_get_returns_it(cluster: FakeCluster) -> None:
    created = call("POST", RB, binding())
    assert created.status_code == 201
    meta = created.json()["metadata"]
    assert meta["namespace"] == "payments"
    assert meta["uid"] and meta["resourceVersion"].isdigit()
    assert meta["creationTimestamp"].endswith("Z")
    fetched = call("GET", f"{RB}/jit-a").json()
    assert fetched == created.json()
    assert fetched["kind"] == "RoleBinding"
    assert fetched["apiVersion"] == "rbac.authorization.k8s.io/v1"


def test_second_create_is_409_already_exists_status(cluster: FakeCluster) -> None:
    call("POST", RB, binding())
    again = call("POST", RB, binding())
    assert again.status_code == 409
    assert again.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'rolebindings.rbac.authorization.k8s.io "jit-a" already exists',
        "reason": "AlreadyExists",
        "code": 409,
        "details": {"name": "jit-a", "group": "rbac.authorization.k8s.io", "kind": "rolebindings"},
    }


def test_missing_namespace_is_404_on_the_namespace(cluster: FakeCluster) -> None:
    response = call("POST", f"{API}/namespaces/nope/rolebindings", binding())
    assert response.status_code == 404
    assert response.json()["message"] == 'namespaces "nope" not found'
    assert response.json()["details"] == {"name": "nope", "kind": "namespaces"}


@pytest.mark.parametrize(
    ("name", "field"),
    [("Jit-Upper", "metadata.name"), ("a" * 254, "metadata.name"), ("", "metadata.name")],
)
def test_invalid_names_are_422(cluster: FakeCluster, name: str, field: str) -> None:
    response = call("POST", RB, binding(name))
    assert response.status_code == 422
    assert response.json()["reason"] == "Invalid"
    assert [c["field"] for c in response.json()["details"]["causes"]] == [field]


def test_a_253_character_name_is_valid(cluster: FakeCluster) -> None:
    assert call("POST", RB, binding("a" * 253)).status_code == 201


def test_cluster_role_binding_cannot_reference_a_role(cluster: FakeCluster) -> None:
    response = call("POST", CRB, binding(kind="ClusterRoleBinding", role_kind="Role"))
    assert response.status_code == 422
    assert (
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"'
        in response.json()["message"]
    )


def test_bad_label_value_and_subject_are_422(cluster: FakeCluster) -> None:
    body = binding(**{"jit.dev/grant": "x" * 64})
    body["subjects"].append({"kind": "Robot", "name": "r2"})
    body["subjects"].append({"kind": "Group", "name": ""})
    causes = call("POST", RB, body).json()["details"]["causes"]
    assert [c["field"] for c in causes] == [
        "metadata.labels",
        "subjects[1].kind",
        "subjects[2].name",
        "subjects[2].apiGroup",
    ]


def test_kind_and_namespace_mismatch_are_400(cluster: FakeCluster) -> None:
    assert call("POST", RB, binding(kind="ClusterRoleBinding")).status_code == 400
    body = binding()
    body["metadata"]["namespace"] = "default"
    assert call("POST", RB, body).status_code == 400
    assert requests.post(RB, data="not json", headers=AUTH, timeout=5).status_code == 400


def test_role_ref_is_immutable_but_labels_may_change(cluster: FakeCluster) -> None:
    created = call("POST", RB, binding()).json()
    relabelled = dict(created, metadata=dict(created["metadata"], labels={"x": "y"}))
    updated = call("PUT", f"{RB}/jit-a", relabelled)
    assert updated.status_code == 200
    assert int(updated.json()["metadata"]["resourceVersion"]) > int(
        created["metadata"]["resourceVersion"]
    )
    assert updated.json()["metadata"]["uid"] == created["metadata"]["uid"]
    stale = call("PUT", f"{RB}/jit-a", relabelled)
    assert stale.status_code == 409
    assert stale.json()["reason"] == "Conflict"
    current = updated.json()
    current["roleRef"] = {**current["roleRef"], "name": "cluster-admin"}
    refused = call("PUT", f"{RB}/jit-a", current)
    assert refused.status_code == 422
    assert "cannot change roleRef" in refused.json()["message"]
    assert cluster.get("payments", "jit-a")["roleRef"]["name"] == "view"  # type: ignore[index]


def test_put_needs_an_existing_object_with_the_url_name(cluster: FakeCluster) -> None:
    assert call("PUT", f"{RB}/jit-a", binding()).status_code == 404
    call("POST", RB, binding())
    assert call("PUT", f"{RB}/jit-a", binding("jit-b")).status_code == 400


def test_delete_returns_success_status_then_404(cluster: FakeCluster) -> None:
    uid = call("POST", RB, binding()).json()["metadata"]["uid"]
    deleted = call("DELETE", f"{RB}/jit-a")
    assert deleted.status_code == 200
    assert deleted.json()["status"] == "Success"
    assert deleted.json()["details"]["uid"] == uid
    gone = call("DELETE", f"{RB}/jit-a")
    assert gone.status_code == 404
    assert gone.json()["reason"] == "NotFound"
    assert gone.json()["message"] == 'rolebindings.rbac.authorization.k8s.io "jit-a" not found'


def test_delete_can_return_the_object(fake_kube: FakeKubernetes, cluster: FakeCluster) -> None:
    fake_kube.delete_returns_object = True
    call("POST", CRB, binding(kind="ClusterRoleBinding"))
    deleted = call("DELETE", f"{CRB}/jit-a")
    assert deleted.json()["kind"] == "ClusterRoleBinding"
    assert cluster.get(None, "jit-a") is None


def test_delete_preconditions_are_checked(cluster: FakeCluster) -> None:
    created = call("POST", RB, binding()).json()["metadata"]
    wrong_uid = call("DELETE", f"{RB}/jit-a", {"preconditions": {"uid": "other"}})
    assert wrong_uid.status_code == 409
    assert "Precondition failed: UID in precondition: other" in wrong_uid.json()["message"]
    wrong_rv = call("DELETE", f"{RB}/jit-a", {"preconditions": {"resourceVersion": "1"}})
    assert wrong_rv.status_code == 409
    right = {
        "preconditions": {"uid": created["uid"], "resourceVersion": created["resourceVersion"]}
    }
    assert call("DELETE", f"{RB}/jit-a", right).status_code == 200


def test_lists_filter_by_label_selector_and_page(cluster: FakeCluster) -> None:
    for name, labels in [
        ("a", {"app.kubernetes.io/managed-by": "jit", "tier": "x"}),
        ("b", {"app.kubernetes.io/managed-by": "jit"}),
        ("c", {"app.kubernetes.io/managed-by": "helm"}),
    ]:
        call("POST", RB, binding(name, **labels))
    call("POST", f"{API}/namespaces/default/rolebindings", binding("d"))

    def names(url: str, **params: str) -> list[str]:
        body = call("GET", url, params=params).json()
        assert all("kind" not in item for item in body["items"])
        return [item["metadata"]["name"] for item in body["items"]]

    jit = "app.kubernetes.io/managed-by=jit"
    assert names(RB, labelSelector=jit) == ["a", "b"]
    assert names(RB, labelSelector="app.kubernetes.io/managed-by!=jit") == ["c"]
    assert names(RB, labelSelector="app.kubernetes.io/managed-by in (jit, helm),tier") == ["a"]
    assert names(RB, labelSelector="!tier") == ["b", "c"]
    assert names(RB, labelSelector="app.kubernetes.io/managed-by notin (jit)") == ["c"]
    assert names(f"{API}/rolebindings", labelSelector=jit) == ["d", "a", "b"]
    first = call("GET", RB, params={"limit": "2"}).json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["a", "b"]
    assert first["metadata"]["remainingItemCount"] == 1
    rest = call("GET", RB, params={"limit": "2", "continue": first["metadata"]["continue"]}).json()
    assert [i["metadata"]["name"] for i in rest["items"]] == ["c"]
    assert "continue" not in rest["metadata"]
    assert call("GET", RB, params={"labelSelector": "a=(b"}).status_code == 400


def test_requests_without_a_valid_token_are_401(cluster: FakeCluster) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = call("GET", RB, headers=headers)
        assert response.status_code == 401
        assert response.json()["reason"] == "Unauthorized"


def test_tokens_are_authorized_per_verb(cluster: FakeCluster) -> None:
    cluster.add_token(
        "reader", user="reader", verbs=[("get", "rolebindings"), ("list", "rolebindings")]
    )
    reader = {"Authorization": "Bearer reader"}
    assert call("GET", RB, headers=reader).status_code == 200
    denied = call("POST", RB, binding(), headers=reader)
    assert denied.status_code == 403
    assert denied.json()["message"] == (
        'rolebindings.rbac.authorization.k8s.io is forbidden: User "reader" cannot create resource '
        '"rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "payments"'
    )
    crb = call("DELETE", f"{CRB}/x", headers=reader).json()
    assert crb["message"].endswith("at the cluster scope")
    assert crb["details"]["name"] == "x"


def test_binding_a_role_needs_the_bind_verb(cluster: FakeCluster) -> None:
    cluster.add_token("binder", user="jit", bind=["ClusterRole/edit", "Role/payments/dev"])
    binder = {"Authorization": "Bearer binder"}
    refused = call("POST", RB, binding(), headers=binder)
    assert refused.status_code == 403
    assert "is attempting to grant RBAC permissions not currently held" in refused.json()["message"]
    allowed = binding()
    allowed["roleRef"] = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "dev"}
    assert call("POST", RB, allowed, headers=binder).status_code == 201


def test_unknown_paths_and_clusters(cluster: FakeCluster) -> None:
    assert call("GET", f"{SERVER}/api/v1/pods").status_code == 404
    assert (
        call("POST", f"{API}/namespaces/payments/clusterrolebindings", binding()).status_code == 404
    )
    assert call("PATCH", f"{RB}/jit-a", {}).status_code == 404
    with pytest.raises(requests.ConnectionError):
        call("GET", "https://k8s-other.fake:6443/apis")


def test_fail_next_injects_statuses_and_exceptions(
    fake_kube: FakeKubernetes, cluster: FakeCluster
) -> None:
    fake_kube.fail_next(429, retry_after=3, method="GET")
    limited = call("GET", RB)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
    assert limited.json()["details"] == {"retryAfterSeconds": 3}
    assert call("GET", RB).status_code == 200
    fake_kube.fail_next(exception=requests.ConnectTimeout, path="/clusterrolebindings")
    assert call("GET", RB).status_code == 200  # the fault waits for its path
    with pytest.raises(requests.ConnectTimeout):
        call("GET", CRB)
    fake_kube.fail_next(418)
    assert call("GET", RB).json()["reason"] == "InternalError"


def test_fail_next_after_apply_loses_the_response(
    fake_kube: FakeKubernetes, cluster: FakeCluster
) -> None:
    fake_kube.fail_next(None, method="POST", after_apply=True)
    with pytest.raises(requests.ReadTimeout):
        call("POST", RB, binding())
    assert cluster.get("payments", "jit-a") is not None
    assert [(r.method, r.status) for r in fake_kube.requests] == [("POST", None)]


def test_the_request_log_records_what_was_asked(
    fake_kube: FakeKubernetes, cluster: FakeCluster
) -> None:
    call("POST", RB, binding(), verify="/etc/ca.pem")
    call("GET", RB, params={"labelSelector": "a=b"})
    first, second = fake_kube.requests
    assert (first.cluster, first.method, first.path, first.status) == (
        "prod",
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings",
        201,
    )
    assert first.verify == "/etc/ca.pem"
    assert first.authorization == f"Bearer {TOKEN}"
    assert first.body is not None and first.body["metadata"]["name"] == "jit-a"
    assert second.query == {"labelSelector": ["a=b"]}


def test_seeded_objects_get_server_metadata(
    fake_kube: FakeKubernetes, cluster: FakeCluster
) -> None:
    stored = cluster.seed(binding(kind="ClusterRoleBinding"), fake_kube.clock)
    assert stored["metadata"]["uid"]
    assert call("GET", f"{CRB}/jit-a").json()["metadata"]["uid"] == stored["metadata"]["uid"]
