"""One end-to-end test per grant kind: PR -> validated -> approved -> merged -> reconcile ->
the requester holds a working credential (or the binding exists) -> a re-run changes nothing."""

from __future__ import annotations

import hvac

from tests.e2e.conftest import Flow


def granted(flow: Flow, login: str, name: str, resource: str) -> int:
    pr = flow.open(login, name, resource)
    opened = flow.validate(pr)
    assert (opened.code, opened.state) == (0, "pending"), opened.err
    flow.approve_and_merge(pr)
    result = flow.run()
    assert result.code == 0 and "1 granted" in result.out, result.out
    return pr.number


def unchanged_on_rerun(flow: Flow) -> None:
    head, records = flow.remote.log("-1", "--format=%H"), flow.records()
    again = flow.run()
    assert again.code == 0 and "0 granted" in again.out
    assert flow.remote.log("-1", "--format=%H") == head and flow.records() == records


def test_vault_token(flow: Flow) -> None:
    number = granted(flow, "alice", "tok", "db-token")
    secret = flow.unwrap("alice", number)
    client = hvac.Client(url=flow.vault.address, token=str(secret["client_token"]))
    creds = client.read("database/creds/orders-readonly")  # the token's policy at work
    assert creds["data"]["password"] in flow.vault.issued_secrets
    assert client.auth.token.lookup_self()["data"]["explicit_max_ttl"] == 7200
    unchanged_on_rerun(flow)


def test_vault_credentials(flow: Flow) -> None:
    number = granted(flow, "alice", "db", "db-read")
    secret = flow.unwrap("alice", number)
    assert secret["password"] in flow.vault.issued_secrets
    assert str(secret["username"]).startswith("v-")
    (record,) = flow.records().values()
    (lease,) = flow.vault.leases.all()
    holder = flow.vault.tokens.by_accessor(record.handle["accessor"])  # type: ignore[index]
    assert holder is not None and lease.token_id == holder.id  # the lease dies with the holder
    assert lease.ttl(flow.clock.now()) > 0
    unchanged_on_rerun(flow)


def test_vault_group(flow: Flow) -> None:
    granted(flow, "bob", "grp", "db-group")
    entity = flow.vault.identity.entity_by_name("bob")
    assert entity is not None
    token = flow.vault.tokens.add(["default"], 3600, entity_id=entity.id)  # bob logs in
    client = hvac.Client(url=flow.vault.address, token=token.id)
    creds = client.read("database/creds/orders-readonly")  # allowed through the group
    assert creds["data"]["password"] in flow.vault.issued_secrets
    unchanged_on_rerun(flow)


def test_kubernetes_rolebinding(flow: Flow) -> None:
    granted(flow, "bob", "k8s", "orders-debug")
    (record,) = flow.records().values()
    binding = flow.cluster.get("orders", f"jit-{record.grant_id}")
    assert binding is not None
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "edit",
    }
    assert [s["name"] for s in binding["subjects"]] == ["bob@example.com"]
    assert binding["metadata"]["labels"]["jit.dev/grant"] == record.grant_id
    unchanged_on_rerun(flow)
