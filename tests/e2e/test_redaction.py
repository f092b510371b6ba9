"""Every line jit writes passes through the redactor (issue 9, finding 5).

Secret-looking text is injected at each error site reachable through the real command line
(``jit.cli.main``, the one error handler, under GitHub Actions): a failing GitHub call, Vault
error text, a Kubernetes error, a bad request file, a crash. Then every channel is checked:
standard output (where the ``::error`` annotation goes), standard error, the job summary, PR
comments, and commit messages.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jit.cli import main
from tests.e2e.conftest import Flow

VAULT_TOKEN = "hvs.AAAAAAAAAAAAAAAAAAAAAAAA1234"
LEGACY = "s.BBBBBBBBBBBBBBBBBBBBBBBB"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlc2ln"
PEM = "-----BEGIN RSA PRIVATE KEY-----"
SECRETS = (VAULT_TOKEN, LEGACY, JWT, PEM)
ECHO = f"denied {VAULT_TOKEN} {LEGACY} bearer {JWT} {PEM}"


@dataclass
class Channels:
    code: int
    out: str
    err: str


def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> Channels:
    """Run ``jit ARGS`` through the real entry point; collect what it wrote."""
    monkeypatch.setattr(sys, "argv", ["jit", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    return Channels(int(done.value.code or 0), out, err)


def leaks(**channels: str) -> set[tuple[str, str]]:
    return {(name, s[:8]) for name, text in channels.items() for s in SECRETS if s in text}


@pytest.fixture
def actions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return summary


def test_a_user_error_is_redacted_on_stderr_and_in_the_annotation(
    actions: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The finding: the ``Error:`` line was redacted, the ``::error`` annotation was not."""
    monkeypatch.setenv("VAULT_ADDR", "https://vault.example.com")
    ran = cli(monkeypatch, capsys, "unwrap", f"missing-{VAULT_TOKEN}-{LEGACY}")
    assert ran.code == 1
    assert ran.out.startswith("::error title=jit::") and "[redacted]" in ran.out
    assert ran.err.startswith("Error: ") and "[redacted]" in ran.err
    assert leaks(stdout=ran.out, stderr=ran.err) == set()


def test_a_crash_names_only_the_exception_type(
    actions: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crash(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError(ECHO)

    monkeypatch.setattr("jit.commands.check.run", crash)
    ran = cli(monkeypatch, capsys, "check")
    assert ran.code == 3 and "RuntimeError" in ran.err
    assert leaks(stdout=ran.out, stderr=ran.err) == set()


def test_a_bad_request_file_quoting_secrets(
    actions: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = tmp_path / "repo"
    (repo / "requests" / "alice").mkdir(parents=True)
    (repo / "policies").mkdir()
    (repo / "policies" / "settings.yaml").write_text("vault: {token_role: jit}\n")
    (repo / "requests" / "alice" / "x.yaml").write_text(
        f"requester: alice\nresource: {VAULT_TOKEN}\nduration: {LEGACY}\nreason: {JWT}\n"
        f"{VAULT_TOKEN}: {PEM}\n"
    )
    for fmt in ("github", "text", "json"):
        ran = cli(monkeypatch, capsys, "check", "--repo", str(repo), "--format", fmt)
        assert ran.code == 1
        assert leaks(stdout=ran.out, stderr=ran.err) == set(), fmt


@pytest.fixture
def flow_env(flow: Flow, monkeypatch: pytest.MonkeyPatch, actions: Path) -> Iterator[Flow]:
    """The flow's environment and clock, for commands run through the real entry point."""
    for name, value in flow.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("jit.adapters.clock.now", flow.clock.now)
    monkeypatch.setattr("time.sleep", flow.sleeps.append)
    yield flow


def summary_of(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def all_comments(flow: Flow) -> str:
    return "\n".join(c.body for c in flow.github.comments.values())


def test_reconcile_with_vault_and_kubernetes_errors_echoing_secrets(
    flow_env: Flow,
    actions: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    flow = flow_env
    for login, name, resource in (("alice", "tok", "db-token"), ("bob", "k8s", "orders-debug")):
        pr = flow.open(login, name, resource)
        flow.validate(pr)
        flow.approve_and_merge(pr)
    flow.vault.fail_next("POST", "auth/token/create/jit", 400, errors=[ECHO])
    body = f'{{"kind":"Status","apiVersion":"v1","status":"Failure","message":"{ECHO}"}}'
    flow.kube.fail_next(403, times=100, method="POST", raw_body=body)
    checkout = flow.checkout()
    ran = cli(monkeypatch, capsys, "reconcile", "--repo", str(checkout))
    assert ran.code in (1, 4), ran.out + ran.err
    assert "[redacted]" in ran.out + summary_of(actions)
    messages = subprocess.run(
        ["git", "log", "--all", "--format=%B"],
        cwd=flow.remote.path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (
        leaks(
            stdout=ran.out,
            stderr=ran.err,
            summary=summary_of(actions),
            comments=all_comments(flow),
            commits=messages,
        )
        == set()
    )


def test_jit_pr_with_a_failing_github_call_echoing_a_secret(
    flow_env: Flow,
    actions: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    flow = flow_env
    pr = flow.open("alice", "tok", "db-token")
    payload = flow.events.pull_request(pr, "opened")
    path = flow.events.write(tmp_path, payload)
    for name, value in flow.events.env("pull_request_target", path, pr=pr).items():
        monkeypatch.setenv(name, value)
    flow.github.fail_next(
        "POST", f"/repos/acme/access/statuses/{pr.head_sha}", status=422, message=ECHO, times=10
    )
    ran = cli(monkeypatch, capsys, "pr", "--repo", str(flow.checkout()))
    assert ran.code != 0
    assert "[redacted]" in ran.out + ran.err
    assert (
        leaks(
            stdout=ran.out, stderr=ran.err, summary=summary_of(actions), comments=all_comments(flow)
        )
        == set()
    )
