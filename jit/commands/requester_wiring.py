"""Connecting the requester's commands to GitHub with the requester's own token.

The token is ``GITHUB_TOKEN`` (or ``GH_TOKEN``), else ``gh auth token`` when the GitHub CLI is
logged in. The repository is ``--github-repo``, else ``GITHUB_REPOSITORY``, else the
``origin`` remote of the checkout when it is on github.com.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from jit.errors import JitError
from jit.ports import RequesterPort

#: How to get a token when none is in the environment (``gh auth token``).
TokenSource = Callable[[], "str | None"]

MISSING_IDENTITY = (
    "{what} needs your GitHub identity, and there is no token: set GITHUB_TOKEN (a token "
    "with the repo scope, and read:org for team rules), or log in with the GitHub CLI "
    "(gh auth login), which jit asks through gh auth token."
)


def connect(
    repo: Path,
    env: Mapping[str, str],
    github_repo: str | None,
    *,
    what: str,
    gh: TokenSource | None = None,
) -> RequesterPort:
    """A ``RequesterPort`` for the access repository, or a ``JitError`` saying what is missing."""
    from jit.adapters.git import Git
    from jit.adapters.github.client import DEFAULT_API_URL
    from jit.adapters.github.requester import (
        RequesterClient,
        repository_from_remote,
        run_gh_auth_token,
        user_token,
    )

    token = user_token(env, gh or run_gh_auth_token)
    if not token:
        raise JitError(MISSING_IDENTITY.format(what=what))
    name = github_repo or env.get("GITHUB_REPOSITORY") or None
    if name is None:
        name = repository_from_remote(Git(repo).remote_url())
    if name is None:
        raise JitError(
            f"{what} needs to know the access repository on GitHub: its origin remote in "
            f"{repo} is not on github.com, so pass --github-repo OWNER/NAME (or set "
            "GITHUB_REPOSITORY)."
        )
    api = env.get("GITHUB_API_URL") or DEFAULT_API_URL
    return RequesterClient(token, name, api)
