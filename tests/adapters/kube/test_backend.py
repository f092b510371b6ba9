"""KubeBackend against the fake Kubernetes: issue, find, revoke, is_live, retries, errors."""

from __future__ import annotations

import pytest
import requests

from jit.adapters.kube.backend import KubeBackend, desired_binding
from jit.errors import OperationalError
from jit.model import KubernetesCluster
from tests.adapters.kube.conftest import SERVER, TOKEN, order
from tests.fakes.kube import FakeCluster, FakeKubernetes

NAME = "jit-alice-incident-4711-3f2a9c1b"
RB_PATH = "/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings"


def test_issue_creates_the_role_binding(backend: KubeBackend, cluster: FakeCluster) -> None:
    issued = backend.issue(order())
    stored = cluster.get("payments", NAME)
    assert stored is not None
    assert stored["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "jit",
        "jit.dev/grant": "alice-incident-4711-3f2a9c1b",
    }
    assert stored["metadata"]["annotations"] == {
        "jit.dev/request": "requests/alice/incident-4711",
        "jit.dev/requester": "alice",
        "jit.dev/resource": "k8s-payments-view",
        "jit.dev/expires-at": "2026-03-02T11:00:00+00:00",
        "jit.dev/pr": "42",
    }
    assert stored["subjects"] == [
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice@example.com"}
    ]
    assert stored["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "view",
    }
    assert issued.kind == "kubernetes-rolebinding"
    assert issued.wrap_token is None
    assert dict(issued.handle) == {
        "cluster": "prod",
        "binding_kind": "RoleBinding",
        "namespace": "payments",
        "name": NAME,
        "uid": stored["metadata"]["uid"],
    }
    assert issued.details == {"role": "ClusterRole/view", "subject": "User/alice@example.com"}


def test_issue_binds_a_group_to_a_namespaced_role(
    backend: KubeBackend, cluster: FakeCluster
) -> None:
    backend.issue(order(role="payments-dev", role_kind="Role", subject_kind="Group"))
    stored = cluster.get("payments", NAME)
    assert stored is not None
    assert stored["subjects"][0]["kind"] == "Group"
    assert stored["roleRef"]["kind"] == "Role"


def test_issue_twice_is_idempotent(
    backend: KubeBackend, cluster: FakeCluster, fake_kube: FakeKubernetes
) -> None:
    first = backend.issue(order())
    second = backend.issue(order())
    assert second == first
    assert len(cluster.rolebindings) == 1
    assert [(r.method, r.status) for r in fake_kube.requests] == [
        ("POST", 201),
        ("POST", 409),
        ("GET", 200),
    ]


def test_a_create_whose_response_was_lost_is_retried_and_adopted(
    backend: KubeBackend, cluster: FakeCluster, fake_kube: FakeKubernetes, sleeps: list[float]
) -> None:
    fake_kube.fail_next(None, method="POST", after_apply=True)
    issued = backend.issue(order())
    assert issued.handle["uid"] == cluster.get("payments", NAME)["metadata"]["uid"]  # type: ignore[index]
    assert [(r.method, r.status) for r in fake_kube.requests] == [
        ("POST", None),
        ("POST", 409),
        ("GET", 200),
    ]
    assert sleeps == [0.5]


def test_find_recovers_the_handle_after_a_crash(backend: KubeBackend, cluster: FakeCluster) -> None:
    assert backend.find(order()) is None
    issued = backend.issue(order())
    restarted = KubeBackend({"prod": KubernetesCluster("prod", SERVER)}, lambda _c: TOKEN)
    assert restarted.find(order()) == issued


@pytest.mark.parametrize(
    "tamper",
    [
        lambda b: b["metadata"]["labels"].pop("jit.dev/grant"),
        lambda b: b["roleRef"].update(name="cluster-admin"),
        lambda b: b["subjects"].append(
            {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "mallory"}
        ),
        lambda b: b.pop("roleRef"),
    ],
    ids=["unlabelled", "other-role", "extra-subject", "no-role-ref"],
)
def test_a_binding_jit_did_not_create_is_never_adopted(
    backend: KubeBackend, cluster: FakeCluster, fake_kube: FakeKubernetes, tamper: object
) -> None:
    foreign = desired_binding(order())
    tamper(foreign)  # type: ignore[operator]
    cluster.seed(foreign, fake_kube.clock)
    for attempt in (backend.issue, backend.find):
        with pytest.raises(OperationalError, match="not the binding jit would create") as caught:
            attempt(order())
        assert caught.value.retryable is False


def test_revoke_deletes_then_reports_already_gone(
    backend: KubeBackend, cluster: FakeCluster
) -> None:
    issued = backend.issue(order())
    assert backend.is_live(issued.kind, issued.handle)
    assert backend.revoke(issued.kind, issued.handle) == "revoked"
    assert cluster.get("payments", NAME) is None
    assert not backend.is_live(issued.kind, issued.handle)
    assert backend.revoke(issued.kind, issued.handle) == "already-gone"


def test_revoke_leaves_a_same_named_replacement_alone(
    backend: KubeBackend, cluster: FakeCluster, fake_kube: FakeKubernetes
) -> None:
    issued = backend.issue(order())
    del cluster.rolebindings[("payments", NAME)]
    replacement = cluster.seed(desired_binding(order()), fake_kube.clock)
    assert not backend.is_live(issued.kind, issued.handle)
    assert backend.revoke(issued.kind, issued.handle) == "already-gone"
    assert cluster.get("payments", NAME) == replacement


def test_revoke_accepts_a_deleted_object_response(
    backend: KubeBackend, fake_kube: FakeKubernetes
) -> None:
    fake_kube.delete_returns_object = True
    issued = backend.issue(order())
    assert backend.revoke(issued.kind, issued.handle) == "revoked"


def test_cluster_role_binding_when_there_is_no_namespace(
    backend: KubeBackend, cluster: FakeCluster, fake_kube: FakeKubernetes
) -> None:
    issued = backend.issue(order(namespace=None))
    assert "namespace" not in issued.handle
    assert issued.handle["binding_kind"] == "ClusterRoleBinding"
    stored = cluster.get(None, NAME)
    assert stored is not None and stored["kind"] == "ClusterRoleBinding"
    assert fake_kube.requests[0].path == "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
    assert backend.revoke(issued.kind, issued.handle) == "revoked"
    assert cluster.clusterrolebindings == {}


def test_forbidden_names_the_cluster_and_the_permission(
    backend: KubeBackend, cluster: FakeCluster, fake_kube: FakeKubernetes, sleeps: list[float]
) -> None:
    cluster.add_token(TOKEN, verbs=[("get", "rolebindings")])
    with pytest.raises(OperationalError) as caught:
        backend.issue(order())
    message = str(caught.value)
    assert message.startswith(
        f'Kubernetes cluster "prod": creating RoleBinding "payments/{NAME}": 403 Forbidden: '
    )
    assert (
        'needs the RBAC permission to create rolebindings.rbac.authorization.k8s.io in namespace "payments", '
        'and "bind" on ClusterRole "view"'
    ) in message
    assert caught.value.retryable is False
    assert len(fake_kube.requests) == 1
    assert sleeps == []


def test_escalation_refusal_points_at_the_bind_verb(
    backend: KubeBackend, cluster: FakeCluster
) -> None:
    cluster.add_token(TOKEN, bind=["ClusterRole/edit"])
    with pytest.raises(
        OperationalError,
        match=r'attempting to grant RBAC permissions.*"bind" on Role "dev" in namespace "payments"',
    ):
        backend.issue(order(role="dev", role_kind="Role"))


def test_unauthorized_names_where_the_token_comes_from_not_the_token(cluster: FakeCluster) -> None:
    settings = {"prod": KubernetesCluster("prod", SERVER, token_env="KUBE_TOKEN")}
    wrong = KubeBackend(settings, lambda _c: "expired-token-value")
    with pytest.raises(OperationalError) as caught:
        wrong.issue(order())
    assert "401 Unauthorized" in str(caught.value)
    assert "the environment variable KUBE_TOKEN" in str(caught.value)
    assert "expired-token-value" not in str(caught.value)
    assert caught.value.retryable is True


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_failures_are_retried_with_backoff(
    backend: KubeBackend,
    cluster: FakeCluster,
    fake_kube: FakeKubernetes,
    sleeps: list[float],
    status: int,
) -> None:
    fake_kube.fail_next(status, times=2)
    backend.issue(order())
    assert cluster.get("payments", NAME) is not None
    assert sleeps == [0.5, 1.0]


def test_retry_after_is_honoured_up_to_a_cap(
    backend: KubeBackend, fake_kube: FakeKubernetes, sleeps: list[float]
) -> None:
    fake_kube.fail_next(429, retry_after=7)
    fake_kube.fail_next(429, retry_after=600)
    backend.issue(order())
    assert sleeps == [7.0, 10.0]


def test_retries_are_bounded_then_operational_error(
    backend: KubeBackend, fake_kube: FakeKubernetes, sleeps: list[float]
) -> None:
    fake_kube.fail_next(503, times=10)
    with pytest.raises(OperationalError) as caught:
        backend.issue(order())
    assert "gave up after 4 attempts; the last was 503 ServiceUnavailable" in str(caught.value)
    assert caught.value.retryable is True
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(fake_kube.requests) == 4


def test_timeouts_are_retried_then_reported(
    backend: KubeBackend, fake_kube: FakeKubernetes, sleeps: list[float]
) -> None:
    fake_kube.fail_next(exception=requests.ConnectTimeout, times=4)
    with pytest.raises(OperationalError, match=r"the last was ConnectTimeout \(no response\)"):
        backend.revoke(
            "kubernetes-rolebinding",
            {"cluster": "prod", "binding_kind": "ClusterRoleBinding", "name": "x"},
        )
    assert len(sleeps) == 3


def test_tls_failure_is_not_retried(backend: KubeBackend, fake_kube: FakeKubernetes) -> None:
    fake_kube.fail_next(exception=requests.exceptions.SSLError)
    with pytest.raises(
        OperationalError, match=r"TLS certificate could not be verified.*ca_file"
    ) as caught:
        backend.find(order())
    assert caught.value.retryable is False


def test_invalid_objects_and_missing_namespaces_are_not_retried(
    backend: KubeBackend, sleeps: list[float]
) -> None:
    with pytest.raises(
        OperationalError, match=r'422 Invalid: RoleBinding.* "jit-Alice-x" is invalid'
    ):
        backend.issue(order(grant_id="Alice-x"))
    with pytest.raises(
        OperationalError, match='404 NotFound: namespaces "ghost" not found'
    ) as caught:
        backend.issue(order(namespace="ghost"))
    assert caught.value.retryable is False
    assert sleeps == []


def test_list_managed_finds_every_jit_binding(
    backend: KubeBackend,
    cluster: FakeCluster,
    fake_kube: FakeKubernetes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("jit.adapters.kube.backend._PAGE", "1")
    backend.issue(order())
    backend.issue(order(grant_id="bob-x-00000000", requester="bob", namespace="default"))
    backend.issue(order(grant_id="carol-y-11111111", requester="carol", namespace=None))
    unmanaged = desired_binding(order(grant_id="dave-z-22222222"))
    unmanaged["metadata"]["labels"] = {"app.kubernetes.io/managed-by": "helm"}
    cluster.seed(unmanaged, fake_kube.clock)
    entries = backend.list_managed("prod")
    assert [(e["binding_kind"], e.get("namespace"), e["name"]) for e in entries] == [
        ("RoleBinding", "default", "jit-bob-x-00000000"),
        ("RoleBinding", "payments", NAME),
        ("ClusterRoleBinding", None, "jit-carol-y-11111111"),
    ]
    assert entries[1] == {
        "cluster": "prod",
        "binding_kind": "RoleBinding",
        "namespace": "payments",
        "name": NAME,
        "uid": cluster.get("payments", NAME)["metadata"]["uid"],  # type: ignore[index]
        "grant_id": "alice-incident-4711-3f2a9c1b",
        "request": "requests/alice/incident-4711",
        "requester": "alice",
        "expires_at": "2026-03-02T11:00:00+00:00",
    }
    assert all(
        r.query["labelSelector"] == ["app.kubernetes.io/managed-by=jit"]
        for r in fake_kube.requests
        if r.method == "GET"
    )
    handle = {
        k: v
        for k, v in entries[0].items()
        if k in ("cluster", "binding_kind", "namespace", "name", "uid")
    }
    assert backend.revoke("kubernetes-rolebinding", handle) == "revoked"


def test_list_managed_per_namespace(backend: KubeBackend, cluster: FakeCluster) -> None:
    cluster.add_token(
        TOKEN, verbs=[("create", "rolebindings"), ("list", "rolebindings", "payments")]
    )
    backend.issue(order())
    assert [
        e["name"]
        for e in backend.list_managed("prod", namespaces=["payments"], include_cluster=False)
    ] == [NAME]
    with pytest.raises(
        OperationalError,
        match=r"permission to list rolebindings.rbac.authorization.k8s.io in all namespaces",
    ):
        backend.list_managed("prod", include_cluster=False)
    with pytest.raises(
        OperationalError,
        match=r"list clusterrolebindings.rbac.authorization.k8s.io in all namespaces",
    ):
        backend.list_managed("prod", namespaces=["payments"])
    cluster.add_token(TOKEN, verbs=[("create", "rolebindings")])
    with pytest.raises(
        OperationalError,
        match=r'permission to list rolebindings.rbac.authorization.k8s.io in namespace "payments"',
    ):
        backend.list_managed("prod", namespaces=["payments"])


def test_unknown_cluster_and_bad_handles(backend: KubeBackend) -> None:
    with pytest.raises(
        OperationalError, match='cluster "staging" is not configured under `kubernetes:`'
    ):
        backend.issue(order(cluster="staging"))
    with pytest.raises(OperationalError, match=r"unusable handle.*namespace"):
        backend.revoke(
            "kubernetes-rolebinding",
            {"cluster": "prod", "binding_kind": "RoleBinding", "name": NAME},
        )
    with pytest.raises(OperationalError, match=r"unusable handle.*binding_kind"):
        backend.is_live(
            "kubernetes-rolebinding", {"cluster": "prod", "binding_kind": "Pod", "name": NAME}
        )
    with pytest.raises(ValueError, match="cannot handle vault-token"):
        backend.revoke("vault-token", {"accessor": "a"})


def test_only_kubernetes_orders_are_accepted(backend: KubeBackend) -> None:
    from dataclasses import replace

    from jit.model import VaultGroup

    vault_order = order()
    vault_order = replace(
        vault_order, resource=replace(vault_order.resource, grant=VaultGroup(policies=("p",)))
    )
    with pytest.raises(ValueError, match="cannot issue a vault-group grant"):
        backend.issue(vault_order)


def test_a_binding_deleted_between_conflict_and_read_is_retried_next_run(
    backend: KubeBackend, cluster: FakeCluster, fake_kube: FakeKubernetes
) -> None:
    cluster.seed(desired_binding(order()), fake_kube.clock)
    fake_kube.fail_next(404, method="GET")
    with pytest.raises(OperationalError, match="vanished while jit read it back") as caught:
        backend.issue(order())
    assert caught.value.retryable is True


def test_a_proxy_error_page_is_described_without_its_html(
    backend: KubeBackend, fake_kube: FakeKubernetes
) -> None:
    fake_kube.fail_next(502, times=4, raw_body="<html><body>upstream down</body></html>")
    with pytest.raises(OperationalError, match=r"the last was 502 Bad Gateway\.") as caught:
        backend.find(order())
    assert "<html>" not in str(caught.value)
