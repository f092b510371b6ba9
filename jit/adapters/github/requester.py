"""What the requester's commands (``jit resources --mine``, ``jit request``, ``jit status``,
``jit release``) ask of GitHub with the requester's own token, and where that token comes from.

Calls: ``login`` 1 (``GET /user``), ``team_access`` 1 per team + 1 per team (cached),
``create_pull`` 1 write (never retried: a lost response must not open two PRs),
``open_pulls_by`` 1 per 100 open PRs, ``approval_status`` 1 per 100 statuses.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from github import GithubException

from jit.adapters.github.client import GitHubClient
from jit.adapters.github.failures import calling, github_message
from jit.errors import JitError
from jit.ports import PullInfo
from jit.redact import redact_comment

#: ``https://github.com/acme/access(.git)``, ``git@github.com:acme/access(.git)``,
#: ``ssh://git@github.com/acme/access``.
_REMOTE_RE = re.compile(
    r"(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/:]+@)?github\.com[:/]"
    r"(?P<owner>[A-Za-z0-9-]+)/(?P<name>[A-Za-z0-9._-]+?)(?:\.git)?/?"
)


def run_gh_auth_token() -> str | None:
    """``gh auth token``, when the GitHub CLI is installed and logged in; else None."""
    try:
        done = subprocess.run(
            ["gh", "auth", "token"],  # noqa: S607 - gh from PATH, as the user runs it
            capture_output=True,
            check=False,
            timeout=15,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    token = done.stdout.decode("utf-8", "replace").strip()
    return token if done.returncode == 0 and token else None


def user_token(
    env: Mapping[str, str], gh: Callable[[], str | None] = run_gh_auth_token
) -> str | None:
    """``GITHUB_TOKEN`` (or ``GH_TOKEN``), else ``gh auth token``; None when there is none."""
    return env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or gh()


def repository_from_remote(url: str | None) -> str | None:
    """``owner/name`` from a github.com remote URL; None for anything else."""
    match = _REMOTE_RE.fullmatch(url.strip()) if url else None
    return f"{match['owner']}/{match['name']}" if match else None


def _refusal(exc: GithubException) -> str:
    """What a 422 says: each error's message, or its field and code."""
    data: Any = exc.data
    errors = data.get("errors") if isinstance(data, dict) else None
    said = [
        str(e.get("message") or f"{e.get('field')}: {e.get('code')}")
        for e in errors or ()
        if isinstance(e, dict)
    ]
    return "; ".join(said) or github_message(exc)


class RequesterClient(GitHubClient):
    """``GitHubClient`` plus the calls of the requester's commands (``jit.ports.RequesterPort``)."""

    def team_access(self, team: str, login: str) -> bool | int:
        """Whether ``login`` is an active member of ``org/slug``; or GitHub's HTTP status
        (403, 404) when this token may not read the team."""
        try:
            return login in self.active_team_members(team, [login])
        except JitError as exc:
            status = getattr(exc.__cause__, "status", None)
            if status in (403, 404):
                return int(status)
            raise

    def create_pull(self, title: str, body: str, head: str, base: str) -> PullInfo:
        action = f"Opening a pull request from {head} into {base}"
        with calling(action):
            self._pace()
            try:
                pr = self._repo_once.create_pull(
                    base=base, head=head, title=title, body=redact_comment(body)
                )
            except GithubException as exc:
                if exc.status != 422:
                    raise
                raise JitError(f"{action}: GitHub refused it ({_refusal(exc)}).") from None
            return self._info(pr)

    def open_pulls_by(self, login: str) -> Sequence[PullInfo]:
        with calling("Listing the open pull requests"):
            return [
                self._info(pr)
                for pr in self._repo.get_pulls(state="open")
                if pr.user.login.lower() == login.lower()
            ]

    def approval_status(self, sha: str, context: str) -> tuple[str, str] | None:
        """The newest ``context`` status on ``sha``: (state, description); None if unset."""
        with calling(f"Reading the {context} status of {sha[:12]}"):
            for status in self._repo.get_commit(sha).get_statuses():  # newest first
                if status.context == context:
                    return status.state, status.description or ""
        return None
