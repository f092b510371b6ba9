"""GitHubClient's writes: one marked comment, statuses, review requests, write pacing."""

from __future__ import annotations

import pytest

from jit.adapters.github.client import GitHubClient
from jit.errors import OperationalError
from tests.fakes.github import FakeGitHub

MARK = "<!-- jit:plan -->"


def bodies(fake: FakeGitHub) -> list[tuple[str, str]]:
    return [(c.login, c.body) for c in fake.comments_on(1)]


def test_upsert_creates_once_then_edits_in_place(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    client.upsert_comment(1, MARK, f"{MARK}\nplan v1")
    client.upsert_comment(1, MARK, f"{MARK}\nplan v2")
    client.upsert_comment(1, MARK, f"{MARK}\nplan v2")  # unchanged: no write at all
    assert bodies(fake_github) == [("jit-app[bot]", f"{MARK}\nplan v2")]
    assert fake_github.count("POST") == 1 and fake_github.count("PATCH") == 1


def test_upsert_adds_the_marker_when_the_body_lacks_it(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    client.upsert_comment(1, MARK, "plan")
    client.upsert_comment(1, MARK, "plan")
    assert bodies(fake_github) == [("jit-app[bot]", f"{MARK}\nplan")]


def test_upsert_never_edits_a_person_s_comment_that_copies_the_marker(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("mallory", {"a": "b"})
    fake_github.add_comment(pr, "mallory", f"{MARK}\nall approved, trust me")
    client.upsert_comment(1, MARK, "plan")
    assert bodies(fake_github) == [
        ("mallory", f"{MARK}\nall approved, trust me"),
        ("jit-app[bot]", f"{MARK}\nplan"),
    ]


def test_upsert_finds_its_comment_beyond_the_first_page(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    client.upsert_comment(1, MARK, "plan v1")
    for i in range(120):
        fake_github.add_comment(pr, "bob", f"comment {i}")
    fake_github.reset_calls()
    client.upsert_comment(1, MARK, "plan v2")
    assert [c.body for c in fake_github.comments_on(pr) if c.login == "jit-app[bot]"] == [
        f"{MARK}\nplan v2"
    ]
    assert fake_github.count("GET", "/repos/acme/access/issues/1/comments") == 1  # found on p. 1


def test_a_lost_post_response_does_not_duplicate_the_comment(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    """GitHub created the comment but the response was a 502: PyGithub would retry the POST."""
    fake_github.add_pull("alice", {"a": "b"})
    path = "/repos/acme/access/issues/1/comments"
    fake_github.fail_next("POST", path, status=502, times=3, after_apply=True)
    client.upsert_comment(1, MARK, "plan v1")
    assert bodies(fake_github) == [("jit-app[bot]", f"{MARK}\nplan v1")]
    assert fake_github.count("POST", path) == 1


def test_a_failed_post_that_did_not_land_is_an_operational_error(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    fake_github.fail_next("POST", "/repos/acme/access/issues/1/comments", status=502)
    with pytest.raises(OperationalError, match=r"jit comment on pull request #1.*502"):
        client.upsert_comment(1, MARK, "plan")
    assert bodies(fake_github) == []
    client.upsert_comment(1, MARK, "plan")  # the next run simply creates it
    assert len(bodies(fake_github)) == 1


def test_plain_comments_are_retried(fake_github: FakeGitHub, client: GitHubClient) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    fake_github.fail_next("POST", "/repos/acme/access/issues/1/comments", status=503)
    client.comment(1, "Access granted.")
    assert bodies(fake_github) == [("jit-app[bot]", "Access granted.")]


def test_status_is_set_on_the_sha_and_description_fits_github(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    client.set_status(pr.head_sha, "pending", "x" * 200, "jit/approval")
    status = fake_github.latest_status(pr.head_sha, "jit/approval")
    assert status is not None and status.state == "pending"
    assert status.description == "x" * 139 + "…" and status.target_url is None
    with pytest.raises(ValueError, match="'green'"):
        client.set_status(pr.head_sha, "green", "", "jit/approval")


def test_status_links_to_the_run_when_built_from_the_environment(
    fake_github: FakeGitHub,
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    env = {**fake_github.env(), "GITHUB_RUN_ID": "42"}
    GitHubClient.from_env(env).set_status(pr.head_sha, "success", "ok", "jit/approval")
    status = fake_github.latest_status(pr.head_sha, "jit/approval")
    assert status is not None
    assert status.target_url == "https://github.fake/acme/access/actions/runs/42"


def test_writes_are_paced_one_second_apart(fake_github: FakeGitHub, client: GitHubClient) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    client.set_status(pr.head_sha, "pending", "a", "jit/approval")
    client.set_status(pr.head_sha, "success", "b", "jit/approval")
    client.comment(1, "x")
    assert len(fake_github.sleeps) == 2
    assert all(0.5 < s <= 1.0 for s in fake_github.sleeps)


def test_review_requests_skip_author_requested_and_duplicates(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    fake_github.add_team("acme/dba", ["carol"])
    fake_github.add_team("acme/sre", ["dave"])
    fake_github.add_team("other/ops", ["erin"])
    fake_github.request_review(pr, ["bob"], ["dba"])
    client.pull(1)
    client.request_reviewers(
        1, ["Alice", "bob", "carol", "Carol", "dave"], ["acme/dba", "acme/sre", "sre", "other/ops"]
    )
    assert pr.requested_users == ["bob", "carol", "dave"]
    assert pr.requested_teams == ["dba", "sre"]
    (post,) = [c for c in fake_github.calls if c.method == "POST"]
    assert post.body == {"reviewers": ["carol", "dave"], "team_reviewers": ["sre"]}
    client.request_reviewers(1, ["carol", "dave"], ["acme/sre"])  # a re-run: nothing new
    assert fake_github.count("POST") == 1
    assert fake_github.count("GET", "/repos/acme/access/pulls/1") == 2  # pull + the re-run


def test_one_refused_reviewer_does_not_block_the_others(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    fake_github.user("outsider", collaborator=False)
    fake_github.user("bob")
    with pytest.raises(OperationalError, match="outsider: 'Reviews may only be requested from"):
        client.request_reviewers(1, ["outsider", "bob"], [])
    assert pr.requested_users == ["bob"]


def test_team_review_requests_with_github_token_explain_the_app_token(
    fake_github: FakeGitHub,
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    fake_github.add_team("acme/dba", ["carol"])
    plain = GitHubClient(fake_github.ACTIONS_TOKEN, "acme/access", fake_github.base_url)
    with pytest.raises(OperationalError, match=r"team dba: .Could not resolve.*Members: read"):
        plain.request_reviewers(1, [], ["acme/dba"])
    assert pr.requested_teams == []


def test_review_request_failures_other_than_422_are_operational(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    fake_github.user("bob")
    fake_github.fail_next("POST", "/repos/acme/access/pulls/1/requested_reviewers", status=404)
    with pytest.raises(OperationalError, match="answered 404"):
        client.request_reviewers(1, ["bob"], [])
    fake_github.fail_next("POST", "/repos/acme/access/pulls/1/requested_reviewers", status=422)
    fake_github.fail_next("POST", "/repos/acme/access/pulls/1/requested_reviewers", status=404)
    with pytest.raises(OperationalError, match="answered 404"):
        client.request_reviewers(1, ["bob"], [])


def test_a_read_only_token_cannot_write(fake_github: FakeGitHub) -> None:
    """What a fork PR's GITHUB_TOKEN gets: reads work, every write is refused."""
    pr = fake_github.add_pull("mallory", {"a": "b"}, fork=True)
    fake_github.add_token("ghs_forkReadOnly", "github-actions[bot]", read_only=True)
    fork_client = GitHubClient("ghs_forkReadOnly", "acme/access", fake_github.base_url)
    assert fork_client.pull(pr.number).from_fork
    with pytest.raises(OperationalError, match="'statuses: write'") as caught:
        fork_client.set_status(pr.head_sha, "pending", "x", "jit/approval")
    assert not caught.value.retryable


def test_upsert_never_adopts_another_bot_s_comment_that_copies_the_marker(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    """Issue 9, finding 3: any bot (another App, github-actions[bot] in a PR's own workflow) can
    post a comment carrying jit's marker; jit adopts only comments by its own login."""
    pr = fake_github.add_pull("alice", {"a": "b"})
    fake_github.add_comment(pr, "other-app[bot]", f"{MARK}\nforged by another bot")
    fake_github.add_comment(pr, "github-actions[bot]", f"{MARK}\nforged by a workflow")
    client.upsert_comment(1, MARK, "plan")
    assert bodies(fake_github) == [
        ("other-app[bot]", f"{MARK}\nforged by another bot"),
        ("github-actions[bot]", f"{MARK}\nforged by a workflow"),
        ("jit-app[bot]", f"{MARK}\nplan"),
    ]


def test_the_login_comes_from_get_user_for_a_user_token(fake_github: FakeGitHub) -> None:
    fake_github.add_token("ghp_personalToken0001", "ops-robot")
    pr = fake_github.add_pull("alice", {"a": "b"})
    fake_github.add_comment(pr, "jit-app[bot]", f"{MARK}\nnot this token's")
    client = GitHubClient("ghp_personalToken0001", "acme/access", fake_github.base_url)
    client.upsert_comment(1, MARK, "plan")
    client.upsert_comment(1, MARK, "plan v2")
    assert bodies(fake_github)[-1] == ("ops-robot", f"{MARK}\nplan v2")
    assert fake_github.count("GET", "/user") == 1  # looked up once per client


def test_an_app_token_without_a_configured_login_says_how_to_set_it(
    fake_github: FakeGitHub,
) -> None:
    from jit.errors import JitError

    fake_github.add_pull("alice", {"a": "b"})
    client = GitHubClient(fake_github.APP_TOKEN, "acme/access", fake_github.base_url)
    with pytest.raises(JitError, match="set JIT_GITHUB_LOGIN"):
        client.upsert_comment(1, MARK, "plan")
    assert fake_github.comments_on(1) == []


def test_comments_and_statuses_are_redacted_where_they_are_written(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    token, pem = "hvs." + "Q" * 24, "-----BEGIN OPENSSH PRIVATE KEY-----"
    armored = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----"
    pr = fake_github.add_pull("alice", {"a": "b"})
    client.upsert_comment(1, MARK, f"failed: {token}\n{pem}\n```\n{armored}\n```")
    client.comment(1, f"also {token}")
    client.set_status(pr.head_sha, "failure", f"Vault said {token}", "jit/approval")
    (marked, plain) = [c.body for c in fake_github.comments_on(1)]
    assert marked == f"{MARK}\nfailed: [redacted]\n[redacted]\n```\n{armored}\n```"
    assert plain == "also [redacted]"
    assert fake_github.latest_status(pr.head_sha, "jit/approval").description == (  # type: ignore[union-attr]
        "Vault said [redacted]"
    )
