"""``jit pr`` across runs and triggers: no duplicate comment or review request, drafts, forks,
events it does not handle, GitHub failures, and the API-call budget of a large PR."""

from __future__ import annotations

import math

import pytest

from tests.pr.conftest import POLICY, World, request

PATH = "requests/alice/incident-4711.yaml"
COMMENTS = "/repos/acme/access/issues/1/comments"
REVIEW_REQUESTS = "/repos/acme/access/pulls/1/requested_reviewers"


def test_one_plan_comment_across_three_runs_even_when_a_post_is_lost(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    world.fake.add_comment(pr, "mallory", "<!-- jit:plan --> fake plan by a person")
    world.fake.fail_next("POST", COMMENTS, status=502, after_apply=True)  # created, answer lost
    assert world.opened(pr).code == 0
    world.fake.add_review(pr, "bob")
    assert world.reviewed(pr).code == 0
    world.fake.add_review(pr, "carol")
    assert world.reviewed(pr).code == 0
    assert len(world.plan_comments(pr)) == 2  # the person's, untouched, and jit's one
    ours = [c for c in world.plan_comments(pr) if c.login == "jit-app[bot]"]
    assert len(ours) == 1 and "✅ jit plan: ready to merge" in ours[0].body
    assert world.fake.count("POST", COMMENTS) == 1
    assert world.fake.count("PATCH", "/repos/acme/access/issues/comments/*") == 2


def test_unchanged_plan_is_not_rewritten(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    world.opened(pr)
    world.opened(pr, "edited")
    assert world.fake.count("PATCH", "/repos/acme/access/issues/comments/*") == 0


def test_nobody_is_requested_twice(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    world.opened(pr)
    world.opened(pr, "reopened")
    world.fake.add_review(pr, "zoe", "COMMENTED")  # answering clears zoe's request on GitHub
    assert pr.requested_users == []
    world.reviewed(pr)
    world.opened(pr, "edited")
    assert world.fake.count("POST", REVIEW_REQUESTS) == 1
    assert (pr.requested_users, pr.requested_teams) == ([], ["dba"])


def test_draft_is_judged_but_nobody_is_asked_until_it_is_ready(world: World) -> None:
    pr = world.open("alice", {PATH: request()}, draft=True)
    assert world.opened(pr).code == 0
    assert world.status(pr).state == "pending"
    assert "This PR is a draft" in world.plan(pr)
    assert (pr.requested_users, pr.requested_teams) == ([], [])
    world.fake.ready_for_review(pr)
    assert world.opened(pr, "ready_for_review").code == 0
    assert (pr.requested_users, pr.requested_teams) == (["zoe"], ["dba"])
    assert "This PR is a draft" not in world.plan(pr)


def test_fork_pr_under_pull_request_target_and_after_a_review(world: World) -> None:
    world.fake.add_team("acme/engineering", ["frank"])
    pr = world.open("frank", {"requests/frank/x.yaml": request("frank")}, fork=True)
    assert world.opened(pr).code == 0
    assert world.status(pr).state == "pending"
    world.fake.add_review(pr, "carol")
    payload = world.events.workflow_run(pr, event="pull_request_review")
    assert payload["workflow_run"]["pull_requests"] == []  # as GitHub sends it for forks
    result = world.run("workflow_run", payload)
    assert result.code == 0, result.err
    assert world.status(pr).state == "success"
    assert world.fake.count("GET", "/repos/acme/access/pulls") == 1


def test_workflow_run_for_a_pr_that_is_gone(world: World) -> None:
    pr = world.open("frank", {"requests/frank/x.yaml": request("frank")}, fork=True)
    payload = world.events.workflow_run(pr, event="pull_request_review")
    world.fake.close(pr)
    result = world.run("workflow_run", payload)
    assert result.code == 0
    assert "nothing to judge" in result.err
    assert world.fake.statuses == []


def test_closed_pr_is_not_judged(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    payload = world.events.workflow_run(pr, event="pull_request_review")
    world.fake.close(pr)
    result = world.run("workflow_run", payload)
    assert (result.code, world.fake.statuses) == (0, [])
    assert "#1 is closed" in result.err


def test_auto_approved_request(world: World) -> None:
    pr = world.open("olga", {"requests/olga/quick.yaml": request("olga", duration="30m")})
    assert world.opened(pr).code == 0
    assert world.status(pr).description == "Ready to merge: 1 request approved (1 automatically)."
    assert (pr.requested_users, pr.requested_teams) == ([], [])


def test_pr_without_requests_is_left_to_code_owners(world: World) -> None:
    pr = world.open("admin", {"README.md": "# better docs\n"})
    assert world.opened(pr).code == 0
    assert (
        world.status(pr).description == "No access requests in this PR; code-owner review decides."
    )
    assert "no access requests" in world.plan(pr)


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("push", {"ref": "refs/heads/main"}),
        ("pull_request_target", {"action": "closed", "pull_request": {"number": 1}}),
        ("pull_request_review", {"action": "submitted", "pull_request": {}}),
        ("workflow_run", {"action": "requested", "workflow_run": {}}),
        ("workflow_run", {"action": "completed", "workflow_run": {"pull_requests": []}}),
    ],
)
def test_events_it_does_not_handle_are_usage_errors(
    world: World, name: str, payload: dict[str, object]
) -> None:
    result = world.run(name, payload)
    assert result.code == 2
    assert result.err.startswith("Error: ")
    assert world.fake.calls == []


def test_no_event_is_a_usage_error(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    pr = world.open("alice", {PATH: request()})
    monkeypatch.setattr(world.events, "env", lambda *a, **k: {"GITHUB_EVENT_NAME": ""})
    result = world.opened(pr)
    assert result.code == 2 and "GITHUB_EVENT_NAME is not set" in result.err


def test_team_lookup_with_github_token_says_to_use_an_app_token(world: World) -> None:
    world.token = world.fake.ACTIONS_TOKEN
    pr = world.open("alice", {PATH: request()})
    result = world.opened(pr)
    assert result.code == 4
    assert "actions/create-github-app-token" in result.err and "JIT_GITHUB_TOKEN" in result.err
    status = world.status(pr)
    assert status.state == "error" and status.description.startswith("jit could not judge this PR")
    assert len(status.description) <= 140


def test_github_failing_is_operational_and_marks_the_head(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    world.fake.fail_next("GET", "/repos/acme/access/pulls/1/files", status=502, times=50)
    result = world.opened(pr)
    assert result.code == 4
    assert "Listing the files of pull request #1" in result.err
    assert world.status(pr).state == "error"


def test_api_calls_for_100_request_files_stay_within_the_budget(world: World) -> None:
    files = {f"requests/alice/r{i:03}.yaml": request(duration=f"{1 + i % 3}h") for i in range(100)}
    pr = world.open("alice", files)
    world.fake.add_review(pr, "carol")
    world.fake.add_review(pr, "bob", "COMMENTED")
    result = world.opened(pr)
    assert result.code == 0, result.err
    assert world.status(pr).state == "success"
    plan = world.plan(pr)
    assert len(plan) <= 60_000 and "full plan is in the job summary" in plan
    assert world.summary.read_text().count("<details><summary>✅ <code>requests/alice/r") == 100

    added, files_listed, reviews, commits, comments = 100, 100, 2, 1, 1
    # engineering and oncall (eligibility, auto-approval) for alice, the requester; dba (the
    # approval stage) for carol, who approved the head commit: each team once, then each login.
    team_lookups = (1 + 1) + (1 + 1) + (1 + 1)
    budget = (
        1  # the pull request
        + math.ceil(files_listed / 100)
        + added  # one contents read per added request file
        + math.ceil(reviews / 100)
        + math.ceil(commits / 100)  # who pushed to the PR
        + team_lookups
        + math.ceil(comments / 100)
        + 1  # create or edit the plan comment
        + 0  # review requests: none, every stage is met
        + 1  # the commit status
    )
    assert len(world.fake.calls) == budget == 113
    assert world.fake.count("GET", "/repos/acme/access/pulls/1/commits") == 1


def test_request_for_a_resource_whose_policy_is_broken_on_main(world: World) -> None:
    broken = (
        POLICY
        + """\
  prod-db-admin:
    description: Read-write access
    grant: {kind: vault-credentials, path: database/creds/orders-admin}
    eligible: [acme/dba]
    max_duration: 2h
    approvals: [{from: [acme/dba], count: 1}]
    ticket: '(unclosed'
"""
    )
    world.fake.commit_to_main({"policies/databases.yaml": broken})
    path = "requests/alice/admin.yaml"
    pr = world.open("alice", {path: request().replace("prod-db-readonly", "prod-db-admin")})
    result = world.opened(pr)
    assert result.code == 1
    assert "title=jit resource-policy-invalid::" in result.out
    assert "the base branch's policies have 1 error(s)" in result.err


def test_repo_that_is_not_a_directory_is_a_usage_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pr = world.open("alice", {PATH: request()})
    monkeypatch.setattr(world, "checkout", lambda: world.tmp / "missing")
    result = world.opened(pr)
    assert result.code == 2 and "is not a directory" in result.err
