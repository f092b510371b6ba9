"""The writes that must not repeat: the marked comment and review requests.

``upsert_comment`` finds jit's own comment carrying the marker (written by the identity the
client authenticates as, never by another user or bot) and edits it; it creates one
only when none exists, with a single un-retried POST, and looks again if that POST fails
(the response may have been lost after GitHub created the comment). ``request_missing``
asks only for the people and teams not yet requested, never the author.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from github import GithubException

from jit.adapters.github.failures import TEAM_ACCESS_HINT, github_message
from jit.adapters.github.teams import folded
from jit.errors import OperationalError

if TYPE_CHECKING:
    from github.Issue import Issue
    from github.IssueComment import IssueComment
    from github.PullRequest import PullRequest

Pace = Callable[[], None]


def find_marked(issue: Issue, marker: str, author: str) -> IssueComment | None:
    """The oldest comment by ``author`` (jit's own login) that carries ``marker``. Anyone can
    copy the marker into a comment; a person's or another bot's comment never counts."""
    for c in issue.get_comments():
        if (
            marker in (c.body or "")
            and c.user is not None
            and c.user.login.lower() == author.lower()
        ):
            return c
    return None


def upsert_comment(
    issue: Issue, issue_once: Issue, marker: str, body: str, pace: Pace, author: str
) -> None:
    """``issue_once`` is the same issue on a client that does not retry POST; ``author`` is the
    login the client writes as."""
    existing = find_marked(issue, marker, author)
    if existing is None:
        pace()
        try:
            issue_once.create_comment(body)
            return
        except (GithubException, OSError):
            existing = find_marked(issue, marker, author)
            if existing is None:
                raise
    if existing.body != body:
        pace()
        existing.edit(body)


def request_missing(
    pr: PullRequest, owner: str, users: Sequence[str], teams: Sequence[str], pace: Pace
) -> None:
    """Request reviews from those of ``users`` and ``teams`` ("org/slug" or "slug") not yet
    requested, skipping the author and teams of other organisations than ``owner``."""
    author = pr.user.login.lower()
    asked = {u.login.lower() for u in pr.requested_reviewers}
    asked_teams = {t.slug.lower() for t in pr.requested_teams}
    want_users = [u for u in folded(users) if u.lower() not in asked and u.lower() != author]
    slugs = [
        t.rpartition("/")[2] for t in teams if t.rpartition("/")[0].lower() in ("", owner.lower())
    ]
    want_teams = [t for t in folded(slugs) if t.lower() not in asked_teams]
    if not want_users and not want_teams:
        return
    pace()
    try:
        pr.create_review_request(reviewers=want_users, team_reviewers=want_teams)
        return
    except GithubException as exc:
        if exc.status != 422:
            raise
    # GitHub refuses the whole request for one bad name: ask for each alone.
    asks: list[tuple[str, dict[str, Any]]] = [(u, {"reviewers": [u]}) for u in want_users]
    asks += [(f"team {t}", {"team_reviewers": [t]}) for t in want_teams]
    refused = []
    for who, ask in asks:
        pace()
        try:
            pr.create_review_request(**ask)
        except GithubException as exc:
            if exc.status != 422:
                raise
            refused.append((who, exc))
    if refused:
        raise _refused_error(pr.number, refused)


def _refused_error(number: int, refused: list[tuple[str, GithubException]]) -> OperationalError:
    said = "; ".join(f"{who}: {github_message(exc)!r}" for who, exc in refused)
    hint = "Each must be a collaborator with at least read access to the repository."
    if any(who.startswith("team ") for who, _ in refused):
        hint += " " + TEAM_ACCESS_HINT
    return OperationalError(
        f"Requesting reviews on pull request #{number}: GitHub answered 422 ({said}). {hint}",
        retryable=False,
    )
