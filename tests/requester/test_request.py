"""``jit request`` end to end through the CLI: the file, the checks, a real push to a bare
remote and the pull request opened in the fake GitHub."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from jit.parse import parse_request
from tests.reconcile.gitrepo import git
from tests.requester.conftest import World

ARGS = ("request", "prod-db-readonly", "--duration", "2h", "--ticket", "INC-4711")
REASON = "Investigate INC-4711, slow queries on orders"


def test_one_command_from_nothing_to_an_open_valid_pull_request(world: World) -> None:
    ran = world.jit(*ARGS, "--reason", REASON)
    assert ran.code == 0, ran.err
    branch = "jit/alice/inc-4711-" + ran.out.split("inc-4711-")[1][:8]
    rel = f"requests/alice/{branch.rsplit('/', 1)[1]}.yaml"
    pr = world.github.pulls[max(world.github.pulls)]
    assert (pr.author, pr.head_ref, pr.base_ref, pr.state) == ("alice", branch, "main", "open")
    assert pr.title == "Access request: prod-db-readonly for 2h (alice)"
    assert f"Opened {world.github.urls.web}/acme/access/pull/{pr.number}" in ran.out
    assert "stage 1: 1 of acme/dba" in ran.out
    assert "Unless auto-approved" in ran.out and "  for acme/oncall" in ran.out
    # the pushed branch holds exactly one new file, on top of main, and main is untouched
    pushed = world.remote.show(rel, f"refs/heads/{branch}")
    assert pushed is not None
    request, findings = parse_request(rel, pushed.encode())
    assert findings == [] and request is not None and request.reason == REASON
    assert world.remote.show(rel) is None
    assert [row.filename for row in world.github.diff(pr.base_sha, pr.head_sha)] == [rel]
    assert not (world.clone / rel).exists()  # it lives on the branch, not in my checkout


def test_no_terminal_never_prompts_and_names_the_missing_flags(world: World) -> None:
    ran = world.jit("request", "prod-db-readonly")
    assert ran.code == 2
    assert "missing --duration, --reason and --ticket" in ran.err
    assert "never prompts" in ran.err
    assert world.github.calls == []


def test_a_terminal_is_asked_for_what_is_missing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("jit.cli.requester._interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("prod-db-readonly\n1h\nOn call\nINC-9\n"))
    ran = world.jit("request", "--dry-run")
    assert ran.code == 0, ran.err
    assert "Resource (one of" in ran.err and "Ticket (" in ran.err
    written = next((world.clone / "requests" / "alice").glob("inc-9-*.yaml")).read_text()
    assert 'reason: "On call"' in written and "duration: 1h" in written


def test_dry_run_writes_and_validates_only(world: World) -> None:
    ran = world.jit(*ARGS, "--reason", REASON, "--dry-run", "--name", "incident-4711-b")
    assert ran.code == 0, ran.err
    assert "Wrote requests/alice/incident-4711-b.yaml (valid" in ran.out
    assert (world.clone / "requests/alice/incident-4711-b.yaml").is_file()
    assert world.github.pulls == {}
    assert world.remote.log("--oneline").count("\n") == 1


def test_hostile_reason_is_written_safely_and_checked(world: World) -> None:
    reason = 'x"\nresource: prod-db-admin\n---\nrequester: mallory @acme/dba'
    ran = world.jit(*ARGS, "--reason", reason, "--dry-run", "--name", "hostile")
    assert ran.code == 0, ran.err
    raw = (world.clone / "requests/alice/hostile.yaml").read_bytes()
    request, findings = parse_request("requests/alice/hostile.yaml", raw)
    assert findings == [] and request is not None
    assert (request.resource, request.requester, request.reason) == (
        "prod-db-readonly",
        "alice",
        reason,
    )


def test_an_invalid_request_is_reported_and_nothing_is_pushed(world: World) -> None:
    ran = world.jit("request", "prod-db-readonly", "--duration", "9h", "--reason", "r",
                    "--ticket", "nope")  # fmt: skip
    assert ran.code == 1
    assert "9h exceeds the 4h maximum" in ran.err and "ticket 'nope' does not match" in ran.err
    assert "without extra text\njit check: 1 request" in ran.err
    assert "no pull request was opened" in ran.err
    assert list((world.clone / "requests" / "alice").glob("*-2*.yaml")) == []
    assert world.github.pulls == {}
    assert git(world.remote.path, "branch", "--list", "jit/*") == ""


def test_a_name_already_taken_is_a_usage_error(world: World) -> None:
    ran = world.jit(*ARGS, "--reason", REASON, "--name", "incident-4711")
    assert ran.code == 2
    assert "already exists" in ran.err
    bad = world.jit(*ARGS, "--reason", REASON, "--name", "Bad.Name")
    assert bad.code == 2 and "lowercase letters" in bad.err


def test_a_refused_push_loses_nothing(world: World) -> None:
    world.remote.reject_pushes()
    ran = world.jit(*ARGS, "--reason", REASON)
    assert ran.code == 4
    assert "pushing the branch jit/alice/" in ran.err
    kept = list(Path(world.clone / "requests" / "alice").glob("inc-4711-*.yaml"))
    assert len(kept) == 1 and REASON in kept[0].read_text()
    assert world.github.pulls == {}


def test_a_resource_without_auto_approval_or_ticket(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("jit.cli.requester._interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("45m\nRotate the key\n"))
    ran = world.jit("request", "payments-secrets-read", "--dry-run")
    assert ran.code == 0, ran.err
    assert "Ticket" not in ran.err
    assert "stage 1: 1 of acme/payments-leads or erin" in ran.out
    assert "Unless" not in ran.out


def test_a_failure_opening_the_pr_says_where_the_branch_is(world: World) -> None:
    world.github.fail_next("POST", "/repos/acme/access/pulls", status=502)
    ran = world.jit(*ARGS, "--reason", REASON)
    assert ran.code == 4
    assert "The branch jit/alice/inc-4711-" in ran.err and "was pushed" in ran.err
    assert world.github.count("POST", "/repos/acme/access/pulls") == 1  # never retried
    assert (
        git(world.remote.path, "branch", "--list", "jit/*")
        .strip()
        .startswith("jit/alice/inc-4711-")
    )


def test_text_that_is_not_utf8_is_a_usage_error(world: World) -> None:
    ran = world.jit(*ARGS, "--reason", "bad \udcff byte", "--dry-run")
    assert ran.code == 2
    assert "not valid UTF-8" in ran.err


def test_a_login_that_is_not_a_login_names_no_directory(world: World) -> None:
    world.github.add_token("ghp_oddLogin00000000001", "../../policies")
    ran = world.jit(*ARGS, "--reason", REASON, "--dry-run", token="ghp_oddLogin00000000001")
    assert ran.code == 1
    assert "which is not a GitHub login" in ran.err
    assert sorted(p.name for p in (world.clone / "policies").iterdir()) == sorted(
        p.name for p in (world.remote.work / "policies").iterdir()
    )


def test_dry_run_keeps_an_invalid_file_to_fix(world: World) -> None:
    ran = world.jit("request", "prod-db-readonly", "--duration", "9h", "--reason", "r",
                    "--ticket", "INC-1", "--dry-run", "--name", "too-long")  # fmt: skip
    assert ran.code == 1
    assert "9h exceeds the 4h maximum" in ran.err and "file was removed" not in ran.err
    assert "duration: 9h" in (world.clone / "requests/alice/too-long.yaml").read_text()


def test_a_resource_without_approval_stages(world: World) -> None:
    ran = world.jit("request", "prod-eu-view", "--duration", "1h", "--reason", "Look around",
                    "--dry-run")  # fmt: skip
    assert ran.code == 0, ran.err
    assert ran.out.endswith(
        "Who must approve:\n  nobody can: prod-eu-view is granted only by auto-approval\n"
        "Auto-approval (the PR check decides, with team memberships):\n  for acme/engineering\n"
    )
