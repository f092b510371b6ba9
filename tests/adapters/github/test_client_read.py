"""GitHubClient's reads against the fake: shapes, pagination, teams, contents, call counts."""

from __future__ import annotations

import pytest

from jit.adapters.github.client import GitHubClient
from jit.errors import JitError, OperationalError
from jit.ports import FileAtRef, PullFile
from tests.fakes.github import FakeGitHub
from tests.fakes.github_state import Submodule, Symlink


def test_pull_info_for_open_draft_fork_and_merged(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"requests/alice/a.yaml": "x: 1\n"}, draft=True)
    info = client.pull(pr.number)
    assert (info.author, info.head_sha, info.base_ref, info.state) == (
        "alice",
        pr.head_sha,
        "main",
        "open",
    )
    assert info.draft and not info.from_fork and not info.merged
    assert info.merge_commit_sha is None
    assert info.html_url == "https://github.fake/acme/access/pull/1"
    merge = fake_github.merge(pr)
    merged = client.pull(pr.number)
    assert (merged.state, merged.merged, merged.merge_commit_sha) == ("closed", True, merge)
    fork = fake_github.add_pull("mallory", {"requests/mallory/a.yaml": "x: 1\n"}, fork=True)
    assert client.pull(fork.number).from_fork


def test_pull_files_page_through_every_file(fake_github: FakeGitHub, client: GitHubClient) -> None:
    fake_github.commit_to_main({"requests/bob/old.yaml": "resource: db\nreason: x\n"})
    files = {f"requests/alice/r{i:03}.yaml": f"resource: r{i}\n" for i in range(250)}
    pr = fake_github.add_pull("alice", {**files, "requests/bob/old.yaml": None,
                                        "requests/bob/new.yaml": "resource: db\nreason: x\n"})  # fmt: skip
    got = client.pull_files(pr.number)
    assert len(got) == 251
    assert fake_github.count("GET", "/repos/acme/access/pulls/1/files") == 3  # 100 per page
    renamed = [f for f in got if f.status == "renamed"]
    assert renamed == [
        PullFile("requests/bob/new.yaml", "renamed", "requests/bob/old.yaml", renamed[0].sha)
    ]


def test_pull_files_refuse_a_pr_larger_than_github_lists(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {f"f{i}": b"" for i in range(3001)})
    with pytest.raises(JitError, match="3000 or more files"):
        client.pull_files(pr.number)


def test_reviews_keep_upper_case_state_commit_and_bot_flag(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    old = pr.head_sha
    fake_github.add_review(pr, "carol", "APPROVED")
    fake_github.push(pr, {"a": "c"})
    fake_github.add_review(pr, "dave", "CHANGES_REQUESTED")
    fake_github.add_review(pr, "renovate[bot]", "APPROVED")
    fake_github.user("robot", type="Bot")
    fake_github.add_review(pr, "robot", "COMMENTED")
    fake_github.add_review(pr, "erin", "PENDING")  # a draft review: not visible to the app
    got = client.reviews(pr.number)
    assert [(r.login, r.state, r.commit_id, r.is_bot) for r in got] == [
        ("carol", "APPROVED", old, False),
        ("dave", "CHANGES_REQUESTED", pr.head_sha, False),
        ("renovate[bot]", "APPROVED", pr.head_sha, True),
        ("robot", "COMMENTED", pr.head_sha, True),
    ]
    assert all(r.submitted_at is not None and r.submitted_at.tzinfo for r in got)
    assert [r.id for r in got] == sorted(r.id for r in got)


def test_pull_pushers_are_every_commits_author_and_committer_but_web_flow(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("Alice", {"a": "b"})
    fake_github.push(pr, {"a": "c"}, by="Dave")
    fake_github.push(pr, {"a": "d"}, committer="web-flow")  # edited on github.com
    fake_github.push(pr, {"a": "e"}, by="alice", committer="Erin")
    assert client.pull_pushers(pr.number) == {"alice", "dave", "erin"}
    assert fake_github.count("GET", "/repos/acme/access/pulls/1/commits") == 1


def test_pull_pushers_page_and_refuse_more_commits_than_github_lists(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"a": "0"})
    for i in range(1, 249):
        fake_github.push(pr, {"a": str(i)}, by="bob" if i == 200 else None)
    assert client.pull_pushers(pr.number) == {"alice", "bob"}  # 249 commits, 3 pages
    assert fake_github.count("GET", "/repos/acme/access/pulls/1/commits") == 3
    fake_github.push(pr, {"a": "last"})
    with pytest.raises(JitError, match="250 or more commits"):
        client.pull_pushers(pr.number)


def test_pull_pushers_of_a_missing_pr_is_an_operational_error(client: GitHubClient) -> None:
    with pytest.raises(OperationalError, match="Listing the commits of pull request #9"):
        client.pull_pushers(9)


def test_only_active_members_count_and_lookups_are_cached(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_team("acme/dba", ["carol"], pending=["dave"], maintainers=["owner1"])
    logins = ["carol", "dave", "owner1", "zed", "Carol"]
    assert client.active_team_members("acme/dba", logins) == {"carol", "owner1", "Carol"}
    calls = len(fake_github.calls)
    assert client.active_team_members("acme/dba", ["dave", "carol"]) == {"carol"}
    assert len(fake_github.calls) == calls  # cached for the run
    assert fake_github.count("GET", "/orgs/acme/teams/dba") == 1
    assert fake_github.count("GET", "/organizations/*/team/*/memberships/*") == 4


def test_team_access_without_org_scope_says_to_use_an_app_token(
    fake_github: FakeGitHub,
) -> None:
    fake_github.add_team("acme/dba", ["carol"])
    plain = GitHubClient(fake_github.ACTIONS_TOKEN, "acme/access", fake_github.base_url)
    with pytest.raises(JitError) as caught:
        plain.active_team_members("acme/dba", ["carol"])
    message = str(caught.value)
    assert "Resource not accessible by integration" in message
    assert 'Members: read"' in message and "actions/create-github-app-token" in message
    assert fake_github.ACTIONS_TOKEN not in message


def test_membership_403_after_the_team_read_is_explained_too(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fake_github.add_team("acme/dba", ["carol"])
    fake_github.fail_next("GET", "/organizations/*/team/*/memberships/carol", status=403,
                          message="Resource not accessible by integration")  # fmt: skip
    with pytest.raises(JitError, match="Members: read"):
        client.active_team_members("acme/dba", ["carol"])


def test_unknown_or_malformed_teams_are_errors(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    with pytest.raises(JitError, match="Team acme/nope was not found"):
        client.active_team_members("acme/nope", ["carol"])
    with pytest.raises(JitError, match="'org/slug'"):
        client.active_team_members("dba", ["carol"])
    fake_github.add_team("acme/dba", ["carol"])
    fake_github.fail_next("GET", "/organizations/*/team/*/memberships/*", status=400)
    with pytest.raises(OperationalError, match="answered 400"):
        client.active_team_members("acme/dba", ["carol"])


def test_file_at_tells_files_from_links_submodules_dirs_and_gaps(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull(
        "alice",
        {
            "requests/alice/a.yaml": "resource: db\n",
            "requests/alice/link.yaml": Symlink("../../README.md"),  # GitHub follows it
            "requests/alice/out.yaml": Symlink("/etc/passwd"),  # GitHub describes it
            "requests/alice/sub": Submodule("https://example.test/x.git"),
        },
    )
    head = pr.head_sha
    got = client.file_at("requests/alice/a.yaml", head)
    assert (got.type, got.content) == ("file", b"resource: db\n")
    assert client.file_at("requests/alice/link.yaml", head).type == "symlink"
    assert client.file_at("requests/alice/out.yaml", head).type == "symlink"
    assert client.file_at("requests/alice/sub", head).type == "submodule"
    assert client.file_at("requests/alice", head) == FileAtRef("requests/alice", "dir")
    assert client.file_at("requests/alice/a.yaml", fake_github.main_sha).type == "missing"


def test_file_at_refuses_content_github_does_not_inline(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"requests/alice/big.yaml": b"#" * (1024 * 1024 + 1)})
    with pytest.raises(JitError, match="larger than GitHub serves inline"):
        client.file_at("requests/alice/big.yaml", pr.head_sha)


def test_pulls_for_commit_finds_open_and_merged(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    assert [p.number for p in client.pulls_for_commit(pr.head_sha)] == [pr.number]
    merge = fake_github.merge(pr)
    (found,) = client.pulls_for_commit(merge)
    assert (found.number, found.merged, found.merge_commit_sha) == (pr.number, True, merge)
    assert client.pulls_for_commit(fake_github.commit_to_main({"c": "d"})) == []


def test_ssh_keys(fake_github: FakeGitHub, client: GitHubClient) -> None:
    fake_github.user("alice", keys=["ssh-ed25519 AAAA1", "ssh-rsa AAAA2"])
    assert client.ssh_keys("alice") == ["ssh-ed25519 AAAA1", "ssh-rsa AAAA2"]
    assert client.ssh_keys("nobody") == []
    assert fake_github.count("GET", "/users/alice") == 0  # only the keys are fetched


def test_review_states_jit_does_not_know_are_left_out(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    fake_github.add_review(pr, "carol", "SOMETHING_NEW")
    assert client.reviews(pr.number) == []


def test_server_errors_on_reads_that_tolerate_404_still_fail(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    fake_github.fail_next("GET", "/repos/acme/access/contents/a", status=502, times=6)
    with pytest.raises(OperationalError, match=r"Reading a at .*502"):
        client.file_at("a", pr.head_sha)
    fake_github.fail_next("GET", "/users/alice/keys", status=400, body={})
    with pytest.raises(
        OperationalError, match=r"SSH keys of alice: GitHub answered 400 \('HTTP 400'\)"
    ):
        client.ssh_keys("alice")


def test_open_pull_for_head_finds_fork_prs_across_pages(
    fake_github: FakeGitHub, client: GitHubClient
) -> None:
    fork = fake_github.add_pull("mallory", {"requests/mallory/a.yaml": "x: 1\n"}, fork=True)
    for i in range(120):  # updated later, so listed before the fork PR
        fake_github.add_pull("alice", {f"requests/alice/r{i}.yaml": "x: 1\n"})
    found = client.open_pull_for_head(fork.head_sha)
    assert found is not None and (found.number, found.from_fork) == (fork.number, True)
    assert fake_github.count("GET", "/repos/acme/access/pulls") == 2
    assert fake_github.count("GET", "/repos/acme/access/pulls/*") == 0  # no per-PR reads
    fake_github.close(fork)
    assert client.open_pull_for_head(fork.head_sha) is None
