"""``jit unwrap`` end to end: a delivery comment, the requester's SSH key, the fake Vault."""

from __future__ import annotations

import io
import json
import logging
import stat
import subprocess
from pathlib import Path

import pytest
import requests

from jit.commands.unwrap import render, run
from jit.delivery import (
    DeliveryPayload,
    choose_delivery,
    render_plain_token_comment,
)
from jit.delivery.provenance import TrustedVault, delivered_values, env_name
from jit.errors import JitError
from tests.delivery.helpers import (
    CREDS_PATH,
    ENDS,
    GRANT,
    SECRET,
    KeyPair,
    comment,
    encrypted_openssh,
    jit,
    wrapped_credentials,
    wrapped_token,
    write_access_repo,
)
from tests.fakes.vault import FakeVault
from tests.fakes.vault.core import ADDRESS
from tests.fakes.vault.wire import envelope


@pytest.fixture(autouse=True)
def vault_addr(monkeypatch: pytest.MonkeyPatch, access_repo: Path) -> None:
    """The requester knows their Vault's address (jit unwrap refuses deliveries naming others)
    and works in a clone of the access repository."""
    monkeypatch.setenv("VAULT_ADDR", ADDRESS)
    monkeypatch.delenv("VAULT_NAMESPACE", raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home


def test_unwrap_a_credential_from_a_comment_file(
    fake_vault: FakeVault,
    ed_key: KeyPair,
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ed_key.write(home / ".ssh" / "id_ed25519")
    delivery = tmp_path / "comment.txt"
    delivery.write_text(comment(fake_vault, wrapped_credentials(fake_vault), ed_key))
    assert jit(str(delivery)) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"username": "v-alice-x1", "password": SECRET}
    assert f"Unwrapping grant {GRANT} from {fake_vault.address}" in err


def test_a_second_unwrap_fails_and_says_why(
    fake_vault: FakeVault,
    ed_key: KeyPair,
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ed_key.write(home / ".ssh" / "id_ed25519")
    text = comment(fake_vault, wrapped_credentials(fake_vault), ed_key)
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert jit() == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert jit("-") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "already used or has expired" in err
    assert "someone else may have: report it to your security team" in err
    assert SECRET not in err


def test_a_token_grant_gives_vault_token_variables(
    fake_vault: FakeVault, rsa_key: KeyPair, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / ".ssh" / "id_ed25519").write_bytes(b"not the right key")
    rsa_key.write(home / ".ssh" / "id_rsa")
    assert jit("--format", "env", comment(fake_vault, wrapped_token(fake_vault), rsa_key)) == 0
    out, _ = capsys.readouterr()
    exported = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    assert set(exported) == {"VAULT_TOKEN", "VAULT_ADDR"}
    token = exported["VAULT_TOKEN"]
    me = requests.get(
        f"{fake_vault.address}/v1/auth/token/lookup-self",
        headers={"X-Vault-Token": token},
        timeout=5,
    )
    assert me.status_code == 200  # a working token


def test_output_file_is_private_and_replaced_atomically(
    fake_vault: FakeVault,
    ed_key: KeyPair,
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = ed_key.write(tmp_path / "my-key")
    target = tmp_path / "out" / "creds.env"
    target.parent.mkdir()
    target.write_text("old\n")
    target.chmod(0o644)
    assert (
        jit(
            "-i",
            str(key),
            "-o",
            str(target),
            "--format",
            "env",
            comment(fake_vault, wrapped_credentials(fake_vault), ed_key),
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert out == ""
    assert f"Wrote 2 value(s) to {target} (mode 0600)" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["creds.env"]
    sourced = subprocess.run(
        ["bash", "-c", f'source "{target}" && printf %s "$PASSWORD"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert sourced.stdout == SECRET


def test_nothing_is_spent_when_the_key_or_the_output_is_wrong(
    fake_vault: FakeVault,
    ed_key: KeyPair,
    other_key: KeyPair,
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = comment(fake_vault, wrapped_credentials(fake_vault), ed_key)
    other_key.write(home / ".ssh" / "id_ed25519")
    assert jit(text) == 1
    assert "None of your SSH keys opens this delivery" in capsys.readouterr().err
    ed_key.write(home / ".ssh" / "id_ed25519")
    assert jit("-o", str(tmp_path), text) == 2  # click refuses a directory
    assert "is a directory" in capsys.readouterr().err
    with pytest.raises(JitError, match="is a directory; give a file name"):
        run(None, tmp_path, "json", text, vault_addr=ADDRESS)
    assert jit("-o", str(tmp_path / "missing" / "x.json"), text) == 1
    assert "Cannot create a file in" in capsys.readouterr().err
    assert jit(text) == 0  # the wrapping token was never used up
    assert json.loads(capsys.readouterr().out)["password"] == SECRET


def test_a_plain_token_comment_needs_no_key(
    fake_vault: FakeVault, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = DeliveryPayload(
        fake_vault.address, None, wrapped_credentials(fake_vault), GRANT, ENDS.isoformat()
    )
    text = render_plain_token_comment(
        grant_id=GRANT,
        requester="alice",
        resource="db",
        expires_at=ENDS,
        unwrap_by=None,
        payload=payload,
        plan=choose_delivery([], "wrapping-token"),
    )
    assert jit("--format", "dotenv", text) == 0
    assert 'USERNAME="v-alice-x1"' in capsys.readouterr().out


def test_missing_input_and_keys_are_explained(
    fake_vault: FakeVault, ed_key: KeyPair, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert jit("comment.txt") == 1
    assert "Cannot read comment.txt: No such file or directory." in capsys.readouterr().err
    assert jit("just some\ntext") == 1
    assert "No jit delivery found in the argument" in capsys.readouterr().err
    (home / "empty.txt").write_text("nothing to see")
    assert jit(str(home / "empty.txt")) == 1
    assert f"No jit delivery found in {home / 'empty.txt'}" in capsys.readouterr().err
    text = comment(fake_vault, wrapped_credentials(fake_vault), ed_key)
    assert jit(text) == 1
    assert "No SSH private key found at" in capsys.readouterr().err
    (home / ".ssh" / "id_ed25519").write_bytes(b"junk")
    assert jit(text) == 1
    assert "is not an SSH private key that age can use" in capsys.readouterr().err
    assert jit("-i", str(home / "nope"), text) == 1
    assert "Cannot read the SSH key" in capsys.readouterr().err


def test_passphrase_protected_identity(
    fake_vault: FakeVault, ed_key: KeyPair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "id_protected"
    key.write_bytes(encrypted_openssh(ed_key, tmp_path, "correct horse"))
    asked: list[str] = []

    def passphrase(path: str) -> str:
        asked.append(path)
        return "correct horse"

    text = comment(fake_vault, wrapped_credentials(fake_vault), ed_key)
    try:
        import bcrypt  # noqa: F401
    except ImportError:
        with pytest.raises(JitError, match="bcrypt"):
            run(key, None, "json", text, passphrase=passphrase, vault_addr=ADDRESS)
        return
    assert run(key, None, "json", text, passphrase=passphrase, vault_addr=ADDRESS) == 0
    assert asked == [str(key)]
    assert json.loads(capsys.readouterr().out)["password"] == SECRET


def test_the_cli_asks_for_a_passphrase_on_the_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jit.cli import unwrap as cli_unwrap
    from jit.delivery import DeliveryError

    monkeypatch.setattr(cli_unwrap, "TTY", str(tmp_path / "no-tty"))
    with pytest.raises(DeliveryError, match="no terminal to ask for it on"):
        cli_unwrap.ask_passphrase("~/.ssh/id_ed25519")
    (tmp_path / "tty").write_text("")
    monkeypatch.setattr(cli_unwrap, "TTY", str(tmp_path / "tty"))
    monkeypatch.setattr("getpass.getpass", lambda prompt: f"typed at {prompt!r}")
    assert cli_unwrap.ask_passphrase("k") == "typed at 'Passphrase for k: '"


def test_formats_and_names() -> None:
    values = {"username": "u", "password": "a'b\"c\n$d"}
    assert json.loads(render(values, "json")) == values
    assert render(values, "dotenv") == 'USERNAME="u"\nPASSWORD="a\'b\\"c\\n$d"\n'
    script = render(values, "env") + 'printf %s "$PASSWORD"'
    assert (
        subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
        == "a'b\"c\n$d"
    )
    assert env_name("client_token") == "VAULT_TOKEN"
    assert env_name("access_key") == "AWS_ACCESS_KEY_ID"
    with pytest.raises(KeyError):
        env_name("PROMPT_COMMAND")  # only fixed names, never one from a payload
    with pytest.raises(JitError, match="Unknown --format 'yaml'"):
        run(None, None, "yaml", "x")


def test_the_secret_appears_only_in_the_intended_output(
    fake_vault: FakeVault,
    ed_key: KeyPair,
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    ed_key.write(home / ".ssh" / "id_ed25519")
    wrap_tokens = [wrapped_credentials(fake_vault) for _ in range(3)]
    secrets = [SECRET, *wrap_tokens]
    target = tmp_path / "creds.json"

    assert jit("-o", str(target), comment(fake_vault, wrap_tokens[0], ed_key)) == 0  # to a file
    assert jit(comment(fake_vault, wrap_tokens[1], ed_key)) == 0  # to standard output
    assert jit(comment(fake_vault, wrap_tokens[0], ed_key)) == 1  # spent
    out, err = capsys.readouterr()

    assert json.loads(target.read_text())["password"] == SECRET
    assert json.loads(out)["password"] == SECRET  # the one intended output
    assert out.count(SECRET.replace('"', '\\"')) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        assert secret not in err
        assert secret not in logged
    for token in wrap_tokens:
        assert token not in out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_pasting_on_a_terminal_is_prompted_for(
    fake_vault: FakeVault,
    ed_key: KeyPair,
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ed_key.write(home / ".ssh" / "id_ed25519")
    monkeypatch.setattr(
        "sys.stdin", _Terminal(comment(fake_vault, wrapped_credentials(fake_vault), ed_key))
    )
    assert jit() == 0
    assert capsys.readouterr().err.startswith("Paste the delivery comment, then press Ctrl-D:")


def test_delivered_values_for_tokens_in_a_namespace_and_empty_answers() -> None:
    trusted = TrustedVault(
        "https://vault.example.com", "admin/team/", frozenset({"auth/token/create/jit"})
    )
    auth = {
        "auth": {
            "client_token": "hvs.t",
            "accessor": "a",
            "policies": ["p"],
            "lease_duration": 60,
            "renewable": False,
        }
    }
    values = delivered_values("auth/token/create/jit", auth, trusted)
    assert values == {
        "client_token": "hvs.t",
        "vault_addr": "https://vault.example.com",
        "vault_namespace": "admin/team",
    }
    assert render(values, "env").splitlines() == [
        "export VAULT_TOKEN=hvs.t",
        "export VAULT_ADDR=https://vault.example.com",
        "export VAULT_NAMESPACE=admin/team",
    ]
    with pytest.raises(JitError, match="held no token"):
        delivered_values("auth/token/create/jit", {"data": {"client_token": "x"}}, trusted)
    with pytest.raises(JitError, match="held no secret"):
        delivered_values(CREDS_PATH, {}, trusted)
    with pytest.raises(JitError, match="not text"):
        delivered_values(CREDS_PATH, {"data": {"username": ["u"]}}, trusted)


def test_the_runner_uses_only_the_streams_and_address_it_is_given(
    fake_vault: FakeVault,
    ed_key: KeyPair,
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command line reads ``VAULT_ADDR`` and passes the process's streams; the runner
    itself reads neither the environment nor ``sys.std*``."""
    ed_key.write(home / ".ssh" / "id_ed25519")
    text = comment(fake_vault, wrapped_credentials(fake_vault), ed_key)
    no_address = write_access_repo(tmp_path / "no-address", "vault: {token_role: jit}\n")
    with pytest.raises(JitError, match="set VAULT_ADDR or pass --vault-addr"):
        # VAULT_ADDR is set but unread; the settings name no address
        run(None, None, "json", None, stdin=io.StringIO(text), repo=no_address)
    stdin, out, err = _Terminal(text), io.StringIO(), io.StringIO()
    assert run(None, None, "json", "-", vault_addr=ADDRESS, stdin=stdin, out=out, err=err) == 0
    assert json.loads(out.getvalue())["password"] == SECRET
    assert err.getvalue() == (
        "Paste the delivery comment, then press Ctrl-D:\n"
        f"Unwrapping grant {GRANT} from {fake_vault.address} (this works once).\n"
        f"Access ends at {ENDS.isoformat()}.\n"
    )
    assert capsys.readouterr() == ("", "")


def test_a_secret_without_a_lease_is_delivered_with_a_warning(
    fake_vault: FakeVault, ed_key: KeyPair, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ed_key.write(home / ".ssh" / "id_ed25519")
    static = envelope(data={"username": "u", "password": "p"}, mount_type="kv")
    wrap = fake_vault.tokens.add_wrapping(300, CREDS_PATH, static).id
    assert jit(comment(fake_vault, wrap, ed_key)) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"username": "u", "password": "p"}
    assert f"Warning: the secret from {CREDS_PATH} has no Vault lease" in err


def test_a_lease_shorter_than_the_grant_is_pointed_out() -> None:
    from datetime import UTC, datetime

    from jit.delivery.provenance import lease_warnings

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # ENDS is 11:00, two hours later
    short = {"lease_id": "x", "lease_duration": 3600}
    (note,) = lease_warnings(CREDS_PATH, short, ENDS.isoformat(), now)
    assert note.startswith("Note: Vault's lease on this secret ends at 2026-03-02T10:00:00+00:00")
    assert (
        lease_warnings(CREDS_PATH, {"lease_id": "x", "lease_duration": 7200}, ENDS.isoformat(), now)
        == []
    )
    assert lease_warnings("auth/token/create/jit", {}, ENDS.isoformat(), now) == []
    assert lease_warnings(CREDS_PATH, short, "not a time", now) == []
