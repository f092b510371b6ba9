"""Render pull requests and what hangs off them (files, reviews, comments, statuses, commits,
contents, the issue side) as the REST API does; see ``github_json`` for people and places."""

from __future__ import annotations

import base64
import posixpath
from dataclasses import dataclass

from tests.fakes.github_json import Json, Urls, iso, node_id, user
from tests.fakes.github_state import (
    Comment,
    Commit,
    Entry,
    FileDiff,
    Pull,
    Review,
    Status,
    Submodule,
    Symlink,
    User,
    blob_sha,
)


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


def commit(
    u: Urls, full_name: str, rec: Commit, people: tuple[User, User], files: list[Json]
) -> Json:
    """``people``: the commit's author and committer."""
    api = u.repo(full_name)
    author, committer = people

    def person(who: User) -> Json:
        return {
            "name": who.login,
            "email": f"{who.login}@users.noreply.fake",
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
            "author": person(author),
            "committer": person(committer),
            "message": rec.message,
            "comment_count": 0,
            "tree": {"sha": rec.sha[::-1], "url": f"{api}/git/trees/{rec.sha[::-1]}"},
        },
        "author": user(u, author),
        "committer": user(u, committer),
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
