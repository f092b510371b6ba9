"""Render the fake's records as the REST API does: every required field, every ``url`` field
pointing at the fake's own host (PyGithub asserts that followed URLs stay on its base URL).

The contract test validates what these produce against ``rest-api.openapi.json``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.fakes.github_state import (
    Membership,
    Org,
    Repo,
    Team,
    User,
)

Json = dict[str, Any]


def iso(when: datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0:{kind}{number}".encode()).decode()


@dataclass(frozen=True)
class Urls:
    """The API base (``https://github.fake/api/v3``) and the web host (``https://github.fake``)."""

    api: str
    web: str

    def repo(self, full_name: str) -> str:
        return f"{self.api}/repos/{full_name}"


def user(u: Urls, rec: User) -> Json:
    api = f"{u.api}/users/{rec.login}"
    return {
        "login": rec.login,
        "id": rec.id,
        "node_id": node_id("User", rec.id),
        "avatar_url": f"{u.web}/avatars/u/{rec.id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{u.web}/{rec.login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": rec.type,
        "user_view_type": "public",
        "site_admin": rec.site_admin,
    }


def public_user(u: Urls, rec: User, created: datetime) -> Json:
    extra = dict.fromkeys(("name", "company", "location", "email", "hireable", "bio"))
    return {
        **user(u, rec),
        **extra,
        "blog": "",
        "twitter_username": None,
        "public_repos": 1,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": iso(created),
        "updated_at": iso(created),
    }


_REPO_URLS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def repo(u: Urls, rec: Repo, owner: User, created: datetime) -> Json:
    """A ``full-repository`` (which is also a valid ``repository``)."""
    api = u.repo(rec.full_name)
    host = u.web.split("://", 1)[1]
    data: Json = {key: api + suffix for key, suffix in _REPO_URLS.items()}
    data.update(
        {
            "id": rec.id,
            "node_id": node_id("Repository", rec.id),
            "name": rec.name,
            "full_name": rec.full_name,
            "owner": user(u, owner),
            "private": True,
            "html_url": f"{u.web}/{rec.full_name}",
            "description": None,
            "fork": rec.fork,
            "url": api,
            "git_url": f"git://{host}/{rec.full_name}.git",
            "ssh_url": f"git@{host}:{rec.full_name}.git",
            "clone_url": f"{u.web}/{rec.full_name}.git",
            "svn_url": f"{u.web}/{rec.full_name}",
            "mirror_url": None,
            "homepage": None,
            "language": None,
            "size": 1,
            "default_branch": rec.default_branch,
            "visibility": "private",
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers": 0,
            "watchers_count": 0,
            "open_issues": 0,
            "open_issues_count": 0,
            "network_count": 0,
            "subscribers_count": 0,
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": False,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "license": None,
            "created_at": iso(created),
            "updated_at": iso(created),
            "pushed_at": iso(created),
        }
    )
    return data


def org(u: Urls, rec: Org, created: datetime) -> Json:
    api = f"{u.api}/orgs/{rec.login}"
    return {
        "login": rec.login,
        "id": rec.id,
        "node_id": node_id("Organization", rec.id),
        "url": api,
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events",
        "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues",
        "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": f"{u.web}/avatars/u/{rec.id}?v=4",
        "description": None,
        "html_url": f"{u.web}/{rec.login}",
        "has_organization_projects": False,
        "has_repository_projects": False,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "type": "Organization",
        "created_at": iso(created),
        "updated_at": iso(created),
        "archived_at": None,
    }


def team_url(u: Urls, org_rec: Org, rec: Team) -> str:
    """GitHub's canonical team URL, which PyGithub follows for memberships."""
    return f"{u.api}/organizations/{org_rec.id}/team/{rec.id}"


def team(u: Urls, org_rec: Org, rec: Team) -> Json:
    """A ``team`` (also valid as ``team-simple``)."""
    api = team_url(u, org_rec, rec)
    return {
        "id": rec.id,
        "node_id": node_id("Team", rec.id),
        "url": api,
        "html_url": f"{u.web}/orgs/{rec.org}/teams/{rec.slug}",
        "name": rec.name,
        "slug": rec.slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{api}/members{{/member}}",
        "repositories_url": f"{api}/repos",
        "type": "organization",
        "organization_id": org_rec.id,
        "parent": None,
    }


def team_full(u: Urls, org_rec: Org, rec: Team, created: datetime) -> Json:
    return {
        **team(u, org_rec, rec),
        "created_at": iso(created),
        "updated_at": iso(created),
        "members_count": sum(1 for m in rec.members.values() if m.state == "active"),
        "repos_count": 1,
        "organization": org(u, org_rec, created),
    }


def membership(u: Urls, org_rec: Org, rec: Team, login: str, m: Membership) -> Json:
    return {
        "url": f"{team_url(u, org_rec, rec)}/memberships/{login}",
        "role": m.role,
        "state": m.state,
    }


def error(message: str, status: int, doc: str = "https://docs.github.com/rest") -> Json:
    return {"message": message, "documentation_url": doc, "status": str(status)}
