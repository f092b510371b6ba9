"""Retries on 5xx and rate limits within a bounded total wait, errors without secrets, and
building the client from the Actions environment. Waits are recorded, never slept."""

from __future__ import annotations

import pytest

from jit.adapters.github.client import GitHubClient
from jit.errors import JitError, OperationalError
from tests.fakes.github import FakeGitHub

PULL = "/repos/acme/access/pulls/1"


def test_server_errors_are_retried_with_backoff(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    fake_github.fail_next("GET", PULL, status=502, times=3)
    assert client.pull(1).author == "alice"
    assert fake_github.count("GET", PULL) == 4
    assert fake_github.sleeps == [2.0, 4.0]  # the first retry goes at once


def test_retries_stop_after_retry_total(fake_github: FakeGitHub) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    client = GitHubClient(fake_github.APP_TOKEN, "acme/access", fake_github.base_url,
                          retry_total=2)  # fmt: skip
    fake_github.fail_next("GET", PULL, status=500, times=10)
    with pytest.raises(OperationalError, match=r"answered 500.*also after retries") as caught:
        client.pull(1)
    assert caught.value.retryable
    assert fake_github.count("GET", PULL) == 3


def test_the_total_wait_is_bounded_by_max_wait_seconds(fake_github: FakeGitHub) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    client = GitHubClient(fake_github.APP_TOKEN, "acme/access", fake_github.base_url,
                          retry_total=10, max_wait_seconds=7)  # fmt: skip
    fake_github.fail_next("GET", PULL, status=503, times=10)
    with pytest.raises(OperationalError, match="retry budget of 7s"):
        client.pull(1)
    assert fake_github.sleeps == [2.0, 4.0]  # another 8s would pass 7s in all
    assert sum(fake_github.sleeps) <= 7
    fake_github.faults.clear()
    fake_github.fail_next("GET", PULL, status=503, times=2)
    with pytest.raises(OperationalError, match="retry budget"):  # the budget is per client
        client.pull(1)


def test_primary_rate_limit_waits_for_the_reset(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    fake_github.rate_limit_next("GET", PULL, reset_in=10)
    assert client.pull(1).author == "alice"
    (wait,) = fake_github.sleeps
    assert 9 <= wait <= 12  # until X-RateLimit-Reset, plus a second


def test_a_rate_limit_resetting_too_late_is_not_waited_for(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    fake_github.rate_limit_next("GET", PULL, reset_in=3600)
    with pytest.raises(OperationalError, match="rate limit is exhausted") as caught:
        client.pull(1)
    assert caught.value.retryable and fake_github.sleeps == []


def test_secondary_rate_limits_honour_retry_after(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    fake_github.rate_limit_next("GET", PULL, secondary=True, retry_after=5)
    fake_github.rate_limit_next("GET", PULL, secondary=True, status=429, retry_after=3)
    assert client.pull(1).author == "alice"
    assert fake_github.sleeps == [5, 3]


def test_secondary_rate_limits_without_retry_after_wait_a_minute(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    fake_github.rate_limit_next("GET", PULL, secondary=True)
    assert client.pull(1).author == "alice"
    assert fake_github.sleeps == [60]


def test_a_plain_403_is_not_retried(fake_github: FakeGitHub, client: GitHubClient) -> None:
    fake_github.add_pull("alice", {"a": "b"})
    fake_github.fail_next("GET", PULL, status=403, message="Must have admin rights")
    with pytest.raises(OperationalError, match="'Must have admin rights'") as caught:
        client.pull(1)
    assert not caught.value.retryable and fake_github.count("GET", PULL) == 1


def test_bad_credentials_name_the_variable_not_the_token(fake_github: FakeGitHub) -> None:
    client = GitHubClient("ghs_leakedSecretValue", "acme/access", fake_github.base_url)
    with pytest.raises(OperationalError, match="GITHUB_TOKEN") as caught:
        client.pull(1)
    assert "ghs_leakedSecretValue" not in str(caught.value)
    assert not caught.value.retryable


def test_an_unreachable_api_is_operational(fake_github: FakeGitHub) -> None:
    client = GitHubClient(fake_github.APP_TOKEN, "acme/access", "https://nowhere.fake/api/v3")
    with pytest.raises(OperationalError, match=r"could not reach GitHub.*GITHUB_API_URL"):
        client.pull(1)


def test_missing_objects_are_operational_errors(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    with pytest.raises(OperationalError, match="pull request #9: GitHub answered 404"):
        client.pull(9)


def test_from_env_prefers_the_app_token(fake_github: FakeGitHub) -> None:
    fake_github.add_team("acme/dba", ["carol"])
    env = {**fake_github.env(fake_github.ACTIONS_TOKEN), "JIT_GITHUB_TOKEN": fake_github.APP_TOKEN}
    assert GitHubClient.from_env(env).active_team_members("acme/dba", ["carol"]) == {"carol"}
    env = fake_github.env(fake_github.ACTIONS_TOKEN)
    with pytest.raises(JitError, match="actions/create-github-app-token"):
        GitHubClient.from_env(env).active_team_members("acme/dba", ["carol"])


def test_from_env_requires_token_and_repository() -> None:
    with pytest.raises(JitError, match="No GitHub token"):
        GitHubClient.from_env({"GITHUB_REPOSITORY": "acme/access"})
    with pytest.raises(JitError, match="GITHUB_REPOSITORY is not set"):
        GitHubClient.from_env({"GITHUB_TOKEN": "t"})
    with pytest.raises(JitError, match="'owner/name'"):
        GitHubClient.from_env({"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "acme"})
    client = GitHubClient.from_env({"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "acme/access"})
    assert client.repository == "acme/access"


def test_a_large_pr_takes_a_bounded_number_of_calls(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    """What one ``jit pr`` run asks for a PR with 100 request files and two team stages."""
    fake_github.add_team("acme/dba", ["carol", "dave"])
    fake_github.add_team("acme/sre", ["erin"])
    files = {f"requests/alice/r{i:03}.yaml": f"resource: r{i}\n" for i in range(100)}
    pr = fake_github.add_pull("alice", files)
    for login in ("carol", "dave", "erin", "bob"):
        fake_github.add_review(pr, login)
    fake_github.user("frank")
    client.pull(1)
    for f in client.pull_files(1):
        client.file_at(f.filename, pr.head_sha)
    logins = [r.login for r in client.reviews(1)]
    client.active_team_members("acme/dba", logins)
    client.active_team_members("acme/sre", logins)
    client.upsert_comment(1, "<!-- jit:plan -->", "plan")
    client.set_status(pr.head_sha, "pending", "waiting", "jit/approval")
    client.request_reviewers(1, ["frank"], ["acme/sre"])
    # 1 pull + 1 files page + 100 contents + 1 reviews + 2 teams + 8 memberships
    # + 1 comments page + 1 comment + 1 status + 1 review request
    assert len(fake_github.calls) == 117
    assert fake_github.count("GET", "/repos/acme/access/contents/*") == 100
