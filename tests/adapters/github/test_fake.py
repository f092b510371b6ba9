"""The fake GitHub itself: state, URL shapes and errors, driven through plain PyGithub."""

from __future__ import annotations

import github
import pytest
from github import Auth, Github

from tests.fakes.github import FakeGitHub
from tests.fakes.github_state import Submodule, Symlink


def client(fake: FakeGitHub, token: str | None = None) -> Github:
    return Github(
        auth=Auth.Token(token or fake.APP_TOKEN),
        base_url=fake.base_url,
        lazy=True,
        seconds_between_requests=None,
        seconds_between_writes=None,
        retry=None,
    )


def test_pull_files_reviews_and_contents(fake_github: FakeGitHub) -> None:
    pr = fake_github.add_pull(
        "alice",
        {
            "requests/alice/db.yaml": "resource: db\n",
            "link": Symlink("README.md"),
            "sub": Submodule("https://x/y.git"),
        },
    )
    fake_github.add_review(pr, "carol")
    repo = client(fake_github).get_repo("acme/access")
    pull = repo.get_pull(pr.number)
    assert (pull.user.login, pull.head.sha, pull.base.ref) == ("alice", pr.head_sha, "main")
    assert sorted((f.filename, f.status) for f in pull.get_files()) == [
        ("link", "added"),
        ("requests/alice/db.yaml", "added"),
        ("sub", "added"),
    ]
    assert [(r.user.login, r.state, r.commit_id) for r in pull.get_reviews()] == [
        ("carol", "APPROVED", pr.head_sha)
    ]
    assert (
        repo.get_contents("requests/alice/db.yaml", ref=pr.head_sha).decoded_content
        == b"resource: db\n"
    )
    followed = repo.get_contents("link", ref=pr.head_sha)
    assert (followed.type, followed.path) == ("file", "README.md")
    assert repo.get_contents("sub", ref=pr.head_sha).type == "submodule"
    listing = repo.get_contents("", ref=pr.head_sha)
    assert isinstance(listing, list)
    assert {c.path: c.type for c in listing} == {
        "README.md": "file",
        "link": "symlink",
        "requests": "dir",
        "sub": "file",  # as GitHub lists submodules in a directory
    }
    with pytest.raises(github.UnknownObjectException):
        repo.get_contents("requests/alice/db.yaml", ref=fake_github.main_sha)


def test_unknown_token_is_bad_credentials(fake_github: FakeGitHub) -> None:
    with pytest.raises(github.BadCredentialsException):
        client(fake_github, "nope").get_repo("acme/access").get_pull(1).complete()


def test_link_headers_page_like_github(fake_github: FakeGitHub) -> None:
    import requests

    pr = fake_github.add_pull("alice", {f"f{i}": f"{i}\n" for i in range(5)})
    url = f"{fake_github.base_url}/repos/acme/access/pulls/{pr.number}/files"
    auth = {"Authorization": f"token {fake_github.APP_TOKEN}"}
    first = requests.get(url, params={"per_page": 2}, headers=auth, timeout=5)
    assert [f["filename"] for f in first.json()] == ["f0", "f1"]
    assert first.links["next"]["url"].endswith("per_page=2&page=2")
    assert first.links["last"]["url"].endswith("page=3") and "prev" not in first.links
    last = requests.get(first.links["last"]["url"], headers=auth, timeout=5)
    assert [f["filename"] for f in last.json()] == ["f4"]
    assert "next" not in last.links and last.links["first"]["url"].endswith("page=1")
    assert int(last.headers["X-RateLimit-Remaining"]) == 5000 - 2  # two requests so far


def test_errors_have_github_bodies(fake_github: FakeGitHub) -> None:
    import requests

    base = fake_github.base_url
    anonymous = requests.get(f"{base}/repos/acme/access", timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.json()["message"] == "Requires authentication"
    auth = {"Authorization": f"token {fake_github.APP_TOKEN}"}
    missing = requests.get(f"{base}/no/such/route", headers=auth, timeout=5)
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest",
        "status": "404",
    }
    other_repo = requests.get(f"{base}/repos/acme/other/pulls/1", headers=auth, timeout=5)
    assert other_repo.status_code == 404


def test_status_validation(fake_github: FakeGitHub) -> None:
    repo = client(fake_github).get_repo("acme/access")
    pr = fake_github.add_pull("alice", {"a": "b"})
    with pytest.raises(github.GithubException) as caught:
        repo.get_commit("f" * 40).create_status("success")
    assert caught.value.status == 422 and "No commit found" in str(caught.value)
    with pytest.raises(github.GithubException, match="description is too long"):
        repo.get_commit(pr.head_sha).create_status("success", description="x" * 141)
    with pytest.raises(github.GithubException, match="state is not included"):
        repo.get_commit(pr.head_sha).create_status("green")
    assert fake_github.statuses_for(pr.head_sha) == []


def test_comment_bodies_are_validated(fake_github: FakeGitHub) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    issue = client(fake_github).get_repo("acme/access").get_issue(pr.number)
    with pytest.raises(github.GithubException, match="body is too long"):
        issue.create_comment("x" * 65537)
    assert fake_github.comments_on(pr) == []


def test_review_request_rules(fake_github: FakeGitHub) -> None:
    pr = fake_github.add_pull("alice", {"a": "b"})
    fake_github.user("bob")
    pull = client(fake_github).get_repo("acme/access").get_pull(pr.number)
    with pytest.raises(github.GithubException, match="pull request author"):
        pull.create_review_request(reviewers=["alice"])
    with pytest.raises(github.GithubException, match="not a collaborator"):
        pull.create_review_request(team_reviewers=["nope"])
    pull.create_review_request(reviewers=["bob"])
    pull.create_review_request(reviewers=["bob"])
    assert pr.requested_users == ["bob"]
    fake_github.add_review(pr, "bob", "COMMENTED")  # answering clears the request
    assert pr.requested_users == []


def test_pushes_merges_and_stale_reviews() -> None:
    fake = FakeGitHub(
        dismiss_stale_reviews=True, files={"README.md": "hi\n", "old.yaml": "a: 1\nb: 2\n"}
    )
    pr = fake.add_pull("alice", {"old.yaml": None, "new.yaml": "a: 1\nb: 2\n", "x": "1\n"})
    approval = fake.add_review(pr, "carol")
    first = pr.head_sha
    assert fake.push(pr, {"x": "2\n"}) == pr.head_sha != first
    assert approval.state == "DISMISSED" and approval.commit_id == first
    assert [
        (r.filename, r.status, r.previous_filename) for r in fake.diff(pr.base_sha, pr.head_sha)
    ] == [
        ("new.yaml", "renamed", "old.yaml"),
        ("x", "added", None),
    ]
    assert fake.pulls_with_commit(first) == [pr]  # open, off main
    fake.commit_to_main({"README.md": "hello\n"})
    merge = fake.merge(pr)
    assert fake.tree() == {"README.md": b"hello\n", "new.yaml": b"a: 1\nb: 2\n", "x": b"2\n"}
    assert fake.pulls_with_commit(merge) == [pr] and fake.pulls_with_commit(first) == [pr]
    assert pr.merged and pr.state == "closed" and pr.merge_commit_sha == merge
    other = fake.add_pull("bob", {"y": "1\n"})
    fake.close(other)
    assert fake.pulls_with_commit(other.head_sha) == []


def test_faults_match_patterns_and_run_out(fake_github: FakeGitHub) -> None:
    import requests

    auth = {"Authorization": f"token {fake_github.APP_TOKEN}"}
    fake_github.add_pull("alice", {"a": "b"})
    fake_github.fail_next("GET", "/repos/*/pulls/*", status=503, times=2)
    url = f"{fake_github.base_url}/repos/acme/access/pulls/1"
    codes = [requests.get(url, headers=auth, timeout=5).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert fake_github.count("GET", "/repos/acme/access/pulls/1") == 3
    assert fake_github.count("POST") == 0
    fake_github.reset_calls()
    assert fake_github.calls == []
