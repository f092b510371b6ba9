"""Grep every output channel of a full life cycle for the secrets it handled; find none.

Channels: stdout and stderr of ``jit pr``, ``jit reconcile`` and ``jit unwrap`` (except the
unwrapped secret itself, which goes to the requester's 0600 file by design), log records,
every PR comment, every commit (messages and every file version in history: audit log, state,
requests), the checkout's files, and the job summaries. The one exception is the workflow
command ``::add-mask::<value>``: the Actions runner consumes it and never shows it, and it is
how the values are hidden from any later log line.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Flow
from tests.reconcile.world import KUBE_TOKEN

KINDS = {"tok": "db-token", "db": "db-read", "grp": "db-group", "k8s": "orders-debug"}


def secrets_of(flow: Flow, seen_tokens: set[str]) -> set[str]:
    values = set(flow.vault.issued_secrets) | seen_tokens
    values |= {flow.github.APP_TOKEN, flow.github.ACTIONS_TOKEN, KUBE_TOKEN}
    values |= set(flow.actions.env.values()) - {flow.actions.env["ACTIONS_ID_TOKEN_REQUEST_URL"]}
    return {v for v in values if v and len(v) >= 8}


def test_no_channel_of_a_full_life_cycle_holds_a_secret(
    flow: Flow, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: set[str] = set()

    def snapshot() -> None:
        seen.update(t.id for t in flow.vault.tokens.all() if not t.is_root)

    prs = {}
    for name, resource in KINDS.items():
        login = "bob" if name in ("grp", "k8s") else "alice"
        pr = flow.open(login, name, resource)
        flow.validate(pr)
        flow.approve_and_merge(pr)
        prs[name] = (login, pr.number)
    actions = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(flow.summary)}
    assert flow.run(**actions).code == 0
    snapshot()
    unwrapped = [flow.unwrap(*prs[name]) for name in ("tok", "db")]
    snapshot()
    flow.advance(minutes=30)
    flow.withdraw("alice", "tok")
    assert flow.run(**actions).code == 0
    snapshot()
    flow.advance(hours=2)
    assert flow.run(**actions).code == 0
    snapshot()
    assert flow.records() == {}

    secrets = secrets_of(flow, seen)
    secret_keys = {"client_token", "token", "password"}
    secrets |= {str(v) for u in unwrapped for k, v in u.items() if k in secret_keys}
    assert any(s.startswith("hvs.") for s in secrets) and len(secrets) > 10

    history = subprocess.run(
        ["git", "log", "-p", "--all", "--format=fuller", "--binary"],
        cwd=flow.remote.path,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "replace")
    checkout = flow.checkout()
    files = "\n".join(
        p.read_text("utf-8", "replace")
        for p in checkout.rglob("*")
        if p.is_file() and ".git" not in p.parts
    )
    comments = "\n".join(c.body for c in flow.github.comments.values())
    outputs = [
        line
        for text in (*flow.outputs, *flow.channels)
        for line in text.splitlines()
        if not line.startswith("::add-mask::")
    ]
    channels = {
        "stdout/stderr": "\n".join(outputs),
        "logs": caplog.text,
        "comments": comments,
        "git history": history,
        "checkout": files,
        "job summary": flow.summary.read_text(),
    }
    assert "BEGIN AGE ENCRYPTED FILE" in comments and "jit: grant 4" in history
    leaks = {(where, s[:6] + "…") for where, text in channels.items() for s in secrets if s in text}
    assert leaks == set()
