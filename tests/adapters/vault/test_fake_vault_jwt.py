"""The fake's JWT auth method: config, role validation and login checks (NOTES §5)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from tests.adapters.vault import admin
from tests.adapters.vault.fakecalls import call, errors
from tests.fakes.clock import FakeClock
from tests.fakes.oidc import GitHubOIDC
from tests.fakes.vault import FakeVault

ROLE = admin.jwt_role()


@pytest.fixture
def jwt_vault(fake_vault: FakeVault, oidc: GitHubOIDC) -> FakeVault:
    fake_vault.jwks[oidc.issuer] = oidc.jwks()
    call(
        fake_vault,
        "POST",
        "auth/jwt/config",
        {"oidc_discovery_url": oidc.issuer, "bound_issuer": oidc.issuer},
    )
    return fake_vault


def _login(vault: FakeVault, jwt: str, role: str = "r") -> tuple[int, Any]:
    return call(vault, "POST", "auth/jwt/login", {"role": role, "jwt": jwt}, token="")


@pytest.mark.parametrize(
    ("role", "message"),
    [
        (
            {"user_claim": "sub", "bound_subject": "x"},
            '"allowed_redirect_uris" must be set if "role_type" is "oidc" or unspecified.',
        ),
        ({"role_type": "jwt", "bound_subject": "x"}, "a user claim must be defined on the role"),
        (
            {"role_type": "jwt", "user_claim": "sub"},
            "must have at least one bound constraint when creating/updating a role",
        ),
        (
            {
                "role_type": "jwt",
                "user_claim": "sub",
                "bound_subject": "x",
                "bound_claims_type": "regex",
            },
            "invalid 'bound_claims_type': regex",
        ),
        ({"role_type": "saml", "user_claim": "sub"}, "invalid 'role_type': saml"),
    ],
)
def test_role_validation(jwt_vault: FakeVault, role: dict[str, Any], message: str) -> None:
    assert errors(jwt_vault, "POST", "auth/jwt/role/r", role) == (400, [message])


def test_bound_claims_values_must_be_strings(jwt_vault: FakeVault) -> None:
    jwt_vault.contract = None  # the contract only says "object"
    role = {**ROLE, "bound_claims": {"ref": [1]}}
    assert errors(jwt_vault, "POST", "auth/jwt/role/r", role)[0] == 400


def test_login_gives_a_token_with_the_roles_policies_and_mapped_claims(
    jwt_vault: FakeVault, oidc: GitHubOIDC
) -> None:
    role = {
        **ROLE,
        "token_no_default_policy": False,
        "claim_mappings": {"actor": "actor"},
        "token_explicit_max_ttl": "10m",
    }
    call(jwt_vault, "POST", "auth/jwt/role/r", role)

    status, answer = _login(jwt_vault, oidc.mint(aud="vault"))

    auth = answer["auth"]
    assert status == 200 and auth["policies"] == ["default", "jit-doctor", "jit-job", "jit-kube"]
    assert auth["metadata"] == {"role": "r", "actor": "jit-bot"}
    assert auth["lease_duration"] == 600 and auth["renewable"] is True and auth["orphan"] is True
    entity = jwt_vault.identity.entities[auth["entity_id"]]
    assert entity.aliases[0].name == "acme/access"
    assert _login(jwt_vault, oidc.mint(aud="vault"))[1]["auth"]["entity_id"] == entity.id
    assert call(jwt_vault, "GET", "auth/jwt/role/r")[1]["data"]["token_ttl"] == 1800
    assert call(jwt_vault, "GET", "auth/jwt/config")[1]["data"]["bound_issuer"] == oidc.issuer


def test_glob_and_list_bound_claims(jwt_vault: FakeVault, oidc: GitHubOIDC) -> None:
    role = {
        **ROLE,
        "bound_claims_type": "glob",
        "bound_claims": {
            "ref": ["refs/heads/main", "refs/tags/v*"],
            "job_workflow_ref": "acme/access/.github/workflows/*@refs/*",
        },
    }
    call(jwt_vault, "POST", "auth/jwt/role/r", role)

    assert _login(jwt_vault, oidc.mint(aud="vault", ref="refs/tags/v1.2"))[0] == 200
    assert _login(jwt_vault, oidc.mint(aud="vault", ref="refs/heads/main"))[0] == 200
    status, answer = _login(jwt_vault, oidc.mint(aud="vault", ref="refs/heads/dev"))
    assert status == 400 and answer["errors"] == [
        'error validating claims: claim "ref" does not match any associated bound claim values'
    ]
    assert (
        _login(
            jwt_vault,
            oidc.mint(
                aud="vault", job_workflow_ref="evil/access/.github/workflows/x@refs/heads/main"
            ),
        )[0]
        == 400
    )
    # with string matching, a * is a plain character
    call(jwt_vault, "POST", "auth/jwt/role/s", {**role, "bound_claims_type": "string"})
    assert _login(jwt_vault, oidc.mint(aud="vault", ref="refs/tags/v1.2"), role="s")[0] == 400


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"role": ""}, "missing role"),
        ({"role": "nope"}, 'role "nope" could not be found'),
        ({"jwt": ""}, "missing token"),
        ({"jwt": "not.a.jwt"}, "error validating token: "),
        (
            {"claims": {"iss": "https://evil.example"}},
            "error validating token: invalid issuer (iss) claim",
        ),
        (
            {"claims": {"nbf": 10**10}},
            "error validating token: invalid not before (nbf) claim: token not yet valid",
        ),
        (
            {
                "claims": {"sub": "repo:acme/access:pull_request"},
                "role_extra": {"bound_subject": "repo:acme/access:ref:refs/heads/main"},
            },
            "sub claim does not match bound subject",
        ),
        (
            {"claims": {"repository": None}},
            'error validating claims: claim "repository" is missing',
        ),
        (
            {
                "claims": {"aud": "vault"},
                "role_extra": {
                    "bound_audiences": None,
                    "bound_subject": "repo:acme/access:ref:refs/heads/main",
                },
            },
            "audience claim found in JWT but no audiences bound to the role",
        ),
        ({"claims": {"aud": ["a", "b"]}}, "error validating token: invalid audience (aud) claim"),
    ],
)
def test_login_failures(
    jwt_vault: FakeVault, oidc: GitHubOIDC, change: dict[str, Any], message: str
) -> None:
    call(jwt_vault, "POST", "auth/jwt/role/r", {**ROLE, **change.get("role_extra", {})})
    body = {"role": "r", "jwt": oidc.mint(**{"aud": "vault", **change.get("claims", {})})}
    body.update({k: v for k, v in change.items() if k in ("role", "jwt")})

    status, answer = call(jwt_vault, "POST", "auth/jwt/login", body, token="")

    assert status == 400
    assert answer["errors"][0].startswith(message)


def test_a_user_claim_missing_from_the_token(jwt_vault: FakeVault, oidc: GitHubOIDC) -> None:
    call(jwt_vault, "POST", "auth/jwt/role/r", {**ROLE, "user_claim": "email"})
    assert _login(jwt_vault, oidc.mint(aud="vault"))[1]["errors"] == [
        'claim "email" not found in token'
    ]


def test_an_oidc_role_cannot_log_in_with_a_jwt(jwt_vault: FakeVault, oidc: GitHubOIDC) -> None:
    call(
        jwt_vault,
        "POST",
        "auth/jwt/role/r",
        {**ROLE, "role_type": "oidc", "allowed_redirect_uris": ["https://x"]},
    )
    assert _login(jwt_vault, oidc.mint(aud="vault"))[1]["errors"] == [
        "role with oidc role_type is not allowed"
    ]


def test_config_sources(fake_vault: FakeVault, oidc: GitHubOIDC, fake_clock: FakeClock) -> None:
    assert call(fake_vault, "GET", "auth/jwt/config")[0] == 404
    assert errors(fake_vault, "POST", "auth/jwt/config", {})[0] == 400
    assert (
        errors(fake_vault, "POST", "auth/jwt/config", {"jwks_url": "https://unknown/jwks"})[0]
        == 400
    )
    pem = (
        oidc._key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assert call(fake_vault, "POST", "auth/jwt/config", {"jwt_validation_pubkeys": [pem]}) == (
        204,
        None,
    )
    call(fake_vault, "POST", "auth/jwt/role/r", ROLE)
    assert _login(fake_vault, oidc.mint(aud="vault"))[0] == 200
    assert _login(fake_vault, oidc.mint(aud="vault", signed_by_stranger=True))[1]["errors"] == [
        "error validating token: error verifying token signature: no known key successfully "
        "validated the token signature"
    ]
    fake_vault.jwks["https://keys.example/jwks"] = oidc.jwks()
    assert call(
        fake_vault, "POST", "auth/jwt/config", {"jwks_url": "https://keys.example/jwks"}
    ) == (204, None)
    assert _login(fake_vault, oidc.mint(aud="vault"))[0] == 200
    assert call(fake_vault, "GET", "auth/jwt/role/nope")[0] == 404
