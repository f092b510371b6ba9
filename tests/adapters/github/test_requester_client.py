"""Where the requester's token and repository come from (``jit.adapters.github.requester``)."""

from __future__ import annotations

import pytest

from jit.adapters.github.requester import repository_from_remote, user_token


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/access.git",
        "https://github.com/acme/access",
        "https://x-access-token@github.com/acme/access.git",
        "git@github.com:acme/access.git",
        "ssh://git@github.com/acme/access",
    ],
)
def test_repository_from_a_github_remote(url: str) -> None:
    assert repository_from_remote(url) == "acme/access"


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "/srv/git/access.git",
        "https://gitlab.com/acme/access.git",
        "https://github.com/acme",
    ],
)
def test_no_repository_from_other_remotes(url: str | None) -> None:
    assert repository_from_remote(url) is None


def test_the_environment_comes_before_gh() -> None:
    def gh() -> str:
        raise AssertionError("gh must not run when a token is set")

    assert user_token({"GITHUB_TOKEN": "a"}, gh) == "a"
    assert user_token({"GH_TOKEN": "b"}, gh) == "b"
    assert user_token({}, lambda: "c") == "c"
    assert user_token({}, lambda: None) is None


def test_gh_missing_or_logged_out_gives_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from jit.adapters.github import requester

    monkeypatch.setenv("PATH", "/nonexistent")
    assert requester.run_gh_auth_token() is None
