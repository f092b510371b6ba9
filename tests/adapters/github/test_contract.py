"""The contract test: drive the fake through the product's own PyGithub calls (every
``GitHubPort`` method of ``GitHubClient``), then check every response body the fake sent
against the matching operation in ``../shared/contracts/github/rest-api.openapi.json``."""

from __future__ import annotations

import pytest
from github import Auth, Github

from jit.adapters.github.client import GitHubClient
from jit.ports import GitHubPort
from tests.contracts import github_response_validator, github_spec, path_template
from tests.fakes.github import FakeGitHub
from tests.fakes.github_http import Call
from tests.fakes.github_state import Submodule, Symlink


@pytest.fixture(autouse=True)
def _spec() -> None:
    github_spec()  # skips (or fails under JIT_REQUIRE_CONTRACTS=1) without the contracts


def documented_schema(call: Call) -> bool:
    """Whether the spec documents a JSON body for this call's status."""
    try:
        github_response_validator(call.method, call.path, call.status)
    except LookupError:
        return False
    return True


def check_all(calls: list[Call]) -> set[str]:
    """Validate every response; 2xx must be documented. Returns the operations covered."""
    covered = set()
    for call in calls:
        if call.status == 204:
            continue
        if call.status < 300 or documented_schema(call):
            github_response_validator(call.method, call.path, call.status)(call.response)
            covered.add(f"{call.method} {path_template(call.path, call.method)} {call.status}")
    return covered


def scenario(fake: FakeGitHub, port: GitHubPort) -> None:
    """Every port method, over data shaped like a real request PR's life."""
    fake.user("alice", keys=["ssh-ed25519 AAAAC3Nza alice@laptop"])
    fake.add_team("acme/dba", ["carol"], pending=["dave"])
    fake.commit_to_main({"requests/bob/old.yaml": "resource: db\n", "bin": b"\xff\x00"})
    pr = fake.add_pull(
        "alice",
        {
            "requests/alice/db.yaml": "resource: db\nduration: 1h\n",
            "requests/bob/old.yaml": None,
            "requests/alice/moved.yaml": "resource: db\n",  # renamed from bob/old.yaml
            "link.yaml": Symlink("README.md"),
            "dangling": Symlink("../outside"),
            "vendor/lib": Submodule("https://example.test/lib.git"),
            "bin": b"\xff\x01",
        },
    )
    fake.add_review(pr, "bob", "COMMENTED")
    fake.add_review(pr, "carol", "APPROVED")
    fake.add_review(pr, "erin", "CHANGES_REQUESTED")
    fake.dismiss_review(pr, fake.add_review(pr, "frank", "APPROVED"))
    port.pull(pr.number)
    port.pull_files(pr.number)
    port.reviews(pr.number)
    fake.push(pr, {"requests/alice/db.yaml": "resource: db\nduration: 2h\n"}, by="dave")
    port.pull_pushers(pr.number)
    port.active_team_members("acme/dba", ["carol", "dave", "zed"])
    for path in ("requests/alice/db.yaml", "link.yaml", "dangling", "vendor/lib", "requests", "x"):
        port.file_at(path, pr.head_sha)
    port.upsert_comment(pr.number, "<!-- jit:plan -->", "plan v1")
    port.upsert_comment(pr.number, "<!-- jit:plan -->", "plan v2")
    port.comment(pr.number, "Access granted.")
    port.set_status(pr.head_sha, "pending", "1 approval missing", "jit/approval")
    port.request_reviewers(pr.number, ["bob"], ["acme/dba"])
    port.ssh_keys("alice")
    port.ssh_keys("nobody")
    port.pulls_for_commit(pr.head_sha)
    merge = fake.merge(pr)
    port.pull(pr.number)
    port.pulls_for_commit(merge)
    fork = fake.add_pull("mallory", {"requests/mallory/x.yaml": "resource: db\n"}, fork=True)
    port.pull(fork.number)
    port.open_pull_for_head(fork.head_sha)


def test_every_adapter_response_matches_the_spec(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    scenario(fake_github, client)
    covered = check_all(fake_github.calls)
    assert {
        "GET /repos/{owner}/{repo}/pulls/{pull_number} 200",
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/files 200",
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200",
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits 200",
        "GET /orgs/{org}/teams/{team_slug} 200",
        "GET /teams/{team_id}/memberships/{username} 200",
        "GET /repos/{owner}/{repo}/contents/{path} 200",
        "GET /repos/{owner}/{repo}/contents/{path} 404",
        "GET /repos/{owner}/{repo}/issues/{issue_number}/comments 200",
        "POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201",
        "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id} 200",
        "POST /repos/{owner}/{repo}/statuses/{sha} 201",
        "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers 201",
        "GET /users/{username}/keys 200",
        "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls 200",
        "GET /repos/{owner}/{repo}/pulls 200",
    } <= covered


def test_fake_only_routes_match_the_spec(fake_github: FakeGitHub) -> None:
    """Routes the adapter does not use today but PyGithub users of the fake do."""
    pr = fake_github.add_pull("alice", {"requests/alice/db.yaml": "resource: db\n"})
    review = fake_github.add_review(pr, "carol")
    fake_github.add_team("acme/dba", ["carol"])
    fake_github.request_review(pr, ["bob"], ["dba"])
    gh = Github(
        auth=Auth.Token(fake_github.APP_TOKEN),
        base_url=fake_github.base_url,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    repo = gh.get_repo("acme/access")
    pull = repo.get_pull(pr.number)
    users, teams = pull.get_review_requests()
    assert [u.login for u in users] == ["bob"] and [t.slug for t in teams] == ["dba"]
    assert [c.sha for c in pull.get_commits()] == [pr.head_sha]
    commit = repo.get_commit(pr.head_sha)
    commit.create_status("success", description="ok", context="jit/approval")
    assert [s.state for s in commit.get_statuses()] == ["success"]
    pull.get_review(review.id).dismiss("stale")
    org = gh.get_organization("acme")
    team = org.get_team_by_slug("dba")
    assert team.has_in_members(gh.get_user("carol"))
    assert org.get_team(team.id).slug == "dba"
    comment = pull.create_issue_comment("hello")
    assert repo.get_issue(pr.number).get_comment(comment.id).body == "hello"
    comment.delete()
    check_all(fake_github.calls)
    assert fake_github.count("GET", "/repos/acme/access") == 1


def test_the_validator_rejects_what_github_would_not_send(fake_github: FakeGitHub) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    body = fake_github.render_pull(pr, simple=False)
    validate = github_response_validator("GET", "/repos/acme/access/pulls/1", 200)
    validate(body)
    for broken in (
        {k: v for k, v in body.items() if k != "head"},  # a required field missing
        {**body, "state": "merged"},  # outside the enum
        {**body, "user": None},  # not nullable here
        {**body, "head": {**body["head"], "repo": {**body["head"]["repo"], "owner": {"login": 1}}}},
        {**body, "created_at": "yesterday"},  # not a date-time
    ):
        with pytest.raises(AssertionError, match="pulls"):
            validate(broken)
    validate({**body, "merged_by": None, "closed_at": None})  # nullable here


def test_paths_outside_the_spec_are_reported() -> None:
    with pytest.raises(LookupError, match="no operation"):
        path_template("/no/such/thing")
    with pytest.raises(LookupError, match="no operation"):
        path_template("/repos/o/r/statuses/abc", "DELETE")
    assert (
        path_template("/repos/o/r/statuses/abc", "GET")
        == "/repos/{owner}/{repo}/commits/{ref}/statuses"
    )
    assert (
        path_template("/repos/o/r/statuses/abc", "POST") == "/repos/{owner}/{repo}/statuses/{sha}"
    )
    with pytest.raises(LookupError, match="has no DELETE"):
        github_response_validator("DELETE", "/repos/{owner}/{repo}/pulls/{pull_number}", 200)
    with pytest.raises(LookupError, match="no 418 response"):
        github_response_validator("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", 418)
    assert (
        path_template("/organizations/1/team/2/memberships/x")
        == "/teams/{team_id}/memberships/{username}"
    )
    assert (
        path_template("/repos/o/r/contents/a/b/c.yaml?ref=x")
        == "/repos/{owner}/{repo}/contents/{path}"
    )


def test_the_requester_calls_match_the_spec(fake_github: FakeGitHub) -> None:
    """``RequesterClient`` (jit resources, request, status, release) against the fake, and
    the fake's ``POST /pulls`` answers (201, and GitHub's 422s) against the spec."""
    from jit.adapters.github.requester import RequesterClient
    from jit.errors import JitError

    fake_github.add_token("ghp_aliceContract000001", "alice", org_scope=True)
    fake_github.add_token("ghp_aliceNoOrg0000000001", "alice")
    fake_github.add_team("acme/dba", ["alice"])
    fake_github.repo.branches["jit/alice/x"] = fake_github.add_pull(
        "bob", {"requests/alice/x.yaml": "resource: db\n"}
    ).head_sha
    port = RequesterClient("ghp_aliceContract000001", "acme/access", fake_github.base_url)
    assert port.login() == "alice"
    assert port.team_access("acme/dba", "alice") is True
    refused = RequesterClient("ghp_aliceNoOrg0000000001", "acme/access", fake_github.base_url)
    assert refused.team_access("acme/dba", "alice") == 403
    opened = port.create_pull("Access request", "body", "jit/alice/x", "main")
    assert opened.author == "alice" and opened.state == "open"
    with pytest.raises(JitError, match=r"refused it \(A pull request already exists for acme:jit"):
        port.create_pull("Again", "body", "jit/alice/x", "main")
    with pytest.raises(JitError, match=r"refused it \(head: invalid\)"):
        port.create_pull("Nowhere", "body", "jit/alice/nowhere", "main")
    fake_github.repo.branches["same"] = fake_github.main_sha
    with pytest.raises(JitError, match="No commits between main and same"):
        port.create_pull("Empty", "body", "same", "main")
    assert [p.number for p in port.open_pulls_by("ALICE")] == [opened.number]
    assert port.approval_status(opened.head_sha, "jit/approval") is None
    covered = check_all(fake_github.calls)
    assert {"POST /repos/{owner}/{repo}/pulls 201", "GET /user 200"} <= covered
