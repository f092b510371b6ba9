"""Logging in: VAULT_TOKEN, or GitHub OIDC -> JWT login, with overrides from the environment."""

from __future__ import annotations

import pytest

from jit.adapters.vault import connect
from jit.adapters.vault.client import VaultHttp
from jit.errors import JitError
from jit.model import VaultSettings
from tests.adapters.vault import admin
from tests.fakes.clock import FakeClock
from tests.fakes.oidc import ActionsTokenEndpoint, GitHubOIDC
from tests.fakes.vault import FakeVault


def _who(client: object) -> dict[str, object]:
    answer = VaultHttp(client).call("GET", "auth/token/lookup-self")  # type: ignore[arg-type]
    assert answer is not None
    data: dict[str, object] = answer["data"]
    return data


def test_oidc_login_gives_the_job_its_policy_and_masks_both_tokens(
    vault: FakeVault,
    env: dict[str, str],
    settings: VaultSettings,
    actions: ActionsTokenEndpoint,
    masked: list[str],
) -> None:
    vault.put_policy(
        "jit-job",
        vault.policy_texts["jit-job"] + 'path "auth/token/lookup-self" { capabilities = ["read"] }',
    )
    client = connect(settings, env, mask=masked.append)

    me = _who(client)
    assert me["policies"] == ["jit-doctor", "jit-job", "jit-kube"]
    assert me["meta"] == {"role": "jit"}
    assert actions.calls == ["vault"]
    login = next(r for r in vault.requests if r.path == "auth/jwt/login")
    assert login.body["role"] == "jit"
    assert masked == [login.body["jwt"], client.token]


def test_vault_token_wins_and_skips_oidc(
    vault: FakeVault, actions: ActionsTokenEndpoint, settings: VaultSettings
) -> None:
    client = connect(
        settings, {"VAULT_ADDR": vault.address, "VAULT_TOKEN": vault.root_token, **actions.env}
    )

    assert client.token == vault.root_token
    assert actions.calls == []
    assert _who(client)["policies"] == ["root"]


def test_address_comes_from_settings_when_vault_addr_is_unset(vault: FakeVault) -> None:
    client = connect(VaultSettings(address=vault.address), {"VAULT_TOKEN": vault.root_token})
    assert _who(client)["policies"] == ["root"]


def test_no_address_is_a_clear_error() -> None:
    with pytest.raises(
        JitError, match=r"set VAULT_ADDR for the job or vault\.address in policies/settings\.yaml"
    ):
        connect(VaultSettings(), {"VAULT_TOKEN": "x"})


def test_no_role_is_a_clear_error(vault: FakeVault, actions: ActionsTokenEndpoint) -> None:
    with pytest.raises(
        JitError, match=r"set vault\.auth_role in policies/settings\.yaml or JIT_VAULT_ROLE"
    ):
        connect(VaultSettings(), {"VAULT_ADDR": vault.address, **actions.env})


def test_namespace_from_the_environment_is_sent(
    vault: FakeVault, settings: VaultSettings, env: dict[str, str]
) -> None:
    vault.namespace = "team-a"
    with pytest.raises(JitError):
        connect(settings, env, mask=lambda _: None)  # no namespace: the login is refused

    client = connect(settings, {**env, "VAULT_NAMESPACE": "team-a"}, mask=lambda _: None)

    assert vault.requests[-1].headers["X-Vault-Namespace"] == "team-a"
    assert client.token


def test_environment_overrides_mount_role_and_audience(
    vault: FakeVault,
    oidc: GitHubOIDC,
    root: object,
    actions: ActionsTokenEndpoint,
    env: dict[str, str],
) -> None:
    vault.enable("auth/gha/", "jwt")
    role = {**admin.jwt_role(), "bound_audiences": ["https://vault.acme.example"]}
    root.adapter.post("/v1/auth/gha/config", json={"oidc_discovery_url": oidc.issuer})  # type: ignore[attr-defined]
    root.adapter.post("/v1/auth/gha/role/reconcile", json=role)  # type: ignore[attr-defined]
    overrides = {
        "JIT_VAULT_AUTH_PATH": "gha",
        "JIT_VAULT_ROLE": "reconcile",
        "JIT_VAULT_AUDIENCE": "https://vault.acme.example",
    }

    client = connect(VaultSettings(auth_role="jit"), {**env, **overrides}, mask=lambda _: None)

    assert client.token
    assert actions.calls == ["https://vault.acme.example"]
    assert vault.requests[-1].path == "auth/gha/login"


_CLAIMS_HINT = "Check that the role's bound_claims (and bound_subject) match this repository"
_AUDIENCE_HINT = "Check the role's bound_audiences: the job asks for 'vault'"
_CLOCK_HINT = "Vault's clock and GitHub's disagree: check the Vault server's time (NTP)"
_CONFIG_HINT = "Check the auth/jwt method's config (bound_issuer and the keys it trusts"


@pytest.mark.parametrize(
    ("change", "vault_says", "hint"),
    [
        (
            {"signed_by_stranger": True},
            "error verifying token signature: no known key successfully validated the token",
            _CONFIG_HINT,
        ),
        ({"iss": "https://evil.example"}, "invalid issuer (iss) claim", _CONFIG_HINT),
        (
            {"repository": "mallory/access"},
            'claim "repository" does not match any associated bound claim values',
            _CLAIMS_HINT,
        ),
        (
            {"ref": "refs/heads/feature"},
            'claim "ref" does not match any associated bound claim values',
            _CLAIMS_HINT,
        ),
        (
            {"job_workflow_ref": "acme/access/.github/workflows/evil.yml@refs/heads/main"},
            'claim "job_workflow_ref" does not match',
            _CLAIMS_HINT,
        ),
        ({"job_workflow_ref": None}, 'claim "job_workflow_ref" is missing', _CLAIMS_HINT),
        ({"aud": "https://github.com/acme"}, "invalid audience (aud) claim", _AUDIENCE_HINT),
        (
            {"at": (-3600, -3600, -600)},
            "invalid expiration time (exp) claim: token is expired",
            _CLOCK_HINT,
        ),
        (
            {"at": (3600, 3600, 4000)},
            "invalid not before (nbf) claim: token not yet valid",
            _CLOCK_HINT,
        ),
        (
            {"at": (3600, -5, 4000)},
            "invalid issued at (iat) claim: token issued in the future",
            _CLOCK_HINT,
        ),
    ],
)
def test_each_login_failure_is_a_clear_error_with_a_hint_that_fits(
    vault: FakeVault,
    settings: VaultSettings,
    env: dict[str, str],
    actions: ActionsTokenEndpoint,
    fake_clock: FakeClock,
    change: dict[str, object],
    vault_says: str,
    hint: str,
) -> None:
    """The texts are the real server's (tests/adapters/vault/test_fake_vs_real.py checks the
    fake says the same); each gets the hint that fits it, not always the bound_claims one."""
    if change.pop("signed_by_stranger", False):
        actions.signed_by_stranger = True
    at = change.pop("at", None)
    if isinstance(at, tuple):
        now = int(fake_clock.time())
        change = {"iat": now + at[0], "nbf": now + at[1], "exp": now + at[2]}
    actions.overrides = change

    with pytest.raises(JitError) as err:
        connect(settings, env, mask=lambda _: None)

    message = str(err.value)
    assert message.startswith("Vault refused the GitHub OIDC login at auth/jwt with role 'jit': ")
    assert vault_says in message
    assert hint in message
    others = {_CLAIMS_HINT, _AUDIENCE_HINT, _CLOCK_HINT, _CONFIG_HINT} - {hint}
    assert not [h for h in others if h in message]


def test_a_token_just_inside_vaults_expiry_leeway_still_logs_in(
    settings: VaultSettings,
    env: dict[str, str],
    actions: ActionsTokenEndpoint,
    fake_clock: FakeClock,
) -> None:
    now = int(fake_clock.time())
    actions.overrides = {"iat": now - 600, "nbf": now - 600, "exp": now - 200}  # leeway 150+60
    assert connect(settings, env, mask=lambda _: None).token


def test_an_unknown_role_is_a_clear_error(vault: FakeVault, env: dict[str, str]) -> None:
    with pytest.raises(JitError, match='role "nope" could not be found'):
        connect(VaultSettings(auth_role="nope"), env, mask=lambda _: None)


def test_a_sealed_vault_fails_the_login_after_retries(
    vault: FakeVault, settings: VaultSettings, env: dict[str, str], fake_clock: FakeClock
) -> None:
    vault.seal()
    with pytest.raises(JitError) as err:
        connect(settings, env, mask=lambda _: None, sleep=fake_clock.sleep)
    assert "after 4 attempts (last: 503 Vault is sealed)" in str(err.value)
    assert fake_clock.slept == [0.5, 1.0, 2.0]


def test_a_login_without_a_token_is_an_operational_error(
    vault: FakeVault, settings: VaultSettings, env: dict[str, str]
) -> None:
    vault.fail_next("POST", "auth/jwt/login", 200, errors=[])
    with pytest.raises(JitError, match="returned no token"):
        connect(settings, env, mask=lambda _: None)
