"""The fake's token store, token roles, response wrapping and ACL (NOTES §3, §4)."""

from __future__ import annotations

import pytest

from tests.adapters.vault.fakecalls import call, errors
from tests.fakes.clock import FakeClock
from tests.fakes.vault import ContractViolation, FakeVault
from tests.fakes.vault.acl import PolicyError, Rule, allows, capabilities, parse


def _token(
    vault: FakeVault, path: str = "auth/token/create", body: dict | None = None, **kw
) -> dict:  # type: ignore[type-arg]
    status, answer = call(vault, "POST", path, body or {}, **kw)
    assert status == 200, answer
    auth: dict = answer["auth"]  # type: ignore[type-arg]
    return auth


def test_a_token_roles_allowed_policies_bound_what_it_creates(fake_vault: FakeVault) -> None:
    call(fake_vault, "POST", "auth/token/roles/r", {"allowed_policies": ["a", "b"], "orphan": True})

    assert _token(fake_vault, "auth/token/create/r")["policies"] == ["a", "b", "default"]
    assert _token(fake_vault, "auth/token/create/r", {"policies": ["a"]})["orphan"] is True
    assert errors(fake_vault, "POST", "auth/token/create/r", {"policies": ["c"]}) == (
        400,
        [
            'token policies (["c" "default"]) must be subset of the role\'s allowed policies (["a" "b" "default"]) or glob policies ([])'
        ],
    )
    assert errors(fake_vault, "POST", "auth/token/create/nope", {}) == (400, ["unknown role nope"])


def test_role_limits_renewable_and_explicit_max_ttl(fake_vault: FakeVault) -> None:
    call(
        fake_vault,
        "POST",
        "auth/token/roles/r",
        {"renewable": False, "token_explicit_max_ttl": "1h", "disallowed_policies": ["x"]},
    )

    auth = _token(fake_vault, "auth/token/create/r", {"ttl": "4h", "renewable": True})

    assert auth["renewable"] is False and auth["lease_duration"] == 3600
    assert errors(fake_vault, "POST", "auth/token/create/r", {"policies": ["x"]}) == (
        400,
        ['token policy "x" is disallowed by this role'],
    )
    status, role = call(fake_vault, "GET", "auth/token/roles/r")
    assert status == 200 and role["data"]["token_explicit_max_ttl"] == 3600
    assert call(fake_vault, "DELETE", "auth/token/roles/r") == (204, None)
    assert call(fake_vault, "GET", "auth/token/roles/r") == (404, {"errors": []})


def test_orphans_need_sudo_unless_create_orphan(fake_vault: FakeVault) -> None:
    fake_vault.put_policy("maker", 'path "auth/token/create*" { capabilities = ["update"] }')
    maker = fake_vault.tokens.add(["maker"], 3600)

    assert errors(fake_vault, "POST", "auth/token/create", {"no_parent": True}, token=maker.id) == (
        400,
        ["root or sudo privileges required to create orphan token"],
    )
    assert (
        _token(fake_vault, "auth/token/create-orphan", {"policies": ["maker"]}, token=maker.id)[
            "orphan"
        ]
        is True
    )
    assert errors(
        fake_vault, "POST", "auth/token/create", {"policies": ["other"]}, token=maker.id
    ) == (
        400,
        ["child policies must be subset of parent"],
    )
    assert (
        errors(fake_vault, "POST", "auth/token/create", {"policies": ["root"]}, token=maker.id)[0]
        == 400
    )
    child = _token(fake_vault, "auth/token/create", {}, token=maker.id)
    assert child["policies"] == ["default", "maker"] and child["orphan"] is False


def test_revoking_a_token_revokes_its_children_and_leases(fake_vault: FakeVault) -> None:
    call(fake_vault, "POST", "database/roles/ro", {"db_name": "x"})
    fake_vault.put_policy(
        "p",
        'path "auth/token/create" { capabilities = ["update"] }\npath "database/creds/ro" { capabilities = ["read"] }',
    )
    parent = _token(fake_vault, body={"policies": ["p"]})
    child = _token(fake_vault, body={"policies": ["p"]}, token=parent["client_token"])
    grandchild = _token(fake_vault, body={"policies": ["p"]}, token=child["client_token"])
    _, creds = call(fake_vault, "GET", "database/creds/ro", token=grandchild["client_token"])

    assert call(
        fake_vault, "POST", "auth/token/revoke-accessor", {"accessor": parent["accessor"]}
    ) == (204, None)

    for auth in (parent, child, grandchild):
        assert fake_vault.tokens.by_accessor(auth["accessor"]) is None
    assert fake_vault.leases.get(creds["lease_id"]) is None
    status, gone = call(
        fake_vault, "POST", "auth/token/revoke-accessor", {"accessor": parent["accessor"]}
    )
    assert (status, gone["warnings"]) == (200, ["No token found with this accessor"])
    assert errors(fake_vault, "POST", "auth/token/lookup-accessor", {}) == (
        400,
        ["missing accessor"],
    )


def test_tokens_expire_by_the_clock(fake_vault: FakeVault, fake_clock: FakeClock) -> None:
    auth = _token(fake_vault, body={"ttl": "1h", "explicit_max_ttl": "30m"})
    assert auth["lease_duration"] == 1800

    status, looked = call(
        fake_vault, "POST", "auth/token/lookup-accessor", {"accessor": auth["accessor"]}
    )
    assert status == 200 and looked["data"]["id"] == "" and looked["data"]["ttl"] == 1800
    fake_clock.advance(1799)
    assert (
        call(fake_vault, "GET", "auth/token/lookup-self", token=auth["client_token"])[1]["data"][
            "ttl"
        ]
        == 1
    )
    fake_clock.advance(1)
    assert errors(
        fake_vault, "POST", "auth/token/lookup-accessor", {"accessor": auth["accessor"]}
    ) == (400, ["1 error occurred:\n\t* invalid accessor\n\n"])
    assert errors(fake_vault, "GET", "auth/token/lookup-self", token=auth["client_token"])[0] == 403


def test_revoke_by_token_and_the_accessor_list(fake_vault: FakeVault) -> None:
    auth = _token(fake_vault)
    status, listed = call(fake_vault, "LIST", "auth/token/accessors")
    assert status == 200 and auth["accessor"] in listed["data"]["keys"]
    assert call(fake_vault, "GET", "auth/token/accessors?list=true")[1]["data"] == listed["data"]
    assert call(fake_vault, "POST", "auth/token/revoke", {"token": auth["client_token"]}) == (
        204,
        None,
    )
    assert call(fake_vault, "POST", "auth/token/revoke", {"token": "hvs.unknown"}) == (204, None)
    assert (
        auth["accessor"] not in call(fake_vault, "LIST", "auth/token/accessors")[1]["data"]["keys"]
    )


def test_listing_accessors_needs_sudo(fake_vault: FakeVault) -> None:
    fake_vault.put_policy("lister", 'path "auth/token/accessors" { capabilities = ["list"] }')
    lister = fake_vault.tokens.add(["lister"], 3600)
    assert errors(fake_vault, "LIST", "auth/token/accessors", token=lister.id) == (
        403,
        ["1 error occurred:\n\t* permission denied\n\n"],
    )
    fake_vault.put_policy(
        "lister", 'path "auth/token/accessors/" { capabilities = ["list", "sudo"] }'
    )
    assert call(fake_vault, "LIST", "auth/token/accessors", token=lister.id)[0] == 200


def test_response_wrapping_is_single_use_and_expires(
    fake_vault: FakeVault, fake_clock: FakeClock
) -> None:
    status, wrapped = call(
        fake_vault,
        "POST",
        "auth/token/create",
        {"policies": ["x"]},
        headers={"X-Vault-Wrap-TTL": "5m"},
    )
    info = wrapped["wrap_info"]
    assert status == 200 and wrapped["auth"] is None and info["ttl"] == 300
    assert info["creation_path"] == "auth/token/create" and info["wrapped_accessor"]

    status, looked = call(
        fake_vault, "POST", "sys/wrapping/lookup", {"token": info["token"]}, token=""
    )
    assert status == 200 and looked["data"]["creation_ttl"] == 300
    status, unwrapped = call(fake_vault, "POST", "sys/wrapping/unwrap", {}, token=info["token"])
    assert status == 200 and unwrapped["auth"]["accessor"] == info["wrapped_accessor"]
    assert errors(fake_vault, "POST", "sys/wrapping/unwrap", {}, token=info["token"]) == (
        400,
        ["wrapping token is not valid or does not exist"],
    )

    _, again = call(
        fake_vault, "POST", "sys/wrapping/wrap", {"k": "v"}, headers={"X-Vault-Wrap-TTL": "60"}
    )
    fake_clock.advance(60)
    assert (
        errors(fake_vault, "POST", "sys/wrapping/unwrap", {"token": again["wrap_info"]["token"]})[0]
        == 400
    )


def test_wrapping_edge_cases(fake_vault: FakeVault) -> None:
    assert errors(fake_vault, "POST", "sys/wrapping/wrap", {"k": "v"}) == (
        400,
        ["endpoint requires response wrapping to be used"],
    )
    assert errors(
        fake_vault, "POST", "sys/wrapping/wrap", {"k": "v"}, headers={"X-Vault-Wrap-TTL": "-5s"}
    ) == (400, ["requested wrap ttl cannot be negative"])
    _, wrapped = call(
        fake_vault, "POST", "sys/wrapping/wrap", {"k": "v"}, headers={"X-Vault-Wrap-TTL": "1m"}
    )
    token = wrapped["wrap_info"]["token"]
    assert "wrapped_accessor" not in wrapped["wrap_info"]  # it wraps no token
    assert (
        errors(fake_vault, "POST", "sys/wrapping/unwrap", {"token": token}, token=token)[0] == 400
    )
    assert (
        errors(fake_vault, "POST", "sys/wrapping/unwrap", {"token": token}, token="hvs.nobody")[0]
        == 403
    )
    assert (
        errors(fake_vault, "GET", "sys/auth", token=token)[0] == 403
    )  # a wrapping token can do nothing else
    status, unwrapped = call(fake_vault, "POST", "sys/wrapping/unwrap", {"token": token})
    assert status == 200 and unwrapped["data"] == {"k": "v"}


def test_bad_bodies(fake_vault: FakeVault) -> None:
    import requests

    fake_vault.contract = None  # what Vault does with bodies the contract would refuse

    response = requests.post(f"{fake_vault.address}/v1/sys/leases/lookup", data="{nope", timeout=5)
    assert response.status_code == 400
    response = requests.post(f"{fake_vault.address}/v1/sys/leases/lookup", data="[1]", timeout=5)
    assert response.status_code == 400
    assert errors(fake_vault, "POST", "auth/token/create", {"ttl": "forever"})[0] == 400
    assert errors(fake_vault, "POST", "auth/token/create", {"ttl": True})[0] == 400


def test_a_body_that_breaks_the_contract_fails_the_test(fake_vault: FakeVault) -> None:
    if fake_vault.contract is None:
        pytest.skip("the Vault contract is missing")
    with pytest.raises(ContractViolation, match="ttl: 3600 is not of type 'string'"):
        call(fake_vault, "POST", "auth/token/create", {"ttl": 3600})
    assert fake_vault.violations
    fake_vault.violations.clear()  # seen; the fixture would fail the test otherwise


def test_unknown_routes_namespaces_and_seal(fake_vault: FakeVault) -> None:
    user = fake_vault.tokens.add(["default"], 600)
    assert errors(fake_vault, "GET", "nope/x") == (
        404,
        ['no handler for route "nope/x". route entry not found.'],
    )
    assert errors(fake_vault, "GET", "nope/x", token=user.id)[0] == 403
    assert errors(fake_vault, "GET", "sys/auth", token="")[0] == 403
    fake_vault.seal()
    assert errors(fake_vault, "GET", "sys/auth") == (503, ["Vault is sealed"])
    assert call(fake_vault, "GET", "sys/seal-status", token="")[1]["sealed"] is True
    fake_vault.unseal()
    fake_vault.namespace = "team-a"
    assert errors(fake_vault, "GET", "sys/auth")[0] == 403
    assert call(fake_vault, "GET", "sys/auth", headers={"X-Vault-Namespace": "team-a/"})[0] == 200


def test_fail_next_needs_a_status_or_an_exception(fake_vault: FakeVault) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        fake_vault.fail_next("GET", "sys/auth")
    fake_vault.fail_next("*", "sys/*", 429, times=2)
    assert errors(fake_vault, "GET", "sys/auth") == (
        429,
        ['request path "sys/auth": rate limit quota exceeded'],
    )
    assert errors(fake_vault, "GET", "sys/auth")[0] == 429
    assert call(fake_vault, "GET", "sys/auth")[0] == 200


def test_acl_lite_matching() -> None:
    rules = parse(
        """
        # comment
        path "secret/*" { capabilities = ["read"] }
        path "secret/team/+/db" { capabilities = ["update"] }
        path "secret/team/ops/db" { capabilities = ["list"] }
        path "secret/deny*" { capabilities = ["deny"] }
        path "secret/deny*" { capabilities = ["read"] }
        """
    )
    assert capabilities(rules, "secret/x") == {"read"}
    assert capabilities(rules, "secret/team/dev/db") == {"update"}
    assert capabilities(rules, "secret/team/ops/db") == {"list"}
    assert capabilities(rules, "other") == frozenset()
    assert not allows(rules, "secret/deny/x", ["read"])
    assert allows(rules, "secret/team/dev/db", ["create|update"])
    assert Rule("a/+/c", frozenset()).matches("a/b/c") and not Rule("a/+/c", frozenset()).matches(
        "a/b/x/c"
    )
    with pytest.raises(PolicyError, match="unknown capabilities"):
        parse('path "x" { capabilities = ["write"] }')
    with pytest.raises(PolicyError, match="cannot parse"):
        parse('path "x" { policy = "read" }')
