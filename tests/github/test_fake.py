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
    with pytest.raises(github.UnknownObjectException):
        repo.get_contents("requests/alice/db.yaml", ref=fake_github.main_sha)


def test_unknown_token_is_bad_credentials(fake_github: FakeGitHub) -> None:
    with pytest.raises(github.BadCredentialsException):
        client(fake_github, "nope").get_repo("acme/access").get_pull(1).complete()
