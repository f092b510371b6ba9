"""Active team membership, checked through the API and cached per client.

``GET /orgs/{org}/teams/{slug}`` once per team (so a misspelt team is an error, not an empty
team), then ``GET {team.url}/memberships/{login}`` once per login; only ``state == "active"``
counts, since a pending invitation also answers 200.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from github import GithubException

from jit.adapters.github.failures import TEAM_ACCESS_HINT, calling, github_message
from jit.errors import JitError

if TYPE_CHECKING:
    from github import Github
    from github.Team import Team


def folded(names: Iterable[str]) -> list[str]:
    """``names`` without duplicates, compared case-insensitively, in their first order."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.lower(), name)
    return list(seen.values())


class TeamMembers:
    def __init__(self, gh: Github) -> None:
        self._gh = gh
        self._teams: dict[str, Team] = {}
        self._active: dict[tuple[str, str], bool] = {}

    def active(self, team: str, logins: Iterable[str]) -> frozenset[str]:
        org, _, slug = team.partition("/")
        if not org or not slug or "/" in slug:
            raise JitError(f"Team {team!r} must be written 'org/slug', for example 'acme/dba'.")
        return frozenset(login for login in logins if self._is_active(org, slug, login))

    def _team(self, org: str, slug: str) -> Team:
        key = f"{org}/{slug}".lower()
        if key not in self._teams:
            with calling(f"Reading team {org}/{slug}"):
                try:
                    found = self._gh.get_organization(org).get_team_by_slug(slug)
                    found.complete()
                except GithubException as exc:
                    raise _team_error(org, slug, exc) from exc
            self._teams[key] = found
        return self._teams[key]

    def _is_active(self, org: str, slug: str, login: str) -> bool:
        key = (f"{org}/{slug}".lower(), login.lower())
        if key not in self._active:
            team = self._team(org, slug)
            with calling(f"Checking {login}'s membership of team {org}/{slug}"):
                try:
                    self._active[key] = team.get_team_membership(login).state == "active"
                except GithubException as exc:
                    if exc.status != 404:
                        raise _team_error(org, slug, exc) from exc
                    self._active[key] = False  # 404: not a member (or no such user)
        return self._active[key]


def _team_error(org: str, slug: str, exc: GithubException) -> Exception:
    if exc.status == 403 and "not accessible by integration" in github_message(exc).lower():
        return JitError(
            f"Reading team {org}/{slug}: GitHub answered 403 ({github_message(exc)!r}). "
            + TEAM_ACCESS_HINT
        )
    if exc.status == 404:
        return JitError(
            f"Team {org}/{slug} was not found: check the team slug in the policy, and that the "
            'GitHub App is installed on the organisation with "Members: read".'
        )
    return exc
