"""Render the fake's records as the REST API does: every required field, every ``url`` field
pointing at the fake's own host (PyGithub asserts that followed URLs stay on its base URL).

The contract test validates what these produce against ``rest-api.openapi.json``.
"""

from __future__ import annotations

import base64
import posixpath
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.fakes.github_state import (
    Comment,
    Commit,
    Entry,
    FileDiff,
    Membership,
    Org,
    Pull,
    Repo,
    Review,
    Status,
    Submodule,
    Symlink,
    Team,
    User,
    blob_sha,
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


@dataclass(frozen=True)
class PullParts:
    """What a pull request embeds: both repositories, rendered, and the requested teams."""

    base_repo: Json
    head_repo: Json
    teams: list[Json]
    users: dict[str, User]


def pull(u: Urls, rec: Pull, parts: PullParts, *, simple: bool) -> Json:
    """A ``pull-request``; with ``simple``, a ``pull-request-simple``."""
    base_repo, head_repo, users = parts.base_repo, parts.head_repo, parts.users
    api = f"{base_repo['url']}/pulls/{rec.number}"
    issue = f"{base_repo['url']}/issues/{rec.number}"
    html = f"{base_repo['html_url']}/pull/{rec.number}"
    data: Json = {
        "url": api,
        "id": rec.id,
        "node_id": node_id("PullRequest", rec.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        "commits_url": f"{api}/commits",
        "review_comments_url": f"{api}/comments",
        "review_comment_url": f"{base_repo['url']}/pulls/comments{{/number}}",
        "comments_url": f"{issue}/comments",
        "statuses_url": f"{base_repo['url']}/statuses/{rec.head_sha}",
        "number": rec.number,
        "state": rec.state,
        "locked": False,
        "title": rec.title,
        "user": user(u, users[rec.author]),
        "body": rec.body,
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": iso(rec.created_at),
        "updated_at": iso(rec.updated_at),
        "closed_at": iso(rec.closed_at),
        "merged_at": iso(rec.merged_at),
        "merge_commit_sha": rec.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [user(u, users[login]) for login in rec.requested_users],
        "requested_teams": parts.teams,
        "head": {
            "label": f"{head_repo['owner']['login']}:{rec.head_ref}",
            "ref": rec.head_ref,
            "sha": rec.head_sha,
            "user": head_repo["owner"],
            "repo": head_repo,
        },
        "base": {
            "label": f"{base_repo['owner']['login']}:{rec.base_ref}",
            "ref": rec.base_ref,
            "sha": rec.base_sha,
            "user": base_repo["owner"],
            "repo": base_repo,
        },
        "_links": {
            "self": {"href": api},
            "html": {"href": html},
            "issue": {"href": issue},
            "comments": {"href": f"{issue}/comments"},
            "review_comments": {"href": f"{api}/comments"},
            "review_comment": {"href": f"{base_repo['url']}/pulls/comments{{/number}}"},
            "commits": {"href": f"{api}/commits"},
            "statuses": {"href": f"{base_repo['url']}/statuses/{rec.head_sha}"},
        },
        "author_association": "CONTRIBUTOR"
        if rec.head_repo != base_repo["full_name"]
        else "MEMBER",
        "auto_merge": None,
        "draft": rec.draft,
    }
    if not simple:
        data.update(
            {
                "merged": rec.merged,
                "mergeable": None if rec.merged else True,
                "rebaseable": None if rec.merged else True,
                "mergeable_state": "unknown" if rec.merged else "clean",
                "merged_by": user(u, users[rec.merged_by]) if rec.merged_by else None,
                "comments": 0,
                "review_comments": 0,
                "maintainer_can_modify": False,
                "commits": 1,
                "additions": 0,
                "deletions": 0,
                "changed_files": 0,
            }
        )
    return data


def diff_entry(u: Urls, full_name: str, head_sha: str, row: FileDiff) -> Json:
    data: Json = {
        "sha": row.sha,
        "filename": row.filename,
        "status": row.status,
        "additions": row.additions,
        "deletions": row.deletions,
        "changes": row.additions + row.deletions,
        "blob_url": f"{u.web}/{full_name}/blob/{head_sha}/{row.filename}",
        "raw_url": f"{u.web}/{full_name}/raw/{head_sha}/{row.filename}",
        "contents_url": f"{u.repo(full_name)}/contents/{row.filename}?ref={head_sha}",
    }
    if row.patch is not None:
        data["patch"] = row.patch
    if row.previous_filename is not None:
        data["previous_filename"] = row.previous_filename
    return data


def review(u: Urls, full_name: str, number: int, rec: Review, author: User) -> Json:
    pr_api = f"{u.repo(full_name)}/pulls/{number}"
    html = f"{u.web}/{full_name}/pull/{number}#pullrequestreview-{rec.id}"
    data: Json = {
        "id": rec.id,
        "node_id": node_id("PullRequestReview", rec.id),
        "user": user(u, author),
        "body": rec.body,
        "state": rec.state,
        "html_url": html,
        "pull_request_url": pr_api,
        "author_association": "MEMBER",
        "_links": {"html": {"href": html}, "pull_request": {"href": pr_api}},
        "commit_id": rec.commit_id,
    }
    if rec.submitted_at is not None:
        data["submitted_at"] = iso(rec.submitted_at)
    return data


def comment(u: Urls, full_name: str, rec: Comment, author: User) -> Json:
    return {
        "id": rec.id,
        "node_id": node_id("IssueComment", rec.id),
        "url": f"{u.repo(full_name)}/issues/comments/{rec.id}",
        "html_url": f"{u.web}/{full_name}/pull/{rec.issue}#issuecomment-{rec.id}",
        "issue_url": f"{u.repo(full_name)}/issues/{rec.issue}",
        "body": rec.body,
        "user": user(u, author),
        "created_at": iso(rec.created_at),
        "updated_at": iso(rec.updated_at),
        "author_association": "NONE" if author.type == "Bot" else "MEMBER",
    }


def status(u: Urls, full_name: str, rec: Status, creator: User) -> Json:
    return {
        "url": f"{u.repo(full_name)}/statuses/{rec.sha}",
        "avatar_url": None,
        "id": rec.id,
        "node_id": node_id("StatusContext", rec.id),
        "state": rec.state,
        "description": rec.description,
        "target_url": rec.target_url,
        "context": rec.context,
        "created_at": iso(rec.created_at),
        "updated_at": iso(rec.created_at),
        "creator": user(u, creator),
    }


def commit(u: Urls, full_name: str, rec: Commit, author: User, files: list[Json]) -> Json:
    api = u.repo(full_name)
    person = {
        "name": author.login,
        "email": f"{author.login}@users.noreply.fake",
        "date": iso(rec.date),
    }
    return {
        "url": f"{api}/commits/{rec.sha}",
        "sha": rec.sha,
        "node_id": node_id("Commit", int(rec.sha[:8], 16)),
        "html_url": f"{u.web}/{full_name}/commit/{rec.sha}",
        "comments_url": f"{api}/commits/{rec.sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{rec.sha}",
            "author": person,
            "committer": person,
            "message": rec.message,
            "comment_count": 0,
            "tree": {"sha": rec.sha[::-1], "url": f"{api}/git/trees/{rec.sha[::-1]}"},
        },
        "author": user(u, author),
        "committer": user(u, author),
        "parents": [
            {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{u.web}/{full_name}/commit/{p}"}
            for p in rec.parents
        ],
        "stats": {
            "total": sum(f["changes"] for f in files),
            "additions": sum(f["additions"] for f in files),
            "deletions": sum(f["deletions"] for f in files),
        },
        "files": files,
    }


def content(u: Urls, full_name: str, path: str, ref: str, entry: Entry | None) -> Json:
    """A ``content-file`` / ``-symlink`` / ``-submodule`` object, or a directory item (None)."""
    api = u.repo(full_name)
    self_url = f"{api}/contents/{path}?ref={ref}"
    sha = blob_sha(entry) if entry is not None else "d" * 40
    kind = "dir"
    if isinstance(entry, bytes):
        kind = "file"
    elif isinstance(entry, Symlink):
        kind = "symlink"
    elif isinstance(entry, Submodule):
        kind = "submodule"
    git = f"{api}/git/{'trees' if kind == 'dir' else 'blobs'}/{sha}"
    html = f"{u.web}/{full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{path}"
    data: Json = {
        "type": kind,
        "name": posixpath.basename(path),
        "path": path,
        "sha": sha,
        "size": len(entry) if isinstance(entry, bytes) else 0,
        "url": self_url,
        "git_url": git,
        "html_url": html,
        "download_url": f"{u.web}/raw/{full_name}/{ref}/{path}" if kind == "file" else None,
        "_links": {"self": self_url, "git": git, "html": html},
    }
    if isinstance(entry, bytes) and len(entry) > 1024 * 1024:  # GitHub does not inline these
        data.update({"content": "", "encoding": "none"})
    elif isinstance(entry, bytes):
        encoded = base64.encodebytes(entry).decode()
        data.update({"content": encoded, "encoding": "base64"})
    elif isinstance(entry, Symlink):
        data["target"] = entry.target
    elif isinstance(entry, Submodule):
        data["submodule_git_url"] = entry.url
    return data


def error(message: str, status: int, doc: str = "https://docs.github.com/rest") -> Json:
    return {"message": message, "documentation_url": doc, "status": str(status)}


def issue(u: Urls, full_name: str, rec: Pull, author: User, comments: int) -> Json:
    """The issue side of a pull request (``GET /repos/{o}/{r}/issues/{n}``)."""
    api = f"{u.repo(full_name)}/issues/{rec.number}"
    html = f"{u.web}/{full_name}/pull/{rec.number}"
    return {
        "id": rec.id + 1_000_000,
        "node_id": node_id("Issue", rec.id),
        "url": api,
        "repository_url": u.repo(full_name),
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": html,
        "number": rec.number,
        "state": rec.state,
        "title": rec.title,
        "body": rec.body,
        "user": user(u, author),
        "labels": [],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "comments": comments,
        "pull_request": {
            "url": f"{u.repo(full_name)}/pulls/{rec.number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": iso(rec.merged_at),
        },
        "closed_at": iso(rec.closed_at),
        "created_at": iso(rec.created_at),
        "updated_at": iso(rec.updated_at),
        "author_association": "MEMBER",
    }
