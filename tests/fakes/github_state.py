"""The fake GitHub's state: plain mutable records, git-like trees and the PR diff.

Nothing here speaks HTTP; ``github_json`` renders these records the way the REST API does and
``github_routes`` serves them. Tests mostly reach this through ``FakeGitHub``'s builders.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Symlink:
    """A tree entry of mode 120000 pointing at ``target`` (relative to the link's directory)."""

    target: str


@dataclass(frozen=True)
class Submodule:
    """A gitlink (mode 160000): a commit of another repository."""

    url: str
    sha: str = "5" * 40


Entry = bytes | Symlink | Submodule
Tree = dict[str, Entry]
#: What a test may write into a commit: text, bytes, a link, a submodule, or None to delete.
FileChange = str | bytes | Symlink | Submodule | None


def blob_sha(entry: Entry) -> str:
    """The git object id of a tree entry (a real blob sha for files and links)."""
    if isinstance(entry, Submodule):
        return entry.sha
    data = entry.target.encode() if isinstance(entry, Symlink) else entry
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def entry_text(entry: Entry) -> str | None:
    """The text a diff shows for an entry, or None for binary content."""
    if isinstance(entry, Symlink):
        return entry.target
    if isinstance(entry, Submodule):
        return f"Subproject commit {entry.sha}"
    try:
        return entry.decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass
class User:
    login: str
    id: int
    type: str = "User"  # "Bot" for apps, "Organization" for org accounts
    site_admin: bool = False
    keys: list[str] = field(default_factory=list)


@dataclass
class Token:
    value: str
    login: str
    #: An App installation token with Organization Members: read; GITHUB_TOKEN has no org scope.
    org_scope: bool = False
    #: The token a fork PR gets: every write answers 403.
    read_only: bool = False


@dataclass
class Membership:
    state: str = "active"  # or "pending" (an invitation not yet accepted)
    role: str = "member"  # or "maintainer"


@dataclass
class Org:
    login: str
    id: int


@dataclass
class Team:
    org: str
    slug: str
    id: int
    name: str
    members: dict[str, Membership] = field(default_factory=dict)


@dataclass
class Commit:
    sha: str
    tree: Tree
    parents: list[str]
    message: str
    author: str
    date: datetime
    committer: str | None = None  # None: the author committed it


@dataclass
class Repo:
    owner: str
    name: str
    id: int
    default_branch: str = "main"
    fork: bool = False
    branches: dict[str, str] = field(default_factory=dict)  # name -> sha
    collaborators: set[str] = field(default_factory=set)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class Review:
    id: int
    login: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    commit_id: str | None
    submitted_at: datetime | None
    body: str = ""


@dataclass
class Pull:
    number: int
    id: int
    author: str
    title: str
    body: str | None
    base_ref: str
    base_sha: str  # the fork point the diff is computed from
    head_ref: str
    head_sha: str
    head_repo: str  # full name; differs from the base repository for a fork PR
    created_at: datetime
    updated_at: datetime
    draft: bool = False
    state: str = "open"
    merged: bool = False
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    closed_at: datetime | None = None
    requested_users: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)  # slugs
    reviews: list[Review] = field(default_factory=list)


@dataclass
class Comment:
    id: int
    issue: int
    login: str
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Status:
    id: int
    sha: str
    state: str
    description: str | None
    context: str
    target_url: str | None
    creator: str
    created_at: datetime


@dataclass(frozen=True)
class FileDiff:
    """One row of ``GET /pulls/{n}/files``."""

    filename: str
    status: str
    sha: str | None
    previous_filename: str | None = None
    patch: str | None = None
    additions: int = 0
    deletions: int = 0


def apply_changes(tree: Tree, changes: dict[str, FileChange]) -> Tree:
    """A new tree: ``tree`` with ``changes`` written (``None`` deletes the path)."""
    new = dict(tree)
    for path, change in changes.items():
        if change is None:
            new.pop(path, None)
        elif isinstance(change, str):
            new[path] = change.encode()
        else:
            new[path] = change
    return new


def diff_trees(old: Tree, new: Tree) -> list[FileDiff]:
    """What GitHub lists as a PR's files: added, removed, modified, changed (type) and renamed."""
    removed = sorted(p for p in old if p not in new)
    added = sorted(p for p in new if p not in old)
    renamed: dict[str, str] = {}  # new path -> old path, the most similar pairs first
    pairs = [
        (_similarity(old[o], new[n]), n, o)
        for n in added
        for o in removed
        if type(old[o]) is type(new[n])
    ]
    for ratio, new_path, old_path in sorted(pairs, key=lambda p: -p[0]):
        if ratio >= 0.5 and new_path not in renamed and old_path not in renamed.values():
            renamed[new_path] = old_path  # git's default similarity threshold is 50%
    rows: list[FileDiff] = []
    for path in sorted(set(old) | set(new)):
        if path in renamed:
            rows.append(_row(path, "renamed", old[renamed[path]], new[path], renamed[path]))
        elif path in added:
            rows.append(_row(path, "added", None, new[path]))
        elif path in removed and path not in renamed.values():
            rows.append(_row(path, "removed", old[path], None))
        elif path in old and path in new and old[path] != new[path]:
            status = "modified" if type(old[path]) is type(new[path]) else "changed"
            rows.append(_row(path, status, old[path], new[path]))
    return rows


def _similarity(a: Entry, b: Entry) -> float:
    if a == b:
        return 1.0
    ta, tb = entry_text(a), entry_text(b)
    if ta is None or tb is None:
        return 0.0
    return difflib.SequenceMatcher(None, ta, tb).ratio()


def _row(
    path: str, status: str, old: Entry | None, new: Entry | None, previous: str | None = None
) -> FileDiff:
    old_text = "" if old is None else entry_text(old)
    new_text = "" if new is None else entry_text(new)
    sha = blob_sha(new) if new is not None else blob_sha(old) if old is not None else None
    if old_text is None or new_text is None:  # binary: GitHub sends no patch
        return FileDiff(path, status, sha, previous)
    lines = list(
        difflib.unified_diff(old_text.splitlines(), new_text.splitlines(), lineterm="", n=3)
    )[2:]  # drop the ---/+++ header, as GitHub does
    adds = sum(1 for line in lines if line.startswith("+"))
    dels = sum(1 for line in lines if line.startswith("-"))
    return FileDiff(path, status, sha, previous, "\n".join(lines) or None, adds, dels)
