"""Event payloads built for the fake validate against the spec's ``x-webhooks`` schemas and
agree with the fake's state."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contracts import contract_webhook_examples, github_webhook_validator, webhook_examples
from tests.fakes.events import Events
from tests.fakes.github import FakeGitHub


@pytest.fixture
def events(fake_github: FakeGitHub) -> Events:
    return Events(fake_github)


@pytest.mark.parametrize(
    "action", ["opened", "synchronize", "reopened", "ready_for_review", "edited"]
)
def test_pull_request_events(fake_github: FakeGitHub, events: Events, action: str) -> None:
    pr = fake_github.add_pull("alice", {"requests/alice/db.yaml": "resource: db\n"}, draft=True)
    before = pr.head_sha
    fake_github.push(pr, {"requests/alice/db.yaml": "resource: db\nduration: 1h\n"})
    fake_github.request_review(pr, ["carol"])
    payload = events.pull_request(pr, action, before=before)
    github_webhook_validator(f"pull-request-{action.replace('_', '-')}")(payload)
    pull = payload["pull_request"]
    assert (payload["action"], payload["number"], pull["number"]) == (action, 1, 1)
    assert (pull["user"]["login"], pull["head"]["sha"], pull["base"]["ref"]) == (
        "alice",
        pr.head_sha,
        "main",
    )
    assert pull["head"]["repo"]["full_name"] == "acme/access" and pull["draft"] is True
    assert [u["login"] for u in pull["requested_reviewers"]] == ["carol"]
    assert payload["repository"]["default_branch"] == "main"
    assert payload["repository"]["url"].startswith("https://github.fake/api/v3/repos/acme/access")
    if action == "synchronize":
        assert (payload["before"], payload["after"]) == (before, pr.head_sha)


def test_merged_closed_event(fake_github: FakeGitHub, events: Events) -> None:
    pr = fake_github.add_pull("alice", {"requests/alice/db.yaml": "resource: db\n"})
    merge = fake_github.merge(pr, by="carol")
    payload = events.pull_request(pr, "closed")
    github_webhook_validator("pull-request-closed")(payload)
    pull = payload["pull_request"]
    assert (pull["merged"], pull["merge_commit_sha"], pull["state"]) == (True, merge, "closed")
    assert pull["merged_by"]["login"] == "carol" and payload["sender"]["login"] == "carol"


def test_fork_pull_request_event(fake_github: FakeGitHub, events: Events) -> None:
    pr = fake_github.add_pull("mallory", {"requests/mallory/x.yaml": "resource: db\n"}, fork=True)
    payload = events.pull_request(pr, "opened")
    github_webhook_validator("pull-request-opened")(payload)
    head = payload["pull_request"]["head"]
    assert (head["repo"]["full_name"], head["repo"]["fork"]) == ("mallory/access", True)
    assert head["label"] == f"mallory:{pr.head_ref}"


@pytest.mark.parametrize(
    ("state", "action"),
    [("APPROVED", "submitted"), ("CHANGES_REQUESTED", "submitted"), ("DISMISSED", "dismissed")],
)
def test_review_events(fake_github: FakeGitHub, events: Events, state: str, action: str) -> None:
    pr = fake_github.add_pull("alice", {"requests/alice/db.yaml": "resource: db\n"})
    review = fake_github.add_review(pr, "carol", state)
    payload = events.review(pr, review, action)
    github_webhook_validator(f"pull-request-review-{action}")(payload)
    shown = payload["review"]
    assert (shown["state"], shown["commit_id"], shown["user"]["login"]) == (
        state.lower(),
        pr.head_sha,
        "carol",
    )
    assert payload["pull_request"]["number"] == pr.number


def test_push_to_main_after_a_merge(fake_github: FakeGitHub, events: Events) -> None:
    before = fake_github.main_sha
    pr = fake_github.add_pull("alice", {"requests/alice/db.yaml": "resource: db\n"})
    merge = fake_github.merge(pr)
    payload = events.push(before, merge)
    github_webhook_validator("push")(payload)
    assert (payload["ref"], payload["before"], payload["after"]) == (
        "refs/heads/main",
        before,
        merge,
    )
    assert [c["id"] for c in payload["commits"]] == [pr.head_sha, merge]
    assert payload["commits"][0]["added"] == ["requests/alice/db.yaml"]
    assert payload["head_commit"]["id"] == merge


def test_workflow_dispatch_schedule_and_workflow_run(
    fake_github: FakeGitHub, events: Events
) -> None:
    payload = events.workflow_dispatch({"dry_run": "true"})
    github_webhook_validator("workflow-dispatch")(payload)
    assert payload["inputs"] == {"dry_run": "true"} and payload["ref"] == "refs/heads/main"
    assert events.schedule("0 * * * *") == {"schedule": "0 * * * *"}
    pr = fake_github.add_pull("alice", {"a": "b"})
    run = events.workflow_run(pr)
    github_webhook_validator("workflow-run-completed")(run)
    assert run["workflow_run"]["pull_requests"][0]["number"] == pr.number
    assert run["workflow_run"]["head_sha"] == pr.head_sha
    fork = fake_github.add_pull("mallory", {"a": "c"}, fork=True)
    fork_run = events.workflow_run(fork)
    github_webhook_validator("workflow-run-completed")(fork_run)
    assert fork_run["workflow_run"]["pull_requests"] == []
    assert fork_run["workflow_run"]["head_repository"]["full_name"] == "mallory/access"


def test_event_file_and_environment(
    fake_github: FakeGitHub, events: Events, tmp_path: Path
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    path = events.write(tmp_path, events.pull_request(pr))
    env = events.env("pull_request", path, pr=pr, summary=tmp_path / "summary.md")
    assert env["GITHUB_EVENT_PATH"] == str(path) and env["GITHUB_REF"] == "refs/pull/1/merge"
    assert env["GITHUB_SHA"] != pr.head_sha and env["GITHUB_API_URL"] == fake_github.base_url
    assert env["GITHUB_STEP_SUMMARY"].endswith("summary.md")
    target = events.env("pull_request_target", path, pr=pr)
    assert target["GITHUB_SHA"] == fake_github.main_sha


def test_vendored_webhook_examples_are_the_contracts_own() -> None:
    """Each vendored example is, byte for byte as JSON, an example in the contracts' file:
    the copy cannot drift from GitHub's real payloads."""
    vendored = webhook_examples()
    real = contract_webhook_examples()
    assert set(vendored) == {
        "pull_request",
        "pull_request_review",
        "push",
        "workflow_dispatch",
        "workflow_run",
    }
    for event, examples in vendored.items():
        assert examples, event
        for example in examples:
            assert example in real[event], f"a vendored {event} example is not in the contracts"
