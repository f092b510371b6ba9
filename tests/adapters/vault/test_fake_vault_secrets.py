"""The fake's leases, database and kubernetes engines, identity store and sys/ (NOTES §1, 2, 6, 7)."""

from __future__ import annotations

from tests.adapters.vault.fakecalls import call, errors
from tests.fakes.clock import FakeClock
from tests.fakes.vault import FakeVault


def _db(vault: FakeVault, **role: object) -> None:
    call(vault, "POST", "database/config/pg", {"allowed_roles": ["ro"]})
    call(vault, "POST", "database/roles/ro", {"db_name": "pg", **role})


def test_database_creds_follow_the_roles_ttls(fake_vault: FakeVault) -> None:
    _db(fake_vault, default_ttl="1h", max_ttl="2h")

    status, creds = call(fake_vault, "GET", "database/creds/ro")

    assert status == 200 and creds["renewable"] is True and creds["lease_duration"] == 3600
    assert set(creds["data"]) == {"username", "password"}
    assert creds["mount_type"] == "database"
    assert call(fake_vault, "GET", "database/roles/ro")[1]["data"]["max_ttl"] == 7200
    assert call(fake_vault, "GET", "database/roles/nope")[0] == 404
    assert errors(fake_vault, "GET", "database/creds/nope") == (400, ["unknown role: nope"])
    call(fake_vault, "POST", "database/roles/other", {"db_name": "pg"})
    assert errors(fake_vault, "GET", "database/creds/other") == (
        500,
        ['"other" is not an allowed role'],
    )


def test_leases_lookup_renew_revoke_and_expire(
    fake_vault: FakeVault, fake_clock: FakeClock
) -> None:
    _db(fake_vault, default_ttl="1h", max_ttl="90m")
    lease_id = call(fake_vault, "GET", "database/creds/ro")[1]["lease_id"]

    status, looked = call(fake_vault, "POST", "sys/leases/lookup", {"lease_id": lease_id})
    assert (
        status == 200 and looked["data"]["ttl"] == 3600 and looked["data"]["last_renewal"] is None
    )
    fake_clock.advance(1800)
    status, renewed = call(
        fake_vault, "POST", "sys/leases/renew", {"lease_id": lease_id, "increment": "7200s"}
    )
    assert (
        status == 200 and renewed["lease_duration"] == 3600 and renewed["warnings"]
    )  # capped at max_ttl
    fake_clock.advance(3600)
    assert errors(fake_vault, "POST", "sys/leases/lookup", {"lease_id": lease_id}) == (
        400,
        ["invalid lease"],
    )
    assert errors(fake_vault, "POST", "sys/leases/renew", {"lease_id": lease_id}) == (
        400,
        ["lease not found"],
    )
    assert errors(fake_vault, "POST", "sys/leases/lookup", {}) == (
        400,
        ["lease_id must be specified"],
    )
    assert errors(fake_vault, "POST", "sys/leases/renew", {}) == (
        400,
        ["lease_id must be specified"],
    )
    assert call(fake_vault, "POST", "sys/leases/revoke", {"lease_id": lease_id, "sync": True}) == (
        204,
        None,
    )
    assert errors(fake_vault, "POST", "sys/leases/revoke", {})[0] == 400


def test_renew_without_increment_keeps_the_ttl(
    fake_vault: FakeVault, fake_clock: FakeClock
) -> None:
    _db(fake_vault, default_ttl="1h", max_ttl="5h")
    lease_id = call(fake_vault, "GET", "database/creds/ro")[1]["lease_id"]
    fake_clock.advance(600)
    status, renewed = call(
        fake_vault, "POST", "sys/leases/renew", {"lease_id": lease_id, "increment": None}
    )
    assert status == 200 and renewed["lease_duration"] == 3000 and renewed["warnings"] is None


def test_list_and_revoke_leases_by_prefix(fake_vault: FakeVault) -> None:
    _db(fake_vault)
    first = call(fake_vault, "GET", "database/creds/ro")[1]["lease_id"]
    second = call(fake_vault, "GET", "database/creds/ro")[1]["lease_id"]

    status, listed = call(fake_vault, "LIST", "sys/leases/lookup/database/creds/ro/")
    assert status == 200 and sorted(listed["data"]["keys"]) == sorted(
        x.rsplit("/", 1)[1] for x in (first, second)
    )
    assert call(fake_vault, "LIST", "sys/leases/lookup/database/")[1]["data"]["keys"] == ["creds/"]
    assert call(fake_vault, "POST", f"sys/leases/revoke/{first}")[0] == 204
    assert (
        call(fake_vault, "POST", "sys/leases/revoke-prefix/database/creds", {"sync": True})[0]
        == 204
    )
    assert fake_vault.leases.all() == []
    assert call(fake_vault, "LIST", "sys/leases/lookup/database/creds/ro/") == (404, {"errors": []})
    user = fake_vault.tokens.add(["default"], 60)
    assert errors(fake_vault, "LIST", "sys/leases/lookup/database/", token=user.id)[0] == 403


def test_kubernetes_creds(fake_vault: FakeVault) -> None:
    call(
        fake_vault,
        "POST",
        "kubernetes/roles/one",
        {
            "allowed_kubernetes_namespaces": ["prod"],
            "service_account_name": "sa",
            "token_max_ttl": "1h",
        },
    )
    call(
        fake_vault,
        "POST",
        "kubernetes/roles/many",
        {"allowed_kubernetes_namespaces": ["a", "b"], "kubernetes_role_name": "view"},
    )

    status, creds = call(
        fake_vault, "POST", "kubernetes/creds/one", {"kubernetes_namespace": "prod", "ttl": "2h"}
    )
    assert status == 200 and creds["renewable"] is False and creds["lease_duration"] == 3600
    assert creds["warnings"] and creds["data"]["service_account_name"] == "sa"
    assert errors(fake_vault, "POST", "sys/leases/renew", {"lease_id": creds["lease_id"]}) == (
        400,
        ["lease is not renewable"],
    )
    assert errors(fake_vault, "POST", "kubernetes/creds/nope", {"kubernetes_namespace": "x"}) == (
        400,
        ["role 'nope' does not exist"],
    )
    assert errors(fake_vault, "POST", "kubernetes/creds/one", {"kubernetes_namespace": "dev"})[1][
        0
    ].startswith(
        "kubernetes_namespace 'dev' is not present in role's allowed_kubernetes_namespaces"
    )
    assert errors(
        fake_vault,
        "POST",
        "kubernetes/creds/many",
        {"kubernetes_namespace": "a", "cluster_role_binding": True},
    ) == (
        400,
        ["a ClusterRoleBinding cannot ref a Role"],
    )
    fake_vault.contract = None  # the contract requires kubernetes_namespace; Vault does not
    assert call(fake_vault, "POST", "kubernetes/creds/one", {})[0] == 200
    assert errors(fake_vault, "POST", "kubernetes/creds/many", {})[0] == 500
    assert (
        errors(
            fake_vault, "POST", "kubernetes/roles/bad", {"allowed_kubernetes_namespaces": ["a"]}
        )[0]
        == 400
    )


def test_identity_entities_aliases_and_lookup(fake_vault: FakeVault) -> None:
    status, created = call(fake_vault, "POST", "identity/entity/name/alice", {"policies": ["p"]})
    assert status == 200 and created["data"]["aliases"] is None
    assert call(
        fake_vault, "POST", "identity/entity/name/alice", {"metadata": {"team": "ops"}}
    ) == (204, None)
    entity_id = created["data"]["id"]
    accessor = fake_vault.accessor_of("auth/github")
    assert (
        call(
            fake_vault,
            "POST",
            "identity/entity-alias",
            {"name": "alice-gh", "canonical_id": entity_id, "mount_accessor": accessor},
        )[0]
        == 200
    )
    assert errors(
        fake_vault, "POST", "identity/entity-alias", {"name": "x", "canonical_id": "nope"}
    ) == (400, ["invalid canonical ID"])
    assert errors(
        fake_vault,
        "POST",
        "identity/entity-alias",
        {"name": "x", "canonical_id": entity_id, "mount_accessor": "nope"},
    ) == (400, ["invalid mount accessor"])

    status, found = call(
        fake_vault,
        "POST",
        "identity/lookup/entity",
        {"alias_name": "alice-gh", "alias_mount_accessor": accessor},
    )
    assert (
        status == 200
        and found["data"]["id"] == entity_id
        and found["data"]["metadata"] == {"team": "ops"}
    )
    assert (
        call(fake_vault, "POST", "identity/lookup/entity", {"name": "alice"})[1]["data"]["id"]
        == entity_id
    )
    assert call(fake_vault, "POST", "identity/lookup/entity", {"id": entity_id})[0] == 200
    assert call(
        fake_vault,
        "POST",
        "identity/lookup/entity",
        {"alias_name": "bob", "alias_mount_accessor": accessor},
    ) == (204, None)
    assert errors(fake_vault, "POST", "identity/lookup/entity", {}) == (
        400,
        ["query parameter not supplied"],
    )
    assert errors(fake_vault, "POST", "identity/lookup/entity", {"name": "a", "id": "b"})[0] == 400
    assert (
        call(fake_vault, "GET", "identity/entity/name/alice")[1]["data"]["aliases"][0]["name"]
        == "alice-gh"
    )
    assert call(fake_vault, "GET", "identity/entity/name/bob") == (404, {"errors": []})


def test_groups_create_update_replace_members_and_delete(fake_vault: FakeVault) -> None:
    a, b = fake_vault.add_entity("a"), fake_vault.add_entity("b")

    status, created = call(
        fake_vault,
        "POST",
        "identity/group/name/g",
        {"policies": ["p"], "member_entity_ids": [a], "metadata": {"k": "v"}},
    )
    assert status == 200 and created["data"]["name"] == "g"
    assert call(fake_vault, "POST", "identity/group/name/g", {"member_entity_ids": [b]}) == (
        204,
        None,
    )
    group = call(fake_vault, "GET", "identity/group/name/g")[1]["data"]
    assert (
        group["member_entity_ids"] == [b]
        and group["policies"] == ["p"]
        and group["type"] == "internal"
    )
    assert group["modify_index"] == 2
    assert (
        call(fake_vault, "POST", "identity/group/name/g", {"policies": ["q"], "metadata": {}})[0]
        == 204
    )
    assert errors(
        fake_vault, "POST", "identity/group/name/e", {"type": "external", "member_entity_ids": [a]}
    ) == (
        400,
        ["member entities can't be set manually for external groups"],
    )
    assert errors(fake_vault, "POST", "identity/group/name/g", {"member_entity_ids": ["nope"]}) == (
        500,
        ['1 error occurred:\n\t* invalid entity ID "nope"\n\n'],
    )
    assert call(fake_vault, "DELETE", "identity/group/name/g") == (204, None)
    assert call(fake_vault, "DELETE", "identity/group/name/g") == (204, None)
    assert call(fake_vault, "GET", "identity/group/name/g") == (404, {"errors": []})


def test_sys_mounts_and_policies(fake_vault: FakeVault) -> None:
    status, listed = call(fake_vault, "GET", "sys/auth")
    assert status == 200 and listed["data"]["github/"]["accessor"] == fake_vault.accessor_of(
        "auth/github"
    )
    assert listed["jwt/"] == listed["data"]["jwt/"]
    assert call(fake_vault, "POST", "sys/auth/oidc2", {"type": "jwt"}) == (204, None)
    assert errors(fake_vault, "POST", "sys/auth/oidc2", {"type": "jwt"})[0] == 400
    assert errors(fake_vault, "POST", "sys/auth/x", {"type": "magic"})[0] == 400
    assert errors(fake_vault, "POST", "sys/auth/x", {})[0] == 400
    assert call(fake_vault, "POST", "sys/mounts/db2", {"type": "database"}) == (204, None)
    assert errors(fake_vault, "POST", "sys/mounts/db2", {"type": "database"})[0] == 400
    assert errors(fake_vault, "POST", "sys/mounts/x", {"type": "magic"})[0] == 400
    assert call(fake_vault, "POST", "db2/roles/r", {"db_name": "x"})[0] == 204
    assert call(fake_vault, "GET", "db2/creds/r")[0] == 200

    text = 'path "x" { capabilities = ["read"] }'
    assert call(fake_vault, "POST", "sys/policies/acl/p", {"policy": text}) == (204, None)
    assert call(fake_vault, "GET", "sys/policies/acl/p")[1]["data"]["policy"] == text
    assert errors(fake_vault, "POST", "sys/policies/acl/p", {"policy": "nonsense"})[0] == 400
    assert call(fake_vault, "DELETE", "sys/policies/acl/p") == (204, None)
    assert call(fake_vault, "GET", "sys/policies/acl/p")[0] == 404
